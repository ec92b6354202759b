# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ApConsumptionReconciliation(models.AbstractModel):
    """Material consumed vs stock moves, per job and product: what the field reported
    as consumed (and job cost carries) must be what stock moved to job consumption,
    net of returns; and stock moved to job consumption without a report is material
    no job carries."""

    _name = "ap.consumption.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Material Consumed vs Stock Moves"

    @api.model
    def _reconcile(self, check, company):
        cr = self.env.cr
        cr.execute(
            """
            WITH consumed AS (
                SELECT c.job_id, c.product_id, sum(c.product_qty) AS qty
                  FROM construction_material_consumption c
                 WHERE c.company_id = %(company)s
                 GROUP BY c.job_id, c.product_id
            ), moved AS (
                SELECT c.job_id, c.product_id,
                       sum(CASE WHEN sm.state = 'done' THEN sm.product_qty ELSE 0 END)
                       - coalesce(sum(ret.qty), 0) AS qty
                  FROM construction_material_consumption c
                  JOIN stock_move sm ON sm.id = c.stock_move_id
                  LEFT JOIN LATERAL (
                        SELECT sum(r.product_qty) AS qty
                          FROM stock_move r
                         WHERE r.origin_returned_move_id = sm.id
                           AND r.state = 'done'
                  ) ret ON true
                 -- a return's move is counted above, as its consumption's return
                 WHERE c.company_id = %(company)s
                   AND c.returned_consumption_id IS NULL
                 GROUP BY c.job_id, c.product_id
            )
            SELECT consumed.job_id, consumed.product_id, consumed.qty, moved.qty
              FROM consumed
              JOIN moved USING (job_id, product_id)
             WHERE round(consumed.qty::numeric, 4) <> round(moved.qty::numeric, 4)
            """,
            {"company": company.id},
        )
        rows = cr.fetchall()
        jobs = self.env["project.project"].browse({row[0] for row in rows})
        products = self.env["product.product"].browse({row[1] for row in rows})
        jobs.fetch(["display_name"])
        products.fetch(["display_name"])
        drift = [
            {
                "reference": f"{job.display_name} / {product.display_name}",
                "message": _(
                    "%(job)s: %(consumed)s of %(product)s reported consumed, stock "
                    "moved %(moved)s to job consumption (net of returns).",
                    job=job.display_name,
                    product=product.display_name,
                    consumed=f"{consumed:g}",
                    moved=f"{moved:g}",
                ),
                "res_model": "project.project",
                "res_id": job.id,
                "expected": consumed,
                "actual": moved,
            }
            for job_id, product_id, consumed, moved in rows
            for job, product in [(jobs.browse(job_id), products.browse(product_id))]
        ]
        cr.execute(
            """
            SELECT sm.id, sm.product_qty
              FROM stock_move sm
              JOIN stock_location dest
                ON dest.id = sm.location_dest_id AND dest.is_job_consumption
              LEFT JOIN construction_material_consumption c
                ON c.stock_move_id = sm.id
             WHERE sm.company_id = %(company)s AND sm.state = 'done'
               AND sm.origin_returned_move_id IS NULL AND c.id IS NULL
            """,
            {"company": company.id},
        )
        for move_id, qty in cr.fetchall():
            move = self.env["stock.move"].browse(move_id)
            drift.append(
                {
                    "reference": move.reference or move.display_name,
                    "message": _(
                        "%(qty)s of %(product)s moved to job consumption without a "
                        "consumption report: no job carries its cost.",
                        qty=f"{qty:g}",
                        product=move.product_id.display_name,
                    ),
                    "res_model": "stock.move",
                    "res_id": move.id,
                    "expected": 0,
                    "actual": qty,
                }
            )
        return drift
