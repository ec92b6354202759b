from . import res_company
from . import res_config_settings
from . import res_partner
from . import construction_cost_code
from . import purchase_request
from . import purchase_request_line
from . import construction_receipt_flows
from . import construction_material_request_flows
