# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, fields, models


class AccountMove(models.Model):
    """Revenue recognition entries of a WIP schedule: posted only into open
    periods, each with its reversal on the first day of the next month."""

    _inherit = "account.move"

    construction_wip_schedule_id = fields.Many2one(
        "construction.wip.schedule",
        string="WIP Schedule",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )
    construction_wip_line_id = fields.Many2one(
        "construction.wip.schedule.line",
        string="WIP Schedule Line",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )

    def _post(self, soft=True):
        recognition = self.filtered(
            lambda m: m.construction_wip_schedule_id and m.state == "draft"
        )
        # the suite's one posting check, for the entry and its reversal
        freeze = self.env["integration.freeze"]
        for move in recognition:
            dates = [move.date]
            if not move.reversed_entry_id:
                dates.append(move.date + timedelta(days=1))
            freeze._check_posting(move.company_id, dates)
        posted = super()._post(soft=soft)
        originals = (recognition & posted).filtered(lambda m: not m.reversed_entry_id)
        if originals:
            reversals = originals._reverse_moves(
                [
                    {
                        "date": move.date + timedelta(days=1),
                        "ref": _("Reversal of %s", move.ref),
                        "construction_wip_schedule_id": (
                            move.construction_wip_schedule_id.id
                        ),
                        "construction_wip_line_id": move.construction_wip_line_id.id,
                    }
                    for move in originals
                ]
            )
            reversals._post(soft=False)
        return posted
