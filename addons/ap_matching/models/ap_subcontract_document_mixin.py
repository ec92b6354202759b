# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ApSubcontractDocumentMixin(models.AbstractModel):
    """What a document of a subcontract (a pay application, a change order) takes
    from it: the subcontract, its subcontractor, job, company and currency."""

    _name = "ap.subcontract.document.mixin"
    _description = "Document of a Subcontract"

    order_id = fields.Many2one(
        "purchase.order",
        string="Subcontract",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
        domain=[("is_subcontract", "=", True), ("state", "in", ("purchase", "done"))],
    )
    partner_id = fields.Many2one(
        related="order_id.partner_id", string="Subcontractor", store=True
    )
    job_id = fields.Many2one(related="order_id.job_id", store=True, index=True)
    company_id = fields.Many2one(
        related="order_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="order_id.currency_id")
