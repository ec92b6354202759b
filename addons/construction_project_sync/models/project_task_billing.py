# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a work order bills once the customer signs for it: Odoo's terms (billing
method, fixed price), never the field platform's."""

from odoo import fields, models

# contract terms: set by those who bill, not by whoever may edit the task
BILLING_GROUPS = (
    "construction_project_sync.group_project_controller,account.group_account_invoice"
)

BILLING_METHODS = [
    ("time_materials", "Time and Materials"),
    ("fixed", "Fixed Price"),
]


class ProjectTask(models.Model):
    _inherit = "project.task"

    work_order_billing_method = fields.Selection(
        BILLING_METHODS,
        string="Billing Method",
        default="time_materials",
        groups=BILLING_GROUPS,
        help="Time and materials: the hours timesheeted on the work order and the "
        "materials consumed on it, at the prices of the job's Work Order Pricelist. "
        "Fixed price: the amount below, once.",
    )
    work_order_fixed_price = fields.Monetary(
        string="Fixed Price",
        currency_field="work_order_currency_id",
        groups=BILLING_GROUPS,
        help="What the customer pays for the work order when it is billed at a "
        "fixed price.",
    )
    work_order_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Work Order Currency"
    )
    work_order_confirmation_ids = fields.One2many(
        "construction.work.order.confirmation", "task_id", string="Confirmation"
    )

    def _work_order_billable_materials(self):
        """Materials consumed on this work order that its time-and-materials
        invoice line bills: a list of dicts ``{"product": product.product,
        "quantity": float, "uom": uom.uom, "name": str}``. None here; the addon
        that records material consumption (ap_matching) adds them."""
        self.ensure_one()
        return []
