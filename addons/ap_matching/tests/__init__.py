from . import test_install
from . import test_receipt_flow_http
from . import test_material_request
from . import test_ap_reconciliation
