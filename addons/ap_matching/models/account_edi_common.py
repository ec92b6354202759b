# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..lib.hub_import import import_order


class AccountEdiCommon(models.AbstractModel):
    _inherit = "account.edi.common"

    def _retrieve_invoice_line_vals(self, tree, document_type=False, qty_factor=1):
        vals = super()._retrieve_invoice_line_vals(tree, document_type, qty_factor)
        # the hub's import links each line to its purchase order line
        # (cac:OrderLineReference, else the product)
        order = import_order()
        if order:
            product = self.env["product.product"].browse(vals.get("product_id"))
            reference = tree.findtext("./{*}OrderLineReference/{*}LineID")
            purchase_line = self.env["ap.bill.flows"]._purchase_line(
                order, reference, product
            )
            if purchase_line:
                vals["purchase_line_id"] = purchase_line.id
                if purchase_line.analytic_distribution:
                    vals["analytic_distribution"] = purchase_line.analytic_distribution
        return vals
