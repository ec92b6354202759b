# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models

from ..lib.errors import IntegrationError


class IntegrationOwnership(models.Model):
    """Which system is the record of truth for which fields of a model."""

    _name = "integration.ownership"
    _description = "Integration System of Record"
    _order = "model_id, id"

    model_id = fields.Many2one("ir.model", required=True, ondelete="cascade")
    model_name = fields.Char(
        related="model_id.model", string="Model Name", store=True, index=True
    )
    field_ids = fields.Many2many(
        "ir.model.fields",
        domain="[('model_id', '=', model_id)]",
        string="Fields",
        help="Leave empty: the whole record.",
    )
    owner_system_id = fields.Many2one(
        "integration.system",
        string="Owner",
        ondelete="cascade",
        help="Leave empty: Odoo itself owns these fields and no system may write them.",
    )
    on_conflict = fields.Selection(
        [
            ("refuse", "Refuse the message"),
            ("ignore", "Apply the rest, ignore these fields"),
        ],
        default="refuse",
        required=True,
    )
    raise_exception = fields.Boolean(
        help="Open an integration exception when a system writes these fields; a "
        "refused message always ends as a dead letter with an exception.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
    note = fields.Char()

    @api.model
    def _filter_write(self, system, record, vals, ctx=None):
        """``vals`` without the fields ``system`` may not write on ``record``.

        Raises IntegrationError (not retryable) where the rule says refuse."""
        return self._filter_write_many(system, [(record, vals)], ctx)[0]

    @api.model
    def _filter_write_many(self, system, items, ctx=None):
        """_filter_write of each (record, vals) of ``items``, in order, with the
        rules searched once per model rather than once per record."""
        rules_of = {}
        allowed = []
        for record, vals in items:
            key = (record._name, record.env.company.id)
            if key not in rules_of:
                rules_of[key] = self.sudo().search(
                    [
                        ("model_name", "=", record._name),
                        ("company_id", "in", [False, record.env.company.id]),
                    ]
                )
            allowed.append(self._apply_rules(rules_of[key], system, record, vals, ctx))
        return allowed

    @api.model
    def _apply_rules(self, rules, system, record, vals, ctx):
        allowed = dict(vals)
        for rule in rules:
            if rule.owner_system_id == system:
                continue
            names = set(rule.field_ids.mapped("name")) or set(vals)
            touched = sorted(names & set(vals))
            if not touched:
                continue
            owner = rule.owner_system_id.name or "Odoo"
            reason = _(
                "%(system)s may not change %(fields)s of %(record)s: %(owner)s is the "
                "system of record for them.",
                system=system.name,
                fields=", ".join(touched),
                record=record.display_name,
                owner=owner,
            )
            if rule.on_conflict == "refuse":
                raise IntegrationError(
                    reason, code="field_owned_by_other_system", retryable=False
                )
            for name in touched:
                allowed.pop(name, None)
            if ctx is not None:
                ctx.notes.append(reason)
            if rule.raise_exception:
                message = (
                    ctx.record if ctx is not None else self.env["integration.message"]
                )
                self.env["integration.exception"].sudo()._raise(
                    "field_owned_by_other_system",
                    reason,
                    message=message,
                    record=record,
                    system=system,
                )
        return allowed
