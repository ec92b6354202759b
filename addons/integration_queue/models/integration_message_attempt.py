# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .integration_message import STATES


class IntegrationMessageAttempt(models.Model):
    """One processing attempt of a message: the audit of retries."""

    _name = "integration.message.attempt"
    _description = "Integration Message Attempt"
    _order = "id"

    message_id = fields.Many2one(
        "integration.message", required=True, ondelete="cascade", index=True
    )
    number = fields.Integer(required=True)
    duration_ms = fields.Float(string="Duration (ms)")
    outcome = fields.Selection(STATES)
    error_code = fields.Char()
    error_message = fields.Text()
