# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

import jsonschema

from odoo import SUPERUSER_ID, _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..lib.backoff import retry_delay
from ..lib.errors import IntegrationError, IntegrationParseError
from ..lib.processor import find_parser, find_processor
from ..lib.text import json_problem, storable

# as the API's JSON bodies: validators and encoders recurse once per level
MAX_PAYLOAD_DEPTH = 64
SLA_HOURS = {"low": 168, "normal": 72, "high": 24, "critical": 4}
# share of messages that must go through, per criticality (the SLO's target)
SLO_TARGETS = {"low": 95.0, "normal": 99.0, "high": 99.5, "critical": 99.9}


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
        help="JSON Schema (draft 2020-12) of the flow's first version (v1), as its "
        "addon ships it. A change is a new version, never an edit of this one.",
    )
    version_ids = fields.One2many(
        "integration.flow.version", "flow_id", string="Versions"
    )
    default_version_id = fields.Many2one(
        "integration.flow.version",
        readonly=True,
        copy=False,
        tracking=True,
        help="The version callers get when they name none; changed by Make Default on "
        "a current version.",
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
    slo_target = fields.Float(
        string="SLO Target (%)",
        compute="_compute_slo_target",
        store=True,
        readonly=False,
        tracking=True,
        help="Share of this flow's messages that must go through; from the "
        "criticality. The hourly monitoring alerts when failures spend the rest (the "
        "error budget) too fast.",
    )
    anomaly_threshold = fields.Float(
        default=3.5,
        tracking=True,
        help="How unusual an hour must be before the hub opens an anomaly exception: "
        "a robust z-score (distance from the median of the flow's own history in "
        "median absolute deviations, scaled like a standard deviation). Higher: fewer, "
        "surer alerts.",
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
    system_of_record = fields.Char(
        string="System of Record",
        compute="_compute_system_of_record",
        help="Per model the flow's messages wrote: which system is its record of "
        "truth by the ownership rules (no rule: the sending system).",
    )

    _sql_constraints = [("code_uniq", "unique(code)", "A flow code must be unique.")]

    @api.model_create_multi
    def create(self, vals_list):
        flows = super().create(vals_list)
        # every flow is born with its v1: the schema it is created with, reviewed as
        # the flow itself (shipped by an addon or made by a manager)
        # sudo: the first version's state and reviewer are set here, not by callers
        versions = (
            self.env["integration.flow.version"]
            .sudo()
            .create(
                [
                    {
                        "flow_id": flow.id,
                        "number": 1,
                        "state": "current",
                        "json_schema": flow.json_schema or '{"type": "object"}',
                        "activated_by_id": self.env.user.id,
                        "activated_at": fields.Datetime.now(),
                        "change_note": _("The flow's first contract."),
                    }
                    for flow in flows
                ]
            )
        )
        for flow, version in zip(flows, versions, strict=True):
            flow.sudo().default_version_id = version
        return flows

    @api.model
    def _ensure_first_versions(self):
        """Flows made before contracts were versioned get their v1 (their schema,
        current, the default). Run by the 18.0.0.3.0 migration, and by the demo data
        before it proposes a v2 (on an upgrade, data loads before the migration)."""
        # sudo: a migration step; the first version is the shipped contract
        flows = self.sudo().with_context(active_test=False).search([])
        for flow in flows.filtered(lambda f: 1 not in f.version_ids.mapped("number")):
            flow.default_version_id = (
                self.env["integration.flow.version"]
                .sudo()
                .create(
                    {
                        "flow_id": flow.id,
                        "number": 1,
                        "state": "current",
                        "json_schema": flow.json_schema or '{"type": "object"}',
                        "activated_by_id": SUPERUSER_ID,
                        "activated_at": fields.Datetime.now(),
                        "change_note": "The flow's contract before versions existed.",
                    }
                )
            )

    def write(self, vals):
        if not self.env.su and {"json_schema", "default_version_id"} & set(vals):
            self.check_access("write")
            raise UserError(
                _(
                    "A live contract is never edited: propose a new version of the "
                    "flow (Versions tab) and have another integration manager "
                    "activate it."
                )
            )
        result = super().write(vals)
        if "json_schema" in vals:
            # only code (an addon's data on upgrade, a test) gets here: its v1 follows
            # sudo: the shipped contract is the addon's, reviewed with its code
            versions = self.sudo().version_ids.filtered(lambda v: v.number == 1)
            versions.write({"json_schema": vals["json_schema"] or '{"type": "object"}'})
        return result

    @api.depends("criticality")
    def _compute_slo_target(self):
        for flow in self:
            flow.slo_target = SLO_TARGETS[flow.criticality]

    @api.constrains("slo_target", "anomaly_threshold")
    def _check_slo_target(self):
        for flow in self:
            if not 0 < flow.slo_target < 100:
                raise ValidationError(
                    _("An SLO target is a percentage above 0 and below 100.")
                )
            if flow.anomaly_threshold <= 0:
                raise ValidationError(_("An anomaly threshold is above 0."))

    @api.depends("criticality")
    def _compute_sla_hours(self):
        for flow in self:
            flow.sla_hours = SLA_HOURS[flow.criticality]

    def _compute_system_ids(self):
        for flow in self:
            flow.system_ids = self.env["integration.system"].search(
                [("flow_ids", "in", flow.ids)]
            )

    def _compute_system_of_record(self):
        self.env.cr.execute(
            """
            SELECT m.flow_id, array_agg(DISTINCT l.res_model ORDER BY l.res_model)
              FROM integration_lineage l
              JOIN integration_message m ON m.id = l.message_id
             WHERE m.flow_id = ANY(%s)
             GROUP BY m.flow_id
            """,
            [self.ids],
        )
        models_of = dict(self.env.cr.fetchall())
        # sudo: the rules' owners are named in the inventory for whoever reads flows
        rules = (
            self.env["integration.ownership"]
            .sudo()
            .search(
                [
                    (
                        "model_name",
                        "in",
                        sorted({m for ms in models_of.values() for m in ms}),
                    )
                ]
            )
        )
        for flow in self:
            parts = []
            for model in models_of.get(flow.id, []):
                owners = [
                    (rule.owner_system_id.name or "Odoo")
                    + (
                        " (" + ", ".join(rule.field_ids.mapped("name")) + ")"
                        if rule.field_ids
                        else ""
                    )
                    for rule in rules
                    if rule.model_name == model
                ]
                parts.append(
                    f"{model}: "
                    + (", ".join(owners) or _("no rule (the sending system)"))
                )
            flow.system_of_record = "; ".join(parts)

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

    def _default_version(self):
        """The version callers get when they name none."""
        self.ensure_one()
        return self.default_version_id or self.version_ids.filtered(
            lambda v: v.number == 1
        )

    def _version(self, number):
        """The version ``number`` of this flow (any state), or an empty recordset."""
        self.ensure_one()
        return self.version_ids.filtered(lambda v: v.number == number)[:1]

    def _schema_errors(self, payload, version=None):
        """The schema violations of ``payload`` against ``version`` (the default
        one if not given), in words a caller can act on."""
        self.ensure_one()
        return (version or self._default_version())._schema_errors(payload)

    def _item_errors(self, item, version=None):
        """(errors, error code) of an item _ingest stores: the parser's refusal of
        its document, or its payload's schema violations against ``version`` (the
        default one if not given); (None, None) if valid."""
        self.ensure_one()
        if item.get("parse_error"):
            code, text = item["parse_error"]
            return [{"path": "/", "message": storable(text)}], code
        errors = self._schema_errors(item["payload"], version)
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
        """One operation per flow (its default version, at /flows/<code>) and one
        per live version (at /flows/<code>/v<n>), deprecated ones marked."""
        descriptors = []
        for flow in self:
            common = {
                "code": flow.code,
                "name": flow.name,
                "description": flow.description,
                "mode": flow.mode,
                "accepts_xml": flow.accepts_xml,
                "accepts_multipart": flow.accepts_multipart,
            }
            default = flow._default_version()
            descriptors.append(
                {
                    **common,
                    "json_schema": json.loads(
                        default.json_schema or flow.json_schema or "{}"
                    ),
                    "deprecated": default.state == "deprecated",
                }
            )
            for version in flow.version_ids.sorted("number"):
                if version.state not in ("current", "deprecated"):
                    continue
                descriptors.append(
                    {
                        **common,
                        "version": version.number,
                        "json_schema": json.loads(version.json_schema or "{}"),
                        "deprecated": version.state == "deprecated",
                        "sunset": version.sunset_at,
                    }
                )
        return descriptors
