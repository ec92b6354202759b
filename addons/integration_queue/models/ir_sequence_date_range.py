# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from odoo.addons.base.models.ir_sequence import _predict_nextval

from ..lib.dry_run import recorder_of


class IrSequenceDateRange(models.Model):
    """A dated standard sequence previews its numbers in a dry run, as ir.sequence
    does."""

    _inherit = "ir.sequence.date_range"

    def _next(self):
        recorder = recorder_of(self.env.cr)
        if recorder is None or self.sequence_id.implementation != "standard":
            return super()._next()
        seq_id = f"{self.sequence_id.id:03d}_{self.id:03d}"
        taken = recorder.take_sequence_number(seq_id)
        return self.sequence_id.get_next_char(
            _predict_nextval(self, seq_id) + taken * self.sequence_id.number_increment
        )
