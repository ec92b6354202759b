# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import io

from odoo import _, fields, models
from odoo.exceptions import UserError


class IntegrationMappingLink(models.TransientModel):
    """Before go-live: link records Odoo already has to the external ids of a system,
    matched by reference or name, so that the first sync creates no duplicates."""

    _name = "integration.mapping.link"
    _description = "Link Existing Records to External IDs"

    system_id = fields.Many2one("integration.system", required=True)
    model_id = fields.Many2one("ir.model", required=True, ondelete="cascade")
    match_field_id = fields.Many2one(
        "ir.model.fields",
        required=True,
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('char', 'text'))]",
        help="The Odoo field that holds the value the external system knows "
        "(a reference, a code or the name).",
    )
    source_file = fields.Binary(
        help="CSV with two columns: external_id, match_value (a header row is skipped)."
    )
    lines = fields.Text(
        help="Or paste lines here: external_id,match_value, one pair per line."
    )
    result = fields.Text(readonly=True)

    def _pairs(self):
        text = ""
        if self.source_file:
            text = base64.b64decode(self.source_file).decode("utf-8-sig")
        text += "\n" + (self.lines or "")
        pairs = []
        for row in csv.reader(io.StringIO(text)):
            if (
                len(row) < 2
                or not row[0].strip()
                or row[0].strip().lower() == "external_id"
            ):
                continue
            pairs.append((row[0].strip(), row[1].strip()))
        if not pairs:
            raise UserError(_("Give at least one line external_id,match_value."))
        return pairs

    def action_link(self):
        self.ensure_one()
        model = self.env[self.model_id.model]
        field = self.match_field_id.name
        mapping = self.env["integration.mapping"]
        linked, missing, ambiguous, already = [], [], [], []
        pairs = self._pairs()
        values = [value for _ext, value in pairs]
        records = model.search([(field, "in", values)])
        by_value = {}
        for record in records:
            by_value.setdefault(record[field], []).append(record)
        vals_list = []
        for external_id, value in pairs:
            found = by_value.get(value, [])
            if not found:
                missing.append(external_id)
            elif len(found) > 1:
                ambiguous.append(external_id)
            elif mapping._resolve(
                self.system_id, model._name, external_id
            ) or mapping._external_id(self.system_id, found[0]):
                already.append(external_id)
            else:
                vals_list.append(
                    {
                        "system_id": self.system_id.id,
                        "res_model": model._name,
                        "res_id": found[0].id,
                        "external_id": external_id,
                    }
                )
                linked.append(external_id)
        mapping.create(vals_list)
        self.result = "\n".join(
            [
                _("Linked: %s") % len(linked),
                _("Already mapped: %s") % len(already),
                _("No match: %s") % (", ".join(missing) or "-"),
                _("More than one match: %s") % (", ".join(ambiguous) or "-"),
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
