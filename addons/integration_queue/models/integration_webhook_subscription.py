# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import fnmatch
import logging

from odoo import _, fields, models

from ..lib.signature import generate_secret

_logger = logging.getLogger(__name__)


class IntegrationWebhookSubscription(models.Model):
    """A system's subscription to business events, delivered as signed webhooks."""

    _name = "integration.webhook.subscription"
    _description = "Webhook Subscription"
    _inherit = ["mail.thread"]
    _order = "system_id, name"

    name = fields.Char(required=True)
    system_id = fields.Many2one(
        "integration.system", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="system_id.company_id", store=True, index=True)
    url = fields.Char(string="URL", required=True, tracking=True)
    event_types = fields.Char(
        required=True,
        default="*",
        help="Comma-separated event types, * as wildcard: change_order.approved, "
        "bill.*",
    )
    secret = fields.Char(
        default=lambda self: generate_secret(),
        copy=False,
        groups="integration_queue.group_integration_manager",
        help="Signs every delivery (Standard Webhooks, HMAC-SHA256 over "
        "id.timestamp.body).",
    )
    timeout = fields.Integer(default=10, help="Seconds to wait for the receiver.")
    max_attempts = fields.Integer(
        default=12,
        help="Automatic attempts; after them the delivery stays failed (never "
        "discarded) "
        "until someone redelivers it.",
    )
    active = fields.Boolean(default=True, tracking=True)
    outbox_ids = fields.One2many("integration.outbox", "subscription_id")

    def _matches(self, event_type):
        self.ensure_one()
        return any(
            fnmatch.fnmatchcase(event_type, pattern.strip())
            for pattern in (self.event_types or "").split(",")
            if pattern.strip()
        )

    def action_rotate_secret(self):
        for subscription in self:
            subscription.secret = generate_secret()
            subscription.message_post(body=_("Signing secret rotated."))
