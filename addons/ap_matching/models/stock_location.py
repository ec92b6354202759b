# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models


class StockLocation(models.Model):
    """The location material leaves inventory to when a job consumes it: one per
    company, the job on the consumption record (and its job cost line)."""

    _inherit = "stock.location"

    is_job_consumption = fields.Boolean(
        string="Job Consumption",
        readonly=True,
        help="Material reported as consumed on a job moves here from the van or "
        "site that held it: it leaves inventory, valued at the product's cost.",
    )

    @api.model
    def _job_consumption_location(self, company):
        location = self.search(
            [("is_job_consumption", "=", True), ("company_id", "=", company.id)],
            limit=1,
        )
        if location:
            return location
        # sudo: the consumption flow's service user may move stock, not create
        # locations; this one is the suite's own, one per company, named by it
        return (
            self.sudo()
            .create(
                {
                    "name": _("Job Consumption"),
                    "usage": "production",
                    "location_id": self.env.ref(
                        "stock.stock_location_locations_virtual"
                    ).id,
                    "company_id": company.id,
                    "is_job_consumption": True,
                }
            )
            .sudo(False)
        )
