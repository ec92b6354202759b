# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, sql


class ConstructionJobCost(models.Model):
    """Job cost reads material consumed from stock as actual (cost type material):
    its job cost lines have no journal item, the stock valuation entry carries no
    job, so each consumption counts once. Retention held from subcontractors is
    shown beside it."""

    _inherit = "construction.job.cost"

    ap_retention_held = fields.Monetary(
        string="Retention Held",
        compute="_compute_ap_retention_held",
        help="Retention withheld from subcontractors on posted bills, less releases "
        "(drafts included), in company currency at each bill's rate. Part of "
        "actual cost already (the bill's gross), owed to the subcontractor: shown, "
        "never added.",
    )

    def _compute_ap_retention_held(self):
        held = defaultdict(float)
        if self.job_id:
            # sudo: a figure of job cost, which project people read without
            # billing rights
            lines = (
                self.env["account.move.line"]
                .sudo()
                .search(
                    [
                        ("ap_subcontract_retention", "=", True),
                        (
                            "move_id.ap_subcontract_order_id.job_id",
                            "in",
                            self.job_id.ids,
                        ),
                        "|",
                        "&",
                        ("move_id.ap_subcontract_kind", "=", "progress"),
                        ("parent_state", "=", "posted"),
                        "&",
                        ("move_id.ap_subcontract_kind", "=", "retention_release"),
                        ("parent_state", "in", ("draft", "posted")),
                    ]
                )
            )
            jobs = {job.account_id.id: job for job in self.job_id}
            codes = {
                code.analytic_account_id.id: code
                for code in self.env["construction.cost.code"]
                .sudo()
                .search([("analytic_account_id", "!=", False)])
            }
            for line in lines:
                for key, percent in (line.analytic_distribution or {}).items():
                    accounts = [int(a) for a in key.split(",") if a]
                    job = next((jobs[a] for a in accounts if a in jobs), None)
                    if not job:
                        continue
                    code = next(
                        (codes[a] for a in accounts if a in codes),
                        self.env["construction.cost.code"],
                    )
                    cost_type = code.cost_type or "subcontract"
                    held[(job.id, code.id, cost_type)] -= line.balance * percent / 100
        for row in self:
            row.ap_retention_held = row.currency_id.round(
                held.get((row.job_id.id, row.cost_code_id.id, row.cost_type), 0.0)
            )

    @api.model
    def _approved_analytic_lines_sql(self):
        result = super()._approved_analytic_lines_sql()
        if not sql.table_exists(self.env.cr, "construction_material_consumption"):
            return result  # the view is built again once the table exists
        return SQL(
            "%s UNION ALL SELECT analytic_line_id FROM "
            "construction_material_consumption WHERE analytic_line_id IS NOT NULL",
            result,
        )
