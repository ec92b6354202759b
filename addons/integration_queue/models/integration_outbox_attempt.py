# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class IntegrationOutboxAttempt(models.Model):
    _name = "integration.outbox.attempt"
    _description = "Webhook Delivery Attempt"
    _order = "id desc"

    outbox_id = fields.Many2one(
        "integration.outbox", required=True, ondelete="cascade", index=True
    )
    number = fields.Integer()
    status_code = fields.Integer(string="HTTP Status")
    duration_ms = fields.Float(string="Duration (ms)")
    error = fields.Text()
    response_body = fields.Text()
