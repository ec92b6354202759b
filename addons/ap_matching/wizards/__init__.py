# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import account_payment_register
from . import ap_hold_resolution
