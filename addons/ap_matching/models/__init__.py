from . import account_edi_common
from . import account_move
from . import ap_bill_flows
from . import integration_lineage
from . import res_company
from . import res_config_settings
