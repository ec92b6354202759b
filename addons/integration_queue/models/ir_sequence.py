# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from odoo.addons.base.models.ir_sequence import _predict_nextval

from ..lib.dry_run import recorder_of


class IrSequence(models.Model):
    """In a dry run a standard sequence answers the numbers it would give without
    taking them: PostgreSQL never gives back a nextval, even rolled back. (No-gap
    sequences are plain rows: the dry run's rollback restores them.)"""

    _inherit = "ir.sequence"

    def _next_do(self):
        recorder = recorder_of(self.env.cr)
        if recorder is None or self.implementation != "standard":
            return super()._next_do()
        seq_id = f"{self.id:03d}"
        taken = recorder.take_sequence_number(seq_id)
        return self.get_next_char(
            _predict_nextval(self, seq_id) + taken * self.number_increment
        )
