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
        help="Groups the service user needs for what its flows create (for example "
        "Project Controller for job flows). Keep it to the least the flows need.",
    )
    business_owner_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    technical_owner_id = fields.Many2one("res.users")
    rate_limit = fields.Integer(default=6000)

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
        groups = (
            self.env.ref("base.group_user")
            | self.env.ref("integration_queue.group_integration_service")
            | self.group_ids
        )
        user = users.with_context(no_reset_password=True).create(
            {
                "name": _("%s (integration)") % self.name,
                "login": login,
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
            }
        )
        return system._action_new_api_key()


class IntegrationSystem(models.Model):
    _inherit = "integration.system"

    def _action_new_api_key(self):
        """A new API key for the service user, shown once in Odoo's own dialog; only
        its hash is stored (res.users.apikeys)."""
        self.ensure_one()
        if not self.user_id:
            raise UserError(_("Give %s a service user first.") % self.name)
        # sudo with the service user as env user: the key must belong to that user,
        # and a persistent key needs sudo (see res.users.apikeys._generate).
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.user_id)
            .sudo()
            ._generate(None, _("%s API") % self.code, None)
        )
        self.message_post(body=_("A new API key was generated for the service user."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.users.apikeys.show",
            "name": _("API Key of %s: copy it now, it is not shown again") % self.name,
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": key},
        }

    def action_new_api_key(self):
        return self._action_new_api_key()
