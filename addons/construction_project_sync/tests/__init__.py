from . import test_install
from . import test_job_cost
from . import test_budget_change_order
from . import test_flows_http
