# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    def _check_credentials(self, *, scope, key):
        # Odoo's own key checks (RPC, bearer routes, other scopes) never accept a key
        # of a service user, even a global one made before the hub scoped its keys:
        # the hub checks its keys itself (integration.system.key).
        uid = super()._check_credentials(scope=scope, key=key)
        if uid and self.env["res.users"]._integration_service_user_ids([uid]):
            return None
        return uid
