# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models


class ConstructionDocumentType(models.Model):
    """What a document is (insurance certificate, lien waiver, daily log ...), and
    so how long it is kept and whether its expiry needs a person's attention."""

    _name = "construction.document.type"
    _description = "Construction Document Type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="The code external systems send as the document's type (document.attach).",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    retention_years = fields.Integer(
        default=7,
        help="Years a document of this type is kept on its record after its expiry "
        "date (else its issue date, else its arrival); then the daily retention run "
        "archives it. 0 keeps it for good.",
    )
    is_compliance = fields.Boolean(
        string="Compliance",
        help="Compliance documents (insurance certificates, licences) must carry an "
        "expiry date; their owner gets an activity ahead of it.",
    )
    expiry_reminder_days = fields.Integer(
        string="Remind Days Ahead",
        default=30,
        help="Days before a compliance document expires that its owner gets an "
        "activity to renew it.",
    )
    target_model_ids = fields.Many2many(
        "ir.model",
        string="Allowed Targets",
        help="Records a document of this type may be attached to; empty: any record "
        "documents may be attached to.",
    )
    responsible_user_id = fields.Many2one(
        "res.users",
        string="Default Owner",
        help="Owner of a document whose record names no responsible person.",
    )
    description = fields.Text(translate=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A document type code must be unique."),
        (
            "retention_positive",
            "CHECK(retention_years >= 0)",
            "Retention years cannot be negative.",
        ),
        (
            "reminder_positive",
            "CHECK(expiry_reminder_days >= 0)",
            "Reminder days cannot be negative.",
        ),
    ]

    def _allowed_models(self):
        """Technical names of the records this type may be attached to; empty:
        any."""
        self.ensure_one()
        # sudo: ir.model is configuration only administrators read; the names of
        # the models this type allows are no secret
        return set(self.sudo().target_model_ids.mapped("model"))

    @api.model
    def _add_allowed_target(self, type_ids, model):
        """Let the types ``type_ids`` be attached to ``model`` too: an addon that
        registers a record documents may go to opens the shipped types to it."""
        types = self.browse(type_ids).filtered("target_model_ids")
        types.write(
            {"target_model_ids": [Command.link(self.env["ir.model"]._get_id(model))]}
        )
