# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools
from odoo.tools import SQL, sql

from .construction_common import COST_TYPES, JOB_COST_FIGURES
from .construction_forecast import FORECAST_FIGURES

# the account types whose journal items are job cost (Odoo 18's expense group)
EXPENSE_ACCOUNT_TYPES = ("expense", "expense_depreciation", "expense_direct_cost")


class ConstructionJobCost(models.Model):
    """Job cost by job × cost code × cost type, one SQL view:

    - original budget: the approved version 1; current budget: the approved version
    - approved / pending changes: cost lines of approved / pending change orders
    - revised budget = current budget + the approved changes the current version has
      not absorbed: every approved change while version 1 is current; after a
      re-baseline, only changes approved at or after the new version's approval
      (the revision was drawn up with the earlier ones in it)
    - committed: confirmed purchase lines naming the job, not yet billed by a
      *posted* bill (a draft bill leaves it in place), in company currency at the
      order's rate; a closed-out order commits only what was received or is on a
      bill, a locked one only what Odoo still lets bill (see _commitment_sql)
    - actual: posted journal items on expense-type accounts carrying the job's
      account, and the analytic lines approved documents posted (the timesheets of
      posted field time, see _approved_analytic_lines_sql), costs positive;
      ordinary timesheets, revenue and balance-sheet lines are no cost
    - remaining = revised − committed − actual
    - projected (at completion) = actual + committed + what remains, if anything;
      for a job with an approved cost-to-complete forecast (construction.forecast):
      actual + committed + the forecast to complete of its latest period
    - variance = revised − projected (negative: an overrun)
    - fade / gain = projected of the previous period's forecast − projected
      (negative: the cost at completion grew, the margin fades)

    Costs without a cost code appear on a row without one (a stable id), so nothing
    is hidden.
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
    forecast_to_complete = fields.Monetary(
        readonly=True,
        help="Cost still to be spent beyond actual and committed, as the job's "
        "latest approved forecast says.",
    )
    prior_projected = fields.Monetary(
        string="Projected, Previous Forecast",
        readonly=True,
        help="Projected cost at completion of the forecast of the period before "
        "the latest one, as approved then.",
    )
    fade_gain = fields.Monetary(
        string="Fade / Gain",
        readonly=True,
        help="Previous forecast's projected cost − today's: negative, the cost at "
        "completion grew (margin fade); positive, it fell (gain).",
    )

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
        if (
            not column
            or column not in self.env["account.analytic.line"]._fields
            or not sql.column_exists(
                self.env.cr, "purchase_order", "construction_closed_out"
            )
            or not sql.table_exists(self.env.cr, "construction_field_time")
            or not sql.table_exists(self.env.cr, "construction_forecast_line")
        ):
            # install or update: the cost code plan (and its column) comes with the
            # data files, and models initialised after this one add columns the view
            # reads; data/construction_job_cost_view.xml rebuilds the view then.
            self.env.cr.execute(
                SQL(
                    "CREATE VIEW %s AS (SELECT NULL::integer AS id, "
                    "NULL::integer AS job_id, NULL::integer AS cost_code_id, "
                    "NULL::varchar AS cost_type, NULL::integer AS company_id, "
                    + ", ".join(
                        f"0::numeric AS {name}"
                        for name in (*JOB_COST_FIGURES, *FORECAST_FIGURES)
                    )
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
                       0 AS approved_changes, 0 AS unabsorbed_changes,
                       0 AS pending_changes, 0 AS committed, 0 AS actual
                  FROM construction_budget_line bl
                  JOIN construction_budget b ON b.id = bl.budget_id
                 WHERE b.state IN ('approved', 'superseded')
                UNION ALL
                SELECT l.job_id, l.cost_code_id, l.cost_type, 0, 0,
                       CASE WHEN l.state = 'approved' THEN l.cost_amount ELSE 0 END,
                       -- a re-baselined version absorbed what was approved before it
                       CASE WHEN l.state = 'approved'
                             AND (baseline.id IS NULL
                                  OR co.approved_at >= baseline.approved_at)
                            THEN l.cost_amount ELSE 0 END,
                       CASE WHEN l.state = 'pending' THEN l.cost_amount ELSE 0 END,
                       0, 0
                  FROM construction_change_order_line l
                  JOIN construction_change_order co ON co.id = l.change_order_id
                  LEFT JOIN construction_budget baseline
                    ON baseline.job_id = l.job_id AND baseline.state = 'approved'
                   AND baseline.version > 1
                 WHERE l.state IN ('approved', 'pending')
                UNION ALL
                SELECT a.job_id, a.cost_code_id, a.cost_type,
                       0, 0, 0, 0, 0, 0, a.amount
                  FROM (%(actuals)s) a
                UNION ALL
                SELECT job.id, cc.id,
                       coalesce(cc.cost_type,
                                CASE WHEN c.is_subcontract THEN 'subcontract' END,
                                'other'),
                       0, 0, 0, 0, 0,
                       c.unit_price * c.open_qty * dist.value::numeric / 100, 0
                  FROM (%(commitments)s) c
                 CROSS JOIN LATERAL jsonb_each_text(c.analytic_distribution) dist
                  JOIN project_project job
                    ON job.is_job
                   AND job.account_id = ANY(string_to_array(dist.key, ',')::integer[])
                  LEFT JOIN construction_cost_code cc
                    ON cc.analytic_account_id
                       = ANY(string_to_array(dist.key, ',')::integer[])
                 WHERE c.open_qty > 0
                UNION ALL
                -- a forecast may name a cost code nothing else has yet
                SELECT fc.job_id, fc.cost_code_id, fc.cost_type, 0, 0, 0, 0, 0, 0, 0
                  FROM (%(forecast)s) fc
            ), figures AS (
                SELECT job_id, cost_code_id, cost_type,
                       sum(original_budget) AS original_budget,
                       sum(current_budget) AS current_budget,
                       sum(approved_changes) AS approved_changes,
                       sum(current_budget) + sum(unabsorbed_changes)
                           AS revised_budget,
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
                   p.projected,
                   f.revised_budget - p.projected AS variance,
                   coalesce(fc.forecast_to_complete, 0) AS forecast_to_complete,
                   coalesce(fc.prior_projected, 0) AS prior_projected,
                   CASE WHEN fc.has_prior THEN fc.prior_projected - p.projected
                        ELSE 0 END AS fade_gain
              FROM figures f
              JOIN project_project job ON job.id = f.job_id
              LEFT JOIN (%(forecast)s) fc
                ON fc.job_id = f.job_id
               AND fc.cost_code_id IS NOT DISTINCT FROM f.cost_code_id
               AND fc.cost_type = f.cost_type
              LEFT JOIN (%(forecast_jobs)s) fj ON fj.job_id = f.job_id
             CROSS JOIN LATERAL (
                SELECT f.actual + f.committed + CASE
                           WHEN fj.job_id IS NOT NULL
                               THEN coalesce(fc.forecast_to_complete, 0)
                           ELSE greatest(f.revised_budget - f.committed - f.actual, 0)
                       END AS projected
             ) p
            )
            """,
                view=SQL.identifier(self._table),
                actuals=self._actual_cost_sql(),
                commitments=self._commitment_sql(),
                forecast=self.env["construction.forecast"]._job_cost_forecast_sql(),
                forecast_jobs=self.env[
                    "construction.forecast"
                ]._job_cost_forecast_jobs_sql(),
            )
        )

    @api.model
    def _actual_cost_sql(self):
        """The analytic lines that are a job's actual cost, one row each: job,
        cost code, cost type, date and amount (a cost positive). Job cost sums
        them; earned value takes those up to its status date."""
        return SQL(
            """
            SELECT job.id AS job_id, cc.id AS cost_code_id,
                   coalesce(aal.construction_cost_type,
                            CASE WHEN aal.employee_id IS NOT NULL THEN 'labor' END,
                            cc.cost_type, 'other') AS cost_type,
                   aal.date, -aal.amount AS amount
              FROM account_analytic_line aal
              JOIN project_project job
                ON job.account_id = aal.account_id AND job.is_job
              LEFT JOIN construction_cost_code cc
                ON cc.analytic_account_id = aal.%(cost_code_column)s
              LEFT JOIN account_account expense
                ON expense.id = aal.general_account_id
               AND expense.account_type IN %(expense_types)s
              LEFT JOIN (%(approved_lines)s) approved
                ON approved.id = aal.id
             -- journal items exist as analytic lines only once posted; revenue
             -- and balance-sheet lines carry the job's account too but are no
             -- cost, nor is an analytic line no approved document posted
             WHERE (aal.move_line_id IS NOT NULL AND expense.id IS NOT NULL)
                OR approved.id IS NOT NULL
            """,
            cost_code_column=SQL.identifier(self._cost_code_column()),
            expense_types=EXPENSE_ACCOUNT_TYPES,
            approved_lines=self._approved_analytic_lines_sql(),
        )

    @api.model
    def _approved_analytic_lines_sql(self):
        """The ids (column ``id``) of the analytic lines without journal items that
        are job cost: those an approved document posted (the timesheets of posted
        field time). An addon posting analytic lines from its own approved documents
        adds them with UNION ALL (each line once)."""
        return SQL(
            "SELECT timesheet_id AS id FROM construction_field_time "
            "WHERE state = 'posted' AND timesheet_id IS NOT NULL"
        )

    @api.model
    def _commitment_sql(self):
        """Confirmed purchase lines with what is still to be billed of them
        (``open_qty``, in the line's unit) and their net unit price in company
        currency at the order's rate (``unit_price``).

        What is still to be billed: the quantity the order will bill, less what
        *posted* bills (net of posted refunds) billed. The quantity the order will
        bill is
        - a closed-out order: what was received or is on a bill (draft or posted)
          already: nothing more comes;
        - a confirmed order, or a locked one in a company that locks every order at
          confirmation (locked means nothing more there): the ordered quantity;
        - an order a person locked: what Odoo still lets bill, the ordered quantity
          for products billed on ordered quantities, else what was received (or
          billed, if more).
        """
        return SQL(
            """
            SELECT pol.analytic_distribution, po.is_subcontract,
                   pol.price_subtotal / pol.product_qty
                       / coalesce(nullif(po.currency_rate, 0), 1) AS unit_price,
                   CASE WHEN po.construction_closed_out
                            THEN greatest(pol.qty_received, pol.qty_invoiced)
                        WHEN po.state = 'purchase' OR company.po_lock = 'lock'
                            THEN pol.product_qty
                        WHEN template.purchase_method = 'purchase'
                            THEN pol.product_qty
                        ELSE greatest(pol.qty_received, pol.qty_invoiced)
                   END - coalesce(billed.qty, 0) AS open_qty
              FROM purchase_order_line pol
              JOIN purchase_order po
                ON po.id = pol.order_id AND po.state IN ('purchase', 'done')
              JOIN res_company company ON company.id = po.company_id
              LEFT JOIN product_product product ON product.id = pol.product_id
              LEFT JOIN product_template template
                ON template.id = product.product_tmpl_id
              LEFT JOIN uom_uom order_uom ON order_uom.id = pol.product_uom
              LEFT JOIN LATERAL (
                    SELECT sum(CASE WHEN bill.move_type = 'in_refund' THEN -1
                                    ELSE 1 END
                               * coalesce(aml.quantity / bill_uom.factor
                                          * order_uom.factor, aml.quantity)) AS qty
                      FROM account_move_line aml
                      JOIN account_move bill
                        ON bill.id = aml.move_id AND bill.state = 'posted'
                       AND bill.move_type IN ('in_invoice', 'in_refund')
                      LEFT JOIN uom_uom bill_uom ON bill_uom.id = aml.product_uom_id
                     WHERE aml.purchase_line_id = pol.id
                   ) billed ON true
             WHERE pol.display_type IS NULL
               AND pol.product_qty > 0
               AND pol.analytic_distribution IS NOT NULL
            """
        )
