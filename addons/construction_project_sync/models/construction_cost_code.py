# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .construction_common import COST_TYPES


class ConstructionCostCode(models.Model):
    """A cost code of the work breakdown structure (e.g. 03-300 Cast-in-place concrete).

    Each cost code is an analytic account of the "Cost Codes" plan, so any analytic
    distribution can say job × cost code and Odoo's analytic reports show job cost.
    """

    _name = "construction.cost.code"
    _description = "Cost Code"
    _inherit = ["integration.lineage.mixin"]
    _parent_store = True
    _parent_name = "parent_id"
    _order = "code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, index=True)
    name = fields.Char(required=True, translate=True)
    parent_id = fields.Many2one(
        "construction.cost.code", ondelete="restrict", index=True
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("construction.cost.code", "parent_id")
    cost_type = fields.Selection(COST_TYPES, required=True, default="material")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A cost code is unique per company.",
        )
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for cost_code in self:
            cost_code.display_name = f"{cost_code.code} {cost_code.name}"

    @api.model
    def _cost_code_plan(self):
        return self.env.ref("construction_project_sync.analytic_plan_cost_codes")

    @api.model_create_multi
    def create(self, vals_list):
        cost_codes = super().create(vals_list)
        plan = self._cost_code_plan()
        # sudo: a project controller maintains cost codes without analytic
        # accounting rights; the account only mirrors the cost code.
        accounts = (
            self.env["account.analytic.account"]
            .sudo()
            .create(
                [
                    {
                        "name": f"{cc.code} {cc.name}",
                        "code": cc.code,
                        "plan_id": plan.id,
                        "company_id": cc.company_id.id,
                    }
                    for cc in cost_codes
                ]
            )
        )
        for cost_code, account in zip(cost_codes, accounts, strict=True):
            cost_code.analytic_account_id = account
        return cost_codes

    def write(self, vals):
        result = super().write(vals)
        if {"code", "name", "active"} & set(vals):
            for cost_code in self:
                cost_code.analytic_account_id.sudo().write(
                    {
                        "name": f"{cost_code.code} {cost_code.name}",
                        "code": cost_code.code,
                        "active": cost_code.active,
                    }
                )
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search_count(
                [
                    (
                        self._cost_code_plan()._column_name(),
                        "in",
                        self.analytic_account_id.ids,
                    )
                ],
                limit=1,
            )
        )
        if lines:
            raise UserError(
                _("Cost codes with posted costs cannot be deleted; archive them.")
            )
