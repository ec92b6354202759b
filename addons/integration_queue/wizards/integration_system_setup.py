# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IntegrationSystemSetup(models.TransientModel):
    """Creates a system with its dedicated service user and an API key shown once."""

    _name = "integration.system.setup"
    _description = "Set Up an Integration System"

    name = fields.Char(required=True)
    code = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    flow_ids = fields.Many2many("integration.flow", string="Enabled Flows")
    group_ids = fields.Many2many(
        "res.groups",
        string="Extra Rights",
        domain=[("integration_service_grantable", "=", True)],
        help="Groups the service user needs for what its flows create (for example "
        "Project Controller for job flows). Keep it to the least the flows need; only "
        "groups marked grantable to integration service users can be given.",
    )
    business_owner_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    technical_owner_id = fields.Many2one("res.users")
    rate_limit = fields.Integer(default=6000)
    key_validity_days = fields.Integer(string="Key Validity (days)", default=365)

    @api.model
    def _service_login(self, code):
        return f"integration-{code}"

    def action_create(self):
        self.ensure_one()
        login = self._service_login(self.code)
        # sudo: creating a user needs the Settings right; integration managers set up
        # systems without being administrators, and the user gets only the groups below.
        users = self.env["res.users"].sudo()
        if users.with_context(active_test=False).search_count([("login", "=", login)]):
            raise UserError(_("A user with login %s already exists.") % login)
        # the allow-list is checked here, not only in the view: the wizard's fields
        # are written through RPC as easily as through the form
        refused = (
            self.group_ids.filtered(
                lambda group: not group.integration_service_grantable
            )
            | self.group_ids._integration_leads_to_forbidden()
        )
        if refused:
            raise UserError(
                _(
                    "A service user cannot be given %s: only groups marked grantable "
                    "to integration service users, never administration or "
                    "integration rights.",
                    ", ".join(refused.mapped("full_name")),
                )
            )
        groups = (
            self.env.ref("base.group_user")
            | self.env.ref("integration_queue.group_integration_service")
            | self.group_ids
        )
        user = users.with_context(no_reset_password=True).create(
            {
                "name": _("%s (integration)") % self.name,
                "login": login,
                # Odoo's own flows post to chatter as the acting user (a validated
                # transfer announces its backorder) and need an author address; a
                # reserved .invalid domain (RFC 2606) is one no mail ever reaches
                "email": f"{login}@integration.invalid",
                "company_id": self.company_id.id,
                "company_ids": [(6, 0, self.company_id.ids)],
                "groups_id": [(6, 0, groups.ids)],
                "notification_type": "inbox",
            }
        )
        system = self.env["integration.system"].create(
            {
                "name": self.name,
                "code": self.code,
                "company_id": self.company_id.id,
                "user_id": user.id,
                "flow_ids": [(6, 0, self.flow_ids.ids)],
                "business_owner_id": self.business_owner_id.id,
                "technical_owner_id": self.technical_owner_id.id,
                "rate_limit": self.rate_limit,
                "key_validity_days": self.key_validity_days,
            }
        )
        return system.action_new_api_key()
