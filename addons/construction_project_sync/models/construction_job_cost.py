# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from .construction_common import COST_TYPES, JOB_COST_FIGURES


class ConstructionJobCost(models.Model):
    """Job cost by job × cost code × cost type, one SQL view:

    - original budget: the approved version 1; current budget: the approved version
    - approved / pending changes: cost lines of approved / pending change orders
    - revised budget = current budget + approved changes
    - committed: confirmed purchase lines naming job × cost code, not yet billed
    - actual: posted analytic lines of the job's account (bills, timesheets,
      equipment), costs positive; revenue lines (customer invoices) left out
    - remaining = revised − committed − actual
    - projected (at completion) = actual + committed + what remains, if anything
    - variance = revised − projected (negative: an overrun)

    Costs without a cost code appear on a row without one, so nothing is hidden.
    """

    _name = "construction.job.cost"
    _description = "Job Cost"
    _auto = False
    _order = "job_id, cost_code_id, cost_type"
    _rec_name = "job_id"

    job_id = fields.Many2one("project.project", readonly=True)
    cost_code_id = fields.Many2one("construction.cost.code", readonly=True)
    cost_type = fields.Selection(COST_TYPES, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    original_budget = fields.Monetary(readonly=True)
    current_budget = fields.Monetary(readonly=True)
    approved_changes = fields.Monetary(readonly=True)
    revised_budget = fields.Monetary(readonly=True)
    pending_changes = fields.Monetary(readonly=True)
    committed = fields.Monetary(readonly=True)
    actual = fields.Monetary(readonly=True)
    remaining = fields.Monetary(readonly=True)
    projected = fields.Monetary(string="Projected at Completion", readonly=True)
    variance = fields.Monetary(readonly=True)

    @api.model
    def _cost_code_column(self):
        plan = self.env.ref(
            "construction_project_sync.analytic_plan_cost_codes",
            raise_if_not_found=False,
        )
        return plan and plan._column_name()

    @api.model
    def _rebuild_view(self):
        self.init()

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        column = self._cost_code_column()
        if not column or column not in self.env["account.analytic.line"]._fields:
            # first install: the cost code plan (and its column) comes with the data
            # files; data/construction_job_cost_view.xml rebuilds the view then.
            self.env.cr.execute(
                SQL(
                    "CREATE VIEW %s AS (SELECT NULL::integer AS id, "
                    "NULL::integer AS job_id, NULL::integer AS cost_code_id, "
                    "NULL::varchar AS cost_type, NULL::integer AS company_id, "
                    + ", ".join(f"0::numeric AS {name}" for name in JOB_COST_FIGURES)
                    + " WHERE false)",
                    SQL.identifier(self._table),
                )
            )
            return
        # One UNION ALL of source rows, grouped once: a filter on the job (the API,
        # a job's form) reaches each branch and its indexes. The id is computed, not
        # a row_number(), which would force the whole view before any filter.
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %(view)s AS (
            WITH source AS (
                SELECT bl.job_id, bl.cost_code_id, bl.cost_type,
                       CASE WHEN b.version = 1 THEN bl.amount ELSE 0 END
                           AS original_budget,
                       CASE WHEN b.state = 'approved' THEN bl.amount ELSE 0 END
                           AS current_budget,
                       0 AS approved_changes, 0 AS pending_changes,
                       0 AS committed, 0 AS actual
                  FROM construction_budget_line bl
                  JOIN construction_budget b ON b.id = bl.budget_id
                 WHERE b.state IN ('approved', 'superseded')
                UNION ALL
                SELECT l.job_id, l.cost_code_id, l.cost_type, 0, 0,
                       CASE WHEN l.state = 'approved' THEN l.cost_amount ELSE 0 END,
                       CASE WHEN l.state = 'pending' THEN l.cost_amount ELSE 0 END,
                       0, 0
                  FROM construction_change_order_line l
                 WHERE l.state IN ('approved', 'pending')
                UNION ALL
                SELECT job.id, cc.id,
                       coalesce(aal.construction_cost_type,
                                CASE WHEN aal.employee_id IS NOT NULL THEN 'labor' END,
                                cc.cost_type, 'other'),
                       0, 0, 0, 0, 0, -aal.amount
                  FROM account_analytic_line aal
                  JOIN project_project job
                    ON job.account_id = aal.account_id AND job.is_job
                  LEFT JOIN construction_cost_code cc
                    ON cc.analytic_account_id = aal.%(cost_code_column)s
                  -- revenue (progress billing invoices) carries the job's account
                  -- too, but is no cost
                  LEFT JOIN account_account revenue
                    ON revenue.id = aal.general_account_id
                   AND revenue.account_type IN ('income', 'income_other')
                 WHERE revenue.id IS NULL
                UNION ALL
                SELECT job.id, cc.id, cc.cost_type, 0, 0, 0, 0,
                       pol.price_subtotal / nullif(pol.product_qty, 0)
                           * (pol.product_qty - pol.qty_invoiced)
                           * dist.value::numeric / 100,
                       0
                  FROM purchase_order_line pol
                  JOIN purchase_order po
                    ON po.id = pol.order_id AND po.state IN ('purchase', 'done')
                 CROSS JOIN LATERAL jsonb_each_text(pol.analytic_distribution) dist
                  JOIN project_project job
                    ON job.is_job
                   AND job.account_id = ANY(string_to_array(dist.key, ',')::integer[])
                  LEFT JOIN construction_cost_code cc
                    ON cc.analytic_account_id
                       = ANY(string_to_array(dist.key, ',')::integer[])
                 WHERE pol.display_type IS NULL
                   AND pol.product_qty > pol.qty_invoiced
            ), figures AS (
                SELECT job_id, cost_code_id, cost_type,
                       sum(original_budget) AS original_budget,
                       sum(current_budget) AS current_budget,
                       sum(approved_changes) AS approved_changes,
                       sum(current_budget) + sum(approved_changes) AS revised_budget,
                       sum(pending_changes) AS pending_changes,
                       sum(committed) AS committed,
                       sum(actual) AS actual
                  FROM source
                 GROUP BY job_id, cost_code_id, cost_type
            )
            SELECT f.job_id::bigint * 10000000
                       + coalesce(f.cost_code_id, 0) * 10
                       + array_position(ARRAY['labor', 'material', 'equipment',
                                              'subcontract', 'other'],
                                        f.cost_type::text) AS id,
                   f.*, job.company_id,
                   f.revised_budget - f.committed - f.actual AS remaining,
                   f.actual + f.committed
                       + greatest(f.revised_budget - f.committed - f.actual, 0)
                       AS projected,
                   f.revised_budget - (f.actual + f.committed
                       + greatest(f.revised_budget - f.committed - f.actual, 0))
                       AS variance
              FROM figures f
              JOIN project_project job ON job.id = f.job_id
            )
            """,
                view=SQL.identifier(self._table),
                cost_code_column=SQL.identifier(column),
            )
        )


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    construction_cost_type = fields.Selection(
        COST_TYPES,
        string="Cost Type",
        help="Overrides the cost code's cost type in job cost (e.g. labor for field "
        "time, equipment for equipment postings).",
    )
