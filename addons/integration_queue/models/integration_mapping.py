# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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
    def _link(self, system, record, external_id, message=None):
        # sudo: see _resolve; linking is bookkeeping done for the processor.
        mappings = self.sudo()
        # a mapping whose record was deleted in Odoo gives way to the new record
        stale = mappings.search(
            [
                ("system_id", "=", system.id),
                ("res_model", "=", record._name),
                ("external_id", "=", str(external_id)),
            ]
        )
        if stale and not self.env[record._name].browse(stale.res_id).exists():
            stale.unlink()
        return mappings.create(
            {
                "system_id": system.id,
                "res_model": record._name,
                "res_id": record.id,
                "external_id": str(external_id),
                "message_id": message.id if message else False,
            }
        )

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
