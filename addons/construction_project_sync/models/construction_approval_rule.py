# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ConstructionApprovalRule(models.Model):
    """One approval a kind of document needs, from a user of a group, when it
    applies: its company, its job (if set) and a minimum amount. A document needs
    every rule that applies, each from a different person: a rule "change orders
    from 50,000" beside the default one asks a second approver for large changes."""

    _name = "construction.approval.rule"
    _description = "Approval Rule"
    _order = "res_model, sequence, id"

    name = fields.Char(required=True, translate=True)
    res_model = fields.Selection(
        selection="_selection_res_model",
        string="Document",
        required=True,
        index=True,
    )
    sequence = fields.Integer(
        string="Level",
        default=10,
        help="Approvals are asked in this order; a user takes the first rule still "
        "open whose group they belong to.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Empty: the rule applies in every company.",
    )
    job_id = fields.Many2one(
        "project.project",
        domain=[("is_job", "=", True)],
        ondelete="cascade",
        help="Empty: the rule applies to every job.",
    )
    min_amount = fields.Float(
        string="From Amount",
        digits="Account",
        help="The rule applies to documents of at least this amount (absolute "
        "value): the change order's larger of cost and price, the budget's total, "
        "the pay application's payment due. Field time has no amount (0).",
    )
    group_id = fields.Many2one(
        "res.groups",
        string="Approver Group",
        required=True,
        ondelete="restrict",
    )
    active = fields.Boolean(default=True)

    @api.model
    def _selection_res_model(self):
        mixin = self.env.registry["construction.approval.mixin"]
        return [
            (name, model._description)
            for name, model in sorted(self.env.registry.items())
            if not model._abstract and issubclass(model, mixin)
        ]
