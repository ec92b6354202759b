# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ConstructionApprovalEntry(models.Model):
    """One approval given to one document: who, when, under which rule. Only the
    approval transition creates entries (users have read access only), and none
    is ever changed: going back to draft starts a new round instead."""

    _name = "construction.approval.entry"
    _description = "Approval Given"
    _order = "create_date desc, id desc"

    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", required=True, readonly=True
    )
    rule_id = fields.Many2one(
        "construction.approval.rule", readonly=True, ondelete="restrict"
    )
    user_id = fields.Many2one(
        "res.users", string="Approver", required=True, readonly=True
    )
    approved_at = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    round = fields.Integer(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    _sql_constraints = [
        (
            "one_per_user",
            "unique(res_model, res_id, round, user_id)",
            "A person approves a document once.",
        )
    ]

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS construction_approval_entry_res_idx "
            "ON construction_approval_entry (res_model, res_id)"
        )
