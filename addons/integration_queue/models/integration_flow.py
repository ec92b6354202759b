# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

import jsonschema

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..lib.backoff import retry_delay
from ..lib.errors import IntegrationError, IntegrationParseError
from ..lib.processor import find_parser, find_processor
from ..lib.text import json_problem, storable

# as the API's JSON bodies: validators and encoders recurse once per level
MAX_PAYLOAD_DEPTH = 64
SLA_HOURS = {"low": 168, "normal": 72, "high": 24, "critical": 4}


class IntegrationFlow(models.Model):
    """One kind of data movement, with its contract and its processing policy."""

    _name = "integration.flow"
    _description = "Integration Flow"
    _inherit = ["mail.thread"]
    _order = "code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, tracking=True)
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True, tracking=True)
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")],
        default="inbound",
        required=True,
    )
    mode = fields.Selection(
        [("realtime", "Real time"), ("batch", "Batch")],
        default="realtime",
        required=True,
        help="Real time: one job per message. Batch: one job per chunk of messages.",
    )
    job_batch_size = fields.Integer(default=200, help="Messages per job in batch mode.")
    json_schema = fields.Text(
        string="JSON Schema",
        default='{"type": "object"}',
        help="JSON Schema (draft 2020-12) every payload must match before it is "
        "queued.",
    )
    processor_model = fields.Char(
        help="Technical name of the model holding the method decorated with "
        "@integration_processor for this flow.",
    )
    accepts_xml = fields.Boolean(
        string="Accepts XML",
        tracking=True,
        help="The flow also takes an XML body (application/xml, text/xml): the "
        "document is stored as received and its parser turns it into the payload.",
    )
    xml_parser = fields.Char(
        string="XML Parser",
        tracking=True,
        help="Name given to @integration_parser on a method of the processor model; "
        "it reads an XML body into the payload the JSON schema validates.",
    )
    accepts_multipart = fields.Boolean(
        string="Accepts File Uploads",
        tracking=True,
        help="The flow also takes a multipart/form-data upload: a JSON part named "
        "metadata and file parts; each file part becomes a member of the payload "
        "named as the part (filename, mimetype, content_base64, sha256), so the "
        "message is stored and validated as if the file had come as base64 JSON.",
    )
    max_attempts = fields.Integer(default=5, tracking=True)
    retry_base_seconds = fields.Integer(default=30)
    retry_max_seconds = fields.Integer(default=3600)
    criticality = fields.Selection(
        [
            ("low", "Low"),
            ("normal", "Normal"),
            ("high", "High"),
            ("critical", "Critical"),
        ],
        default="normal",
        required=True,
        tracking=True,
    )
    sla_hours = fields.Integer(
        compute="_compute_sla_hours",
        store=True,
        readonly=False,
        help="Hours an exception of this flow may stay open; from the criticality.",
    )
    owner_group_id = fields.Many2one(
        "res.groups", help="Group whose members handle this flow's exceptions."
    )
    owner_user_id = fields.Many2one(
        "res.users", help="Who is assigned this flow's exceptions first."
    )
    channel = fields.Char(
        default="root.integration",
        required=True,
        help="queue_job channel the flow's jobs run in.",
    )
    accounting_date_key = fields.Char(
        help="Top-level payload key holding the accounting date; when set, a message "
        "dated in a frozen period or before the lock date waits (deferred).",
    )
    system_ids = fields.Many2many(
        "integration.system", string="Systems", compute="_compute_system_ids"
    )

    _sql_constraints = [("code_uniq", "unique(code)", "A flow code must be unique.")]

    @api.depends("criticality")
    def _compute_sla_hours(self):
        for flow in self:
            flow.sla_hours = SLA_HOURS[flow.criticality]

    def _compute_system_ids(self):
        for flow in self:
            flow.system_ids = self.env["integration.system"].search(
                [("flow_ids", "in", flow.ids)]
            )

    @api.constrains("json_schema")
    def _check_json_schema(self):
        for flow in self:
            try:
                schema = json.loads(flow.json_schema or "{}")
                jsonschema.Draft202012Validator.check_schema(schema)
            except (ValueError, jsonschema.SchemaError) as exc:
                raise ValidationError(
                    _("The JSON schema of flow %(flow)s is not valid: %(error)s")
                    % {"flow": flow.code, "error": exc}
                ) from exc

    @api.constrains("processor_model", "code")
    def _check_processor(self):
        for flow in self.filtered("processor_model"):
            if flow.processor_model not in self.env:
                raise ValidationError(
                    _("Flow %(flow)s names an unknown processor model %(model)s.")
                    % {"flow": flow.code, "model": flow.processor_model}
                )
            if not find_processor(type(self.env[flow.processor_model]), flow.code):
                raise ValidationError(
                    _(
                        "Model %(model)s has no method decorated with "
                        "@integration_processor(%(flow)r)."
                    )
                    % {"flow": flow.code, "model": flow.processor_model}
                )

    @api.constrains("accepts_xml", "xml_parser", "processor_model")
    def _check_xml_parser(self):
        for flow in self.filtered("accepts_xml"):
            model = flow.processor_model
            if not (
                flow.xml_parser
                and model in self.env
                and find_parser(type(self.env[model]), flow.xml_parser)
            ):
                raise ValidationError(
                    _(
                        "Flow %(flow)s takes XML: its processor model needs a method "
                        "decorated with @integration_parser(%(parser)r)."
                    )
                    % {"flow": flow.code, "parser": flow.xml_parser or ""}
                )

    def _parse_document(self, document, content_type, env):
        """The payload the flow's parser reads from ``document`` (bytes), run in
        ``env`` (the caller's rights, never sudo). Raises IntegrationParseError."""
        self.ensure_one()
        if not self.accepts_xml:
            raise IntegrationParseError(
                _("Flow %s does not take XML documents.") % self.code,
                code="unsupported_media_type",
            )
        model = env[self.processor_model]
        parser = getattr(model, find_parser(type(model), self.xml_parser))
        payload = parser(document, content_type)
        reason = json_problem(payload, MAX_PAYLOAD_DEPTH)
        if reason:
            raise IntegrationParseError(reason, code="payload_not_storable")
        return payload

    @api.model
    @tools.ormcache("flow_id", "schema_text")
    def _validator_for(self, flow_id, schema_text):
        return jsonschema.Draft202012Validator(
            json.loads(schema_text or "{}"),
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )

    def _validator(self):
        self.ensure_one()
        return self._validator_for(self.id, self.json_schema)

    def _schema_errors(self, payload):
        """The schema violations of ``payload``, in words a caller can act on."""
        return [
            {
                "path": "/" + "/".join(str(p) for p in error.absolute_path),
                "message": error.message,
            }
            for error in sorted(
                self._validator().iter_errors(payload), key=lambda e: list(e.path)
            )
        ]

    def _item_errors(self, item):
        """(errors, error code) of an item _ingest stores: the parser's refusal of
        its document, or its payload's schema violations; (None, None) if valid."""
        self.ensure_one()
        if item.get("parse_error"):
            code, text = item["parse_error"]
            return [{"path": "/", "message": storable(text)}], code
        errors = self._schema_errors(item["payload"])
        return (errors, "schema_validation_failed") if errors else (None, None)

    def _processor(self, env):
        """The bound processor method of this flow, in ``env``."""
        self.ensure_one()
        if not self.processor_model:
            raise IntegrationError(
                _("Flow %s has no processor: install the addon that handles it.")
                % self.code,
                code="no_processor",
            )
        model = env[self.processor_model]
        return getattr(model, find_processor(type(model), self.code))

    def _retry_delay(self, attempt):
        self.ensure_one()
        return retry_delay(attempt, self.retry_base_seconds, self.retry_max_seconds)

    def _openapi_descriptors(self):
        return [
            {
                "code": flow.code,
                "name": flow.name,
                "description": flow.description,
                "mode": flow.mode,
                "accepts_xml": flow.accepts_xml,
                "accepts_multipart": flow.accepts_multipart,
                "json_schema": json.loads(flow.json_schema or "{}"),
            }
            for flow in self
        ]
