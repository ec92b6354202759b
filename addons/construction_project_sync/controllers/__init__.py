from . import job_cost
