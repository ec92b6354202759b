# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

import werkzeug.exceptions
from werkzeug.wrappers import Response

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import SessionExpiredException, request

from ..lib.errors import problem

API_PREFIX = "/api/construction/"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _authenticate(cls, endpoint):
        """Authentication failures on the hub's API answer in problem+json (401),
        as every other error there does, instead of Odoo's HTML pages."""
        try:
            return super()._authenticate(endpoint)
        except (
            AccessDenied,
            SessionExpiredException,
            werkzeug.exceptions.Unauthorized,
        ):
            if not request.httprequest.path.startswith(API_PREFIX):
                raise
            body = problem(
                "unauthenticated",
                "Send 'Authorization: Bearer <API key>' with the key of the system's "
                "service user.",
            )
            response = Response(
                json.dumps(body),
                status=401,
                content_type="application/problem+json",
                headers=[("WWW-Authenticate", 'Bearer realm="construction-hub"')],
            )
            raise werkzeug.exceptions.Unauthorized(response=response) from None
