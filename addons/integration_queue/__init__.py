# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import controllers
from . import models
from . import wizards
from . import database_unavailable


def post_load():
    """503 problem+json on the hub's routes while the database is unreachable; runs
    at startup because the addon is loaded server-wide (see the README)."""
    database_unavailable.install()
