# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Processing resumes within seconds when a worker dies mid-job.

queue_job's runner only learns that a job died (a worker killed: the job stays
``started``, its lock row unlocked) when it requeues dead jobs, which it does each
time it wakes: on a job notification, or after ``SELECT_TIMEOUT`` (60 s) without one.
A dead job also keeps its channel slot until then; when dead jobs held every slot,
nothing ran for a minute. The runner now wakes every few seconds, and a job counts as
dead a few seconds after it was handed to a worker instead of ten.

Requeueing early cannot run a job twice: a worker takes a job only if it is still
``enqueued`` (then marks it ``started`` and locks its row), and a ``started`` job with
its row locked, that is running, is never requeued. Patched from the addon's
``post_load`` hook (the addon is loaded server-wide, before the runner starts).
"""

import logging

from odoo.addons.queue_job.jobrunner import runner

_logger = logging.getLogger(__name__)

WAKE_UP_SECONDS = 2
DEAD_AFTER_SECONDS = 3
_QUEUE_JOB_GRACE = "INTERVAL '10 sec'"


def install():
    """Shorten the runner's wait, once."""
    if getattr(runner.Database, "_integration_queue_patched", False):
        return
    runner.SELECT_TIMEOUT = WAKE_UP_SECONDS
    query = runner.Database._query_requeue_dead_jobs

    def _query_requeue_dead_jobs(self):
        sql = query(self)
        if _QUEUE_JOB_GRACE not in sql:
            # another queue_job version: keep its own grace period
            _logger.warning("queue_job's dead-job query changed; grace kept as is")
            return sql
        return sql.replace(_QUEUE_JOB_GRACE, f"INTERVAL '{DEAD_AFTER_SECONDS} sec'")

    runner.Database._query_requeue_dead_jobs = _query_requeue_dead_jobs
    runner.Database._integration_queue_patched = True
