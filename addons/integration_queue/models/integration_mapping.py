# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class IntegrationMapping(models.Model):
    """(system, model, external id) ↔ Odoo record: the one place ids are translated."""

    _name = "integration.mapping"
    _description = "Integration ID Mapping"
    _order = "system_id, res_model, external_id"
    _rec_name = "external_id"

    system_id = fields.Many2one(
        "integration.system", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="system_id.company_id", store=True, index=True)
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Many2oneReference(
        string="Record", model_field="res_model", required=True
    )
    external_id = fields.Char(string="External ID", required=True)
    record_name = fields.Char(compute="_compute_record_name")
    message_id = fields.Many2one(
        "integration.message", string="Created by Message", ondelete="set null"
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(system_id, res_model, external_id)",
            "This external id is already mapped for this system and model.",
        ),
        (
            "record_uniq",
            "unique(system_id, res_model, res_id)",
            "This record is already mapped to another external id of this system.",
        ),
    ]

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for mapping in self:
            record = self.env[mapping.res_model].browse(mapping.res_id).exists()
            mapping.record_name = record.display_name if record else _("(deleted)")

    @api.constrains("res_model")
    def _check_model(self):
        for mapping in self:
            if mapping.res_model not in self.env:
                raise ValidationError(_("%s is not a model.") % mapping.res_model)

    @api.model
    def _resolve(self, system, model, external_id, env=None):
        """The record of ``model`` mapped to ``external_id`` for ``system``, browsed in
        ``env`` (the caller's rights apply when it is used); empty if none."""
        env = env or self.env
        # sudo: the mapping table is the hub's own translation table; access to the
        # record itself is checked in the caller's environment.
        self.env.cr.execute(
            "SELECT res_id FROM integration_mapping WHERE system_id = %s "
            "AND res_model = %s AND external_id = %s",
            [system.id, model, str(external_id)],
        )
        row = self.env.cr.fetchone()
        return env[model].browse(row[0] if row else []).exists()

    @api.model
    def _external_id(self, system, record):
        self.env.cr.execute(
            "SELECT external_id FROM integration_mapping WHERE system_id = %s "
            "AND res_model = %s AND res_id = %s",
            [system.id, record._name, record.id],
        )
        row = self.env.cr.fetchone()
        return row and row[0]

    @api.model
    def _external_ids(self, records, active_systems_only=False):
        """{record id: {system code: external id}}: how each system knows
        ``records``, in one query, for the events sent back to the systems."""
        domain = [("res_model", "=", records._name), ("res_id", "in", records.ids)]
        if active_systems_only:
            domain.append(("system_id.active", "=", True))
        known = defaultdict(dict)
        # sudo: the mapping table and the systems' codes are the hub's; only the
        # ids of the caller's own records are read
        for mapping in self.sudo().search(domain):
            known[mapping.res_id][mapping.system_id.code] = mapping.external_id
        return known

    @api.model
    def _resolve_many(self, system, model, external_ids, env=None):
        """{external id: record} of the ``external_ids`` mapped for ``system``, in one
        query; ids with no mapping, or whose record is gone, are left out."""
        env = env or self.env
        # sudo: see _resolve
        self.env.cr.execute(
            "SELECT external_id, res_id FROM integration_mapping WHERE system_id = %s "
            "AND res_model = %s AND external_id = ANY(%s)",
            [system.id, model, [str(ref) for ref in external_ids]],
        )
        rows = self.env.cr.fetchall()
        records = env[model].browse([res_id for _ref, res_id in rows]).exists()
        by_id = {record.id: record for record in records}
        return {ref: by_id[res_id] for ref, res_id in rows if res_id in by_id}

    @api.model
    def _link(self, system, record, external_id, message=None):
        return self._link_many(system, [(external_id, record)], message)

    @api.model
    def _link_many(self, system, items, message=None):
        """Map each record of ``items`` [(external id, record), ...] to its external
        id for ``system``: one search, one create, whatever the number."""
        items = [(str(ref), record) for ref, record in items]
        if not items:
            return self.browse()
        # sudo: see _resolve; linking is bookkeeping done for the processor.
        mappings = self.sudo()
        keys = {(record._name, ref) for ref, record in items}
        # a mapping whose record was deleted in Odoo gives way to the new record
        found = mappings.search(
            [
                ("system_id", "=", system.id),
                ("res_model", "in", list({model for model, _ref in keys})),
                ("external_id", "in", [ref for ref, _record in items]),
            ]
        ).filtered(lambda m: (m.res_model, m.external_id) in keys)
        alive = set()
        for model, model_mappings in found.grouped("res_model").items():
            records = self.env[model].browse(model_mappings.mapped("res_id")).exists()
            alive.update((model, res_id) for res_id in records.ids)
        found.filtered(lambda m: (m.res_model, m.res_id) not in alive).unlink()
        return mappings.create(
            [
                {
                    "system_id": system.id,
                    "res_model": record._name,
                    "res_id": record.id,
                    "external_id": ref,
                    "message_id": message.id if message else False,
                }
                for ref, record in items
            ]
        )

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
