# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import AccessDenied, ValidationError

SERVICE_GROUP = "integration_queue.group_integration_service"


class ResUsers(models.Model):
    _inherit = "res.users"

    integration_digest = fields.Boolean(
        string="Discrepancy Digest",
        default=True,
        help="Receive the daily e-mail of the integration discrepancies you own or "
        "that concern your jobs (the exceptions stay on your worklist either way).",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["integration_digest"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        # a preference: each user chooses for themself in My Preferences
        return super().SELF_WRITEABLE_FIELDS + ["integration_digest"]

    @api.model
    def _integration_service_user_ids(self, user_ids):
        """Which of ``user_ids`` are integration service users. Plain SQL: it runs
        while a request authenticates, before any user is known."""
        group_id = self.env["ir.model.data"]._xmlid_to_res_id(
            SERVICE_GROUP, raise_if_not_found=False
        )
        if not group_id or not user_ids:
            return set()
        self.env.cr.execute(
            "SELECT uid FROM res_groups_users_rel WHERE gid = %s AND uid = ANY(%s)",
            [group_id, list(user_ids)],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _check_credentials(self, credential, user_agent_env):
        # A service user authenticates with its hub key on the hub's routes only: no
        # password login, no session, no RPC, whatever credential was set on it.
        if self._integration_service_user_ids([self.env.uid]):
            raise AccessDenied()
        return super()._check_credentials(credential, user_agent_env)

    @api.constrains("groups_id")
    def _check_integration_service_groups(self):
        service = self.browse(self._integration_service_user_ids(self.ids))
        forbidden = self.env["res.groups"]._integration_forbidden_groups()
        for user in service:
            bad = user.groups_id & forbidden
            if bad:
                raise ValidationError(
                    _(
                        "%(user)s is an integration service user and cannot be given "
                        "%(groups)s.",
                        user=user.name,
                        groups=", ".join(bad.mapped("full_name")),
                    )
                )
            if not user._has_group("base.group_user"):
                raise ValidationError(
                    _("An integration service user must be an internal user.")
                )
