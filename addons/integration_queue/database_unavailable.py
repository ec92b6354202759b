# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""503 problem+json with Retry-After on the hub's routes while PostgreSQL is
unreachable.

Odoo serves a request without a database when it finds none to serve it from: when
PostgreSQL refuses connections, the database list is empty (or the registry cannot
load) and the request falls to the database-free routes, where the hub's are missing:
a 404 HTML page, and a 500 HTML page when a connection breaks during a request.
Clients could not tell "retry later" from "wrong URL". This module answers those cases
for paths under /api/construction/ only, as a 503 a client retries after
``Retry-After`` seconds. It must be imported before any database is (the module is
loaded server-wide), and patches ``odoo.http.Request`` from the addon's ``post_load``
hook.
"""

import json
import logging

import psycopg2
import psycopg2.pool
import werkzeug.exceptions
from werkzeug.wrappers import Response

from odoo import http, sql_db
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .lib.errors import problem

_logger = logging.getLogger(__name__)

API_PREFIX = "/api/construction/"
RETRY_AFTER_SECONDS = 5
# OperationalError covers a refused or broken connection, InterfaceError a connection
# already closed, PoolError a pool with every connection in use
DATABASE_DOWN_ERRORS = (
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    psycopg2.pool.PoolError,
)
PROBE_TIMEOUT_SECONDS = 3


class DatabaseUnavailable(werkzeug.exceptions.ServiceUnavailable):
    """Carries its own answer: Odoo's request handler sends an exception's
    ``error_response`` as it is, and logs no traceback for an HTTPException."""

    def __init__(self, reason):
        body = problem(
            "database_unavailable",
            f"{reason} Retry after {RETRY_AFTER_SECONDS} seconds.",
        )
        response = Response(
            json.dumps(body),
            status=503,
            content_type="application/problem+json",
            headers=[("Retry-After", str(RETRY_AFTER_SECONDS))],
        )
        super().__init__(response=response)
        self.error_response = response


def _is_api(request):
    return request.httprequest.path.startswith(API_PREFIX)


def _reason_without_database(request):
    """Why no database serves the request. The health route probes PostgreSQL to
    say which case it is; other routes do not wait on a probe."""
    if not request.httprequest.path.endswith("/health"):
        return "No database is available to serve the request."
    _name, params = sql_db.connection_info_for("postgres")
    try:
        psycopg2.connect(**params, connect_timeout=PROBE_TIMEOUT_SECONDS).close()
    except psycopg2.Error:
        return "PostgreSQL is unreachable."
    return (
        "PostgreSQL answers, but the hub's database does not accept connections "
        "(refused, or missing)."
    )


def _reason_of(exc):
    if isinstance(exc, psycopg2.pool.PoolError):
        return "Every database connection of this server is in use."
    if isinstance(exc, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
        return "The database is busy with concurrent updates of the same records."
    return "The connection to PostgreSQL failed."


def install():
    """Patch Odoo's request serving, once; called by the addon's post_load hook."""
    request_class = http.Request
    if getattr(request_class, "_integration_queue_patched", False):
        return
    serve_nodb = request_class._serve_nodb
    serve_db = request_class._serve_db

    def _serve_nodb(self):
        if _is_api(self):
            reason = _reason_without_database(self)
            _logger.warning("%s answered 503: %s", self.httprequest.path, reason)
            raise DatabaseUnavailable(reason)
        return serve_nodb(self)

    def _serve_db(self):
        try:
            return serve_db(self)
        except DATABASE_DOWN_ERRORS as exc:
            if not _is_api(self):
                raise
            _logger.warning(
                "%s answered 503 after a database error: %s",
                self.httprequest.path,
                exc,
            )
            raise DatabaseUnavailable(_reason_of(exc)) from exc

    request_class._serve_nodb = _serve_nodb
    request_class._serve_db = _serve_db
    request_class._integration_queue_patched = True
