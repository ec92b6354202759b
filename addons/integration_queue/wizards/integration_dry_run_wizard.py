# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii
import json

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.text import json_problem

MAX_DEPTH = 64


class IntegrationDryRunWizard(models.TransientModel):
    """Try payloads against production rules without storing anything: how a new
    system is tried before go-live."""

    _name = "integration.dry.run.wizard"
    _description = "Dry Run of a Flow"

    system_id = fields.Many2one(
        "integration.system",
        required=True,
        help="The system the payloads come from: its service user, mappings and "
        "ownership rules apply.",
    )
    flow_id = fields.Many2one(
        "integration.flow",
        required=True,
        domain="[('direction', '=', 'inbound')]",
    )
    version_id = fields.Many2one(
        "integration.flow.version",
        domain="[('flow_id', '=', flow_id), "
        "('state', 'in', ('current', 'deprecated'))]",
        help="Empty: the flow's default version.",
    )
    payload = fields.Text(
        help="One JSON payload, or a JSON array of envelopes {idempotency_key, "
        "payload} as the API takes them.",
    )
    payload_file = fields.Binary(string="Or a File", help="A JSON file, as above.")
    payload_filename = fields.Char()
    result = fields.Text(readonly=True, help="What would have happened, as JSON.")
    result_html = fields.Html(compute="_compute_result_html", sanitize=False)

    @api.onchange("flow_id")
    def _onchange_flow_id(self):
        if self.version_id.flow_id != self.flow_id:
            self.version_id = False

    @api.depends("result")
    def _compute_result_html(self):
        for wizard in self:
            wizard.result_html = (
                _render(json.loads(wizard.result)) if wizard.result else False
            )

    def _items(self):
        text = self.payload
        if self.payload_file:
            try:
                text = base64.b64decode(self.payload_file).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise UserError(_("The file is not UTF-8 text.")) from exc
        if not text or not text.strip():
            raise UserError(_("Paste a payload or choose a file."))
        try:
            body = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise UserError(_("The payload is not valid JSON: %s", exc)) from exc
        reason = json_problem(body, MAX_DEPTH)
        if reason:
            raise UserError(reason)
        envelopes = (
            body
            if isinstance(body, list)
            else [{"idempotency_key": None, "payload": body}]
        )
        items = []
        for index, envelope in enumerate(envelopes):
            if not isinstance(envelope, dict) or "payload" not in envelope:
                raise UserError(_("Item %s of the array has no payload.", index))
            items.append(
                {
                    "idempotency_key": envelope.get("idempotency_key"),
                    "payload": envelope["payload"],
                    "raw": json.dumps(envelope["payload"], ensure_ascii=False),
                    "event_time": None,
                }
            )
        return items

    def action_run(self):
        self.ensure_one()
        if self.flow_id not in self.system_id.flow_ids:
            raise UserError(
                _(
                    "Flow %(flow)s is not enabled for %(system)s.",
                    flow=self.flow_id.code,
                    system=self.system_id.name,
                )
            )
        version = self.version_id or self.flow_id._default_version()
        if version.state not in ("current", "deprecated"):
            raise UserError(_("%s is not a live version.", version.name))
        items = self._items()
        # sudo: a manager tries the system's messages as its service user would
        # send them; the processors still run as that service user, not in sudo
        reports = (
            self.env["integration.dry.run"]
            .sudo()
            ._run(self.system_id.sudo(), self.flow_id.sudo(), version.sudo(), items)
        )
        self.result = json.dumps(reports, indent=2, default=str, ensure_ascii=False)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


def _render(reports):
    """The reports as a short HTML summary for the wizard."""
    parts = []
    for report in reports:
        head = _("Payload %(index)s: %(outcome)s") % {
            "index": report["index"] + 1,
            "outcome": report["outcome"],
        }
        lines = []
        if report.get("error"):
            lines.append(
                f"{report['error']['code']}: {report['error'].get('message') or ''}"
            )
        for error in report.get("validation_errors") or []:
            lines.append(f"{error['path']}: {error['message']}")
        for record in report["records"]:
            values = record.get("changes") or record.get("values") or {}
            shown = ", ".join(
                f"{name}: {value['old']!r} → {value['new']!r}"
                if isinstance(value, dict) and "old" in value
                else f"{name}: {value!r}"
                for name, value in values.items()
            )
            lines.append(
                f"{record['action']} {record['model']} "
                f"{record.get('external_id') or record.get('id') or ''} ({shown})"
            )
        for exc in report["exceptions"]:
            lines.append(
                _(
                    "exception %(code)s: %(name)s",
                    code=exc["reason_code"],
                    name=exc["name"],
                )
            )
        for hook in report["webhooks"]:
            lines.append(_("webhook %s", hook["event_type"]))
        lines.extend(report.get("notes") or [])
        parts.append(
            Markup("<p><strong>%s</strong></p><ul>%s</ul>")
            % (
                head,
                Markup("").join(Markup("<li>%s</li>") % escape(line) for line in lines),
            )
        )
    return Markup("").join(parts)
