# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import contextvars

from odoo import models

# the purchase order a hub import links the document's lines to, in this thread;
# set while the hub's import runs Odoo's decoder
_ORDER = contextvars.ContextVar("ap_matching_import_order", default=None)


@contextlib.contextmanager
def importing_for_order(order):
    """Odoo's decoder, run inside, links each line to its line of ``order``
    (by cac:OrderLineReference, else by product)."""
    token = _ORDER.set(order)
    try:
        yield
    finally:
        _ORDER.reset(token)


def hub_import_running():
    return _ORDER.get() is not None


class AccountEdiCommon(models.AbstractModel):
    _inherit = "account.edi.common"

    def _retrieve_invoice_line_vals(self, tree, document_type=False, qty_factor=1):
        vals = super()._retrieve_invoice_line_vals(tree, document_type, qty_factor)
        order = _ORDER.get()
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
