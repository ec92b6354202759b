# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import res_company
from . import res_config_settings
from . import res_partner
from . import project_project
from . import integration_exception
from . import account_move_line
from . import account_move
from . import purchase_order
from . import purchase_order_line
from . import stock_picking
