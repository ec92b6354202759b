# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models

from odoo.addons.integration_queue.lib.processor import integration_processor


class ConstructionWorkOrderInventory(models.AbstractModel):
    """The field platform's daily list of its open work orders (flow
    ``work_order.inventory``). The message itself is the inventory: the
    reconciliation check compares the newest one of each system with Odoo's work
    orders, so processing only tells what it found."""

    _name = "construction.work.order.inventory"
    _description = "Work Order Inventory"

    @api.model
    @integration_processor("work_order.inventory")
    def _process_work_order_inventory(self, message, payload):
        refs = {str(order["external_id"]) for order in payload["work_orders"]}
        known = self.env["integration.mapping"]._resolve_many(
            message.system, "project.task", refs, env=self.env
        )
        missing = sorted(refs - set(known))
        message.notes.append(
            _(
                "%(count)s open work orders on the platform, %(missing)s of them "
                'unknown in Odoo%(list)s; the check "Field work orders missing in '
                'Odoo" lists them.',
                count=len(refs),
                missing=len(missing),
                list=(": " + ", ".join(missing[:20])) if missing else "",
            )
        )
        return []
