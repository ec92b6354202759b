# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import re

import werkzeug.exceptions
from werkzeug.wrappers import Response

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import SessionExpiredException, request

from ..lib.errors import problem

# the API's body limit (a system parameter), for JSON, XML and uploads alike
MAX_BODY_PARAM = "integration_queue.max_body_bytes"
DEFAULT_MAX_BODY = 10 * 1024 * 1024

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

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """A file upload to the hub's API is read under the hub's body limit, not
        Odoo's 128 MiB, and a larger one answers 413 in problem+json: Odoo parses a
        multipart body before the route runs, where the route could not answer."""
        super()._pre_dispatch(rule, args)
        httprequest = request.httprequest
        if (
            not httprequest.path.startswith(API_PREFIX)
            or httprequest.mimetype != "multipart/form-data"
        ):
            return
        # sudo: a technical limit, read for any caller
        value = request.env["ir.config_parameter"].sudo().get_param(MAX_BODY_PARAM)
        limit = int(value) if value else DEFAULT_MAX_BODY
        # werkzeug checks this before it reads a byte of the parts
        httprequest.max_content_length = limit
        try:
            httprequest.files  # noqa: B018 -- parses the form now, under the limit
        except werkzeug.exceptions.RequestEntityTooLarge:
            body = problem("payload_too_large", f"The upload is over {limit} bytes.")
            response = Response(
                json.dumps(body), status=413, content_type="application/problem+json"
            )
            raise werkzeug.exceptions.RequestEntityTooLarge(response=response) from None
