# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.signature import generate_secret


class IntegrationSystem(models.Model):
    """An external application that talks to Odoo through the hub."""

    _name = "integration.system"
    _description = "Integration System"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        help="Short technical name, used in URLs (signed webhooks) and mappings.",
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Service User",
        ondelete="restrict",
        tracking=True,
        readonly=True,
        copy=False,
        help="The dedicated Odoo user the system acts as, created by Set Up a System: "
        "its API key authenticates the calls, its access rights and record rules bound "
        "what the system may do. It cannot be changed.",
    )
    key_ids = fields.One2many(
        "integration.system.key",
        "system_id",
        string="API Keys",
        readonly=True,
        groups="integration_queue.group_integration_manager",
    )
    key_validity_days = fields.Integer(
        string="Key Validity (days)",
        default=365,
        required=True,
        help="How long a new API key works before it expires.",
    )
    key_grace_days = fields.Integer(
        string="Rotation Grace (days)",
        default=7,
        required=True,
        help="When a new key is made, the keys already given keep working this many "
        "days more (time to deploy the new one), then stop. 0 stops them at once.",
    )
    business_owner_id = fields.Many2one("res.users", tracking=True)
    technical_owner_id = fields.Many2one("res.users", tracking=True)
    flow_ids = fields.Many2many(
        "integration.flow", string="Enabled Flows", tracking=True
    )
    rate_limit = fields.Integer(
        default=6000,
        help="Messages accepted per minute; 0 means no limit. Over it the API answers "
        "429 with Retry-After.",
    )
    webhook_secret = fields.Char(
        groups="integration_queue.group_integration_manager",
        copy=False,
        help="Shared secret of signed inbound webhooks (Standard Webhooks, "
        "HMAC-SHA256).",
    )
    webhook_tolerance = fields.Integer(
        default=300, help="Seconds a signed webhook's timestamp may be off."
    )
    message_count = fields.Integer(compute="_compute_message_count")
    interface_ids = fields.One2many(
        "integration.system.interface",
        "system_id",
        string="Interfaces",
        help="The flows and contract versions the system uses or is enabled for, "
        "with volumes, error rates and last contact.",
    )
    deprecated_version_count = fields.Integer(
        compute="_compute_deprecated_version_count",
        help="Deprecated or retired contract versions the system called in the last "
        "30 days: tell its owner to move.",
    )
    note = fields.Html()

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A system code must be unique."),
        (
            "rate_limit_positive",
            "CHECK(rate_limit >= 0)",
            "The rate limit cannot be negative.",
        ),
        (
            "user_uniq",
            "unique(user_id)",
            "A service user belongs to one system only, archived ones included.",
        ),
        (
            "key_validity_days_range",
            "CHECK(key_validity_days BETWEEN 1 AND 730)",
            "A key's validity is between 1 and 730 days.",
        ),
        (
            "key_grace_days_range",
            "CHECK(key_grace_days BETWEEN 0 AND 90)",
            "The rotation grace is between 0 and 90 days.",
        ),
    ]

    def _compute_message_count(self):
        counts = dict(
            self.env["integration.message"]._read_group(
                [("system_id", "in", self.ids)], ["system_id"], ["__count"]
            )
        )
        for system in self:
            system.message_count = counts.get(system, 0)

    def _compute_deprecated_version_count(self):
        counts = dict(
            self.env["integration.system.interface"]._read_group(
                [
                    ("system_id", "in", self.ids),
                    ("version_state", "in", ("deprecated", "retired")),
                    ("messages_30d", ">", 0),
                ],
                ["system_id"],
                ["__count"],
            )
        )
        for system in self:
            system.deprecated_version_count = counts.get(system, 0)

    @api.constrains("user_id")
    def _check_user_id(self):
        for system in self.filtered("user_id"):
            system._check_service_user()

    def _check_service_user(self):
        """The system's user is a service user the setup wizard would make: an
        internal user of the service group, without administration or the hub's own
        groups. Anyone else (a person, the administrator) is refused."""
        self.ensure_one()
        user = self.user_id
        if not user:
            raise UserError(_("%s has no service user; set it up again.") % self.name)
        forbidden = self.env["res.groups"]._integration_forbidden_groups()
        if (
            not user._has_group("integration_queue.group_integration_service")
            or not user._has_group("base.group_user")
            or user.groups_id & forbidden
        ):
            raise ValidationError(
                _(
                    "%(user)s is not an integration service user: a system acts only "
                    "as the user Set Up a System created for it.",
                    user=user.name,
                )
            )

    def write(self, vals):
        if "user_id" in vals and any(
            system.user_id.id != vals["user_id"] for system in self
        ):
            raise UserError(
                _(
                    "A system's service user cannot be changed. Set up a new system "
                    "to act as another user."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_revoke_keys(self):
        # the register goes with the system (cascade); the keys themselves must too
        self.key_ids.filtered(lambda key: not key.revoked_date).action_revoke()

    def action_generate_webhook_secret(self):
        for system in self:
            system.webhook_secret = generate_secret()
            system.message_post(body=_("A new webhook secret was generated."))

    def action_new_api_key(self):
        """A new key for the service user, shown once in Odoo's own dialog; the
        keys given before keep working for the grace period, then stop."""
        self.ensure_one()
        self.check_access("write")
        self._check_service_user()
        secret = self.env["integration.system.key"]._issue(
            self, self.key_validity_days, self.key_grace_days
        )
        self.message_post(
            body=_(
                "A new API key was made; the keys given before stop within %s days.",
                self.key_grace_days,
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.users.apikeys.show",
            "name": _("API Key of %s: copy it now, it is not shown again") % self.name,
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": secret},
        }

    def action_view_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_queue.action_integration_message"
        )
        action["domain"] = [("system_id", "=", self.id)]
        return action

    def _send(self, flow_code, payloads, key_prefix):
        """Store ``payloads`` as if the system had posted them to ``flow_code`` (the
        same inbox path as the API); returns the results per payload."""
        self.ensure_one()
        flow = self.env["integration.flow"].search([("code", "=", flow_code)], limit=1)
        if flow not in self.flow_ids:
            raise UserError(
                _("Flow %(flow)s is not enabled for %(system)s.")
                % {"flow": flow_code, "system": self.name}
            )
        items = [
            {
                "idempotency_key": f"{key_prefix}-{index}",
                "payload": payload,
                "raw": json.dumps(payload),
                "event_time": None,
            }
            for index, payload in enumerate(payloads)
        ]
        # sudo: a manager's test message enters the inbox as the system's own would
        return (
            self.env["integration.message"]
            .sudo()
            ._ingest(self, flow, items, source="ui")
        )

    def action_send_test_message(self):
        """A connectivity check: an echo message through the whole pipeline."""
        self.ensure_one()
        result = self._send(
            "echo", [{"test": True}], f"test-{fields.Datetime.now():%Y%m%d%H%M%S}"
        )[0]
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.message",
            "res_id": result["message_id"],
            "view_mode": "form",
        }

    @api.model
    def _for_user(self, user):
        """The system whose service user is ``user``."""
        # sudo: a service user may not read system records (they hold secrets); the
        # lookup only answers which system the authenticated key belongs to.
        return self.sudo().search([("user_id", "=", user.id)], limit=1)
