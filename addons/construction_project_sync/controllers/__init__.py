from . import job_cost
from . import work_order
