# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        # every way into the payment wizard ends here: a held bill is never paid
        self.line_ids.move_id._ap_check_payable()
        return super()._create_payments()
