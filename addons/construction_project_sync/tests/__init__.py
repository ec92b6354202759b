from . import test_install
from . import test_job_cost
from . import test_budget_change_order
from . import test_flows_http
from . import test_reconciliation
from . import test_tour
from . import test_security
