# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProjectTask(models.Model):
    _inherit = "project.task"

    def _work_order_billable_materials(self):
        """The material the field consumed on this work order, one line per product
        and unit (service billing invoices it at the product's price)."""
        materials = super()._work_order_billable_materials()
        # sudo: billing reads what was consumed on the work order it bills,
        # whatever its user may read of inventory
        consumed = (
            self.env["construction.material.consumption"]
            .sudo()
            .search([("task_id", "in", self.ids)], order="id")
        )
        totals = {}
        for line in consumed:
            key = (line.product_id, line.uom_id)
            totals[key] = totals.get(key, 0.0) + line.quantity
        materials.extend(
            {
                "product": product.sudo(False),
                "quantity": quantity,
                "uom": uom.sudo(False),
                "name": product.display_name,
            }
            for (product, uom), quantity in totals.items()
        )
        return materials
