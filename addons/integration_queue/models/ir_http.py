# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import re

import werkzeug.exceptions
from werkzeug.wrappers import Response

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import SessionExpiredException, request

from ..lib.errors import problem

API_PREFIX = "/api/construction/"
BEARER = re.compile(r"^bearer\s+(\S+)\s*$", re.IGNORECASE)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_hub_key(cls):
        """``auth="hub_key"``: the Authorization bearer key only (never a session
        cookie, so no browser can be made to call the API), checked by the hub's
        key register: a system's hub key, or a person's global key (see
        integration.system.key._authenticate)."""
        match = BEARER.match(request.httprequest.headers.get("Authorization") or "")
        uid = match and request.env["integration.system.key"]._authenticate(
            match.group(1)
        )
        if not uid:
            raise werkzeug.exceptions.Unauthorized()
        request.update_env(user=uid)

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
