# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError

from ..lib.dry_run import recorder_of

MAX_SHOWN_RECORDS = 20


class Base(models.AbstractModel):
    """Every model tells a running dry run (only the hub's, on its own cursor) what
    it creates and what it changes, with the values before."""

    _inherit = "base"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        recorder = recorder_of(self.env.cr)
        if recorder is not None and recorder.watches(self):
            recorder.on_create(records, vals_list)
        return records

    def write(self, vals):
        recorder = recorder_of(self.env.cr)
        if recorder is not None and recorder.watches(self):
            recorder.on_write(self, vals, _shown_value)
        return super().write(vals)

    def _integration_scope(self):
        """The business record a discrepancy about this one is summarised under
        (its job, say), or None; business addons tell it per model."""
        return None


def _shown_value(record, name):
    """A field's value as a dry run answers it: names for relations, text for
    dates, never a binary; what ``record``'s user may not read is said so."""
    field = record._fields[name]
    try:
        value = record[name]
    except AccessError:
        return "(not readable)"
    if field.type == "many2one":
        return value.display_name if value else None
    if field.type in ("one2many", "many2many"):
        return [rec.display_name for rec in value[:MAX_SHOWN_RECORDS]]
    if field.type == "binary":
        return "(binary)" if value else None
    if field.type in ("date", "datetime"):
        return str(value) if value else None
    if value is False and field.type != "boolean":
        return None
    return value
