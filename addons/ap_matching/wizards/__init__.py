from . import purchase_request_line_make_purchase_order
from . import purchase_request_line_make_purchase_order_item
from . import ap_duplicate_release
from . import account_payment_register
from . import ap_hold_resolution
