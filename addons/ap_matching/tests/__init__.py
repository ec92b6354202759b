from . import test_install
from . import test_match
from . import test_hold
from . import test_routing
from . import test_job_cost
from . import test_multi_company
from . import test_views
from . import test_tour
