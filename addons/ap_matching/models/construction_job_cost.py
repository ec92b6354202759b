# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL, sql


class ConstructionJobCost(models.Model):
    """Job cost reads material consumed from stock as actual (cost type material):
    its job cost lines have no journal item, the stock valuation entry carries no
    job, so each consumption counts once."""

    _inherit = "construction.job.cost"

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
