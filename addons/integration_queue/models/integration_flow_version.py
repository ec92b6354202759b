# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

import jsonschema

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib.processor import find_adapter

VERSION_STATES = [
    ("draft", "Proposed"),
    ("current", "Current"),
    ("deprecated", "Deprecated"),
    ("retired", "Retired"),
]
LIVE_STATES = ("current", "deprecated")
# set by the transitions only (after their group and four-eyes checks), never by a
# write through RPC
TRANSITION_FIELDS = {
    "flow_id",
    "number",
    "state",
    "prepared_by_id",
    "activated_by_id",
    "activated_at",
    "deprecated_at",
    "retired_at",
}
# the contract itself: fixed once the version is activated
CONTRACT_FIELDS = {"json_schema", "adapter"}
MANAGER_GROUP = "integration_queue.group_integration_manager"


class IntegrationFlowVersion(models.Model):
    """One version of a flow's data contract: its JSON schema and the adapter that
    reads its payload into the one the flow's processor takes.

    A schema change is a new version, proposed by one integration manager and
    activated by another; a live schema is never edited."""

    _name = "integration.flow.version"
    _description = "Integration Flow Version"
    _inherit = ["mail.thread"]
    _order = "flow_id, number desc"

    name = fields.Char(compute="_compute_name", store=True)
    flow_id = fields.Many2one(
        "integration.flow", required=True, ondelete="cascade", index=True
    )
    flow_code = fields.Char(related="flow_id.code", string="Flow Code")
    number = fields.Integer(
        required=True,
        readonly=True,
        help="Callers choose it by path (/flows/<flow>/v<number>) or by the "
        "X-Flow-Version header; without either they get the flow's default version.",
    )
    state = fields.Selection(
        VERSION_STATES,
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        help="Proposed: under review, not callable. Current: callable. Deprecated: "
        "callable until its sunset, answered with Deprecation and Sunset headers. "
        "Retired: answered 410 naming its successor.",
    )
    is_default = fields.Boolean(
        compute="_compute_is_default",
        help="Callers that name no version get this one.",
    )
    json_schema = fields.Text(
        string="JSON Schema",
        required=True,
        default='{"type": "object"}',
        help="JSON Schema (draft 2020-12) every payload of this version must match. "
        "Fixed once the version is activated: a change is a new version.",
    )
    adapter = fields.Char(
        help="Name given to @integration_adapter on a method of the flow's processor "
        "model; it reads this version's payload into the payload the processor takes. "
        "Empty: the processor takes this version's payload as it is.",
    )
    change_note = fields.Text(
        help="What changed from the previous version and what callers must do."
    )
    sunset_at = fields.Datetime(
        string="Sunset",
        tracking=True,
        help="When a deprecated version stops answering (RFC 8594 Sunset header); "
        "required to deprecate.",
    )
    successor_id = fields.Many2one(
        "integration.flow.version",
        domain="[('flow_id', '=', flow_id), ('number', '>', number), "
        "('state', 'in', ('current', 'deprecated'))]",
        tracking=True,
        help="The version callers should move to; named in the Link header of a "
        "deprecated version and in the 410 answer of a retired one.",
    )
    prepared_by_id = fields.Many2one(
        "res.users",
        string="Proposed by",
        readonly=True,
        default=lambda self: self.env.user,
    )
    activated_by_id = fields.Many2one("res.users", string="Activated by", readonly=True)
    activated_at = fields.Datetime(readonly=True)
    deprecated_at = fields.Datetime(readonly=True)
    retired_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "number_uniq",
            "unique(flow_id, number)",
            "A flow has each version number once.",
        ),
        ("number_positive", "CHECK(number > 0)", "Version numbers start at 1."),
    ]

    @api.depends("flow_id.code", "number")
    def _compute_name(self):
        for version in self:
            version.name = f"{version.flow_id.code or ''} v{version.number}"

    def _compute_is_default(self):
        for version in self:
            version.is_default = version.flow_id.default_version_id == version

    @api.constrains("json_schema")
    def _check_json_schema(self):
        for version in self:
            try:
                jsonschema.Draft202012Validator.check_schema(
                    json.loads(version.json_schema or "{}")
                )
            except (ValueError, jsonschema.SchemaError) as exc:
                raise ValidationError(
                    _("The JSON schema of %(version)s is not valid: %(error)s")
                    % {"version": version.name, "error": exc}
                ) from exc

    @api.constrains("adapter", "flow_id")
    def _check_adapter(self):
        for version in self.filtered("adapter"):
            model = version.flow_id.processor_model
            if not (
                model in self.env
                and find_adapter(type(self.env[model]), version.adapter)
            ):
                raise ValidationError(
                    _(
                        "%(version)s names the adapter %(adapter)r: the flow's "
                        "processor model needs a method decorated with "
                        "@integration_adapter(%(adapter)r)."
                    )
                    % {"version": version.name, "adapter": version.adapter}
                )

    # ------------------------------------------------------------------ controls
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                forbidden = (TRANSITION_FIELDS - {"flow_id"}) & set(vals)
                if forbidden:
                    raise UserError(
                        _(
                            "A new version starts as proposed; %s are set by its "
                            "review, not given."
                        )
                        % ", ".join(sorted(forbidden))
                    )
        for vals in vals_list:
            if not vals.get("number") and vals.get("flow_id"):
                self.env.cr.execute(
                    "SELECT coalesce(max(number), 0) + 1 FROM integration_flow_version "
                    "WHERE flow_id = %s",
                    [vals["flow_id"]],
                )
                vals["number"] = self.env.cr.fetchone()[0]
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            # who may not write versions at all hears so first
            self.check_access("write")
            forbidden = TRANSITION_FIELDS & set(vals)
            if forbidden:
                raise UserError(
                    _(
                        "%s change only through the version's review buttons "
                        "(Activate, Make Default, Deprecate, Retire)."
                    )
                    % ", ".join(sorted(forbidden))
                )
            if CONTRACT_FIELDS & set(vals) and any(
                version.state != "draft" for version in self
            ):
                raise UserError(
                    _(
                        "A live contract is never edited: propose a new version of "
                        "the flow with the changed schema instead."
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_proposed(self):
        if not self.env.su and any(version.state != "draft" for version in self):
            raise UserError(
                _("Only a proposed version can be deleted; retire a live one.")
            )

    def _check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only an integration manager may review a flow's versions.")
            )

    # ------------------------------------------------------------------ transitions
    def action_activate(self):
        """A proposed version becomes callable; reviewed by a manager other than
        the one who proposed it. The first live version becomes the default."""
        self._check_manager()
        for version in self:
            if version.state != "draft":
                raise UserError(_("%s is not a proposed version.") % version.name)
            if version.prepared_by_id == self.env.user:
                raise UserError(
                    _(
                        "%s was proposed by you: another integration manager must "
                        "review and activate it."
                    )
                    % version.name
                )
            # sudo: the state and reviewer are the transition's to set, after the
            # checks above
            version.sudo().write(
                {
                    "state": "current",
                    "activated_by_id": self.env.user.id,
                    "activated_at": fields.Datetime.now(),
                }
            )
            if not version.flow_id.default_version_id:
                version.flow_id.sudo().default_version_id = version
        return True

    def action_make_default(self):
        """Callers that name no version get this one from now on."""
        self._check_manager()
        self.ensure_one()
        if self.state != "current":
            raise UserError(_("Only a current version can be the default."))
        # sudo: the flow's default changes only here, after the manager check
        self.flow_id.sudo().default_version_id = self
        self.message_post(body=_("Made the default version of %s.") % self.flow_code)
        return True

    def _check_not_default(self):
        for version in self:
            if version.is_default:
                raise UserError(
                    _(
                        "%s is the flow's default version: make another version the "
                        "default first."
                    )
                    % version.name
                )

    def _successor_or_default(self):
        self.ensure_one()
        successor = self.successor_id or self.flow_id.default_version_id
        if not successor or successor == self or successor.state not in LIVE_STATES:
            raise UserError(
                _("Name the live version callers of %s should move to.") % self.name
            )
        return successor

    def action_deprecate(self):
        """Still callable until its sunset, with Deprecation and Sunset headers."""
        self._check_manager()
        self._check_not_default()
        for version in self:
            if version.state != "current":
                raise UserError(_("Only a current version can be deprecated."))
            if not version.sunset_at:
                raise UserError(
                    _("Set the sunset date of %s before deprecating it.") % version.name
                )
            # sudo: the transition's own fields, after the manager check
            version.sudo().write(
                {
                    "state": "deprecated",
                    "deprecated_at": fields.Datetime.now(),
                    "successor_id": version._successor_or_default().id,
                }
            )
        return True

    def action_retire(self):
        """No longer callable: answered 410 with its successor."""
        self._check_manager()
        self._check_not_default()
        for version in self:
            if version.state not in LIVE_STATES:
                raise UserError(_("Only a live version can be retired."))
        # sudo: the transition's own fields, after the manager check
        self.sudo()._retire()
        return True

    def _retire(self):
        for version in self:
            version.write(
                {
                    "state": "retired",
                    "retired_at": fields.Datetime.now(),
                    "successor_id": version._successor_or_default().id,
                }
            )

    @api.model
    def _cron_retire_past_sunset(self):
        """A deprecated version past its sunset already answers 410; the cron makes
        its state say so (retired, with the date and a note), so the system forms
        and the interface inventory stop listing it as live."""
        versions = self.search(
            [
                ("state", "=", "deprecated"),
                ("sunset_at", "!=", False),
                ("sunset_at", "<=", fields.Datetime.now()),
            ]
        )
        versions._retire()
        for version in versions:
            version.message_post(
                body=_("Retired: its sunset (%s) has passed.") % version.sunset_at,
                subtype_xmlid="mail.mt_note",
            )
        return versions

    # ------------------------------------------------------------------ use
    @api.model
    def _validator_for(self, schema_text):
        return self.env["integration.flow"]._validator_for(0, schema_text)

    def _schema_errors(self, payload):
        """The schema violations of ``payload``, in words a caller can act on."""
        self.ensure_one()
        validator = self._validator_for(self.json_schema)
        return [
            {
                "path": "/" + "/".join(str(p) for p in error.absolute_path),
                "message": error.message,
            }
            for error in sorted(
                validator.iter_errors(payload), key=lambda e: list(e.path)
            )
        ]

    def _adapt(self, payload, env):
        """``payload`` of this version as the flow's processor takes it, read by the
        version's adapter in ``env`` (the system's service user)."""
        self.ensure_one()
        if not self.adapter:
            return payload
        model = env[self.flow_id.processor_model]
        return getattr(model, find_adapter(type(model), self.adapter))(payload)
