# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import controllers
from . import models
from . import wizards
from . import database_unavailable
from . import job_runner


def post_load():
    """Runs at startup because the addon is loaded server-wide (see the README):
    503 problem+json on the hub's routes while the database is unreachable, and
    queue_job's runner requeueing a dead worker's jobs within seconds."""
    database_unavailable.install()
    job_runner.install()
