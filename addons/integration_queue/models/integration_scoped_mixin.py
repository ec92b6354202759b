# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class IntegrationScopedMixin(models.AbstractModel):
    """What a discrepancy (an exception, a reconciliation drift) is about for the
    plain-language summaries: the business record it is grouped under, a job say,
    which its record names through ``_integration_scope``."""

    _name = "integration.scoped.mixin"
    _description = "Integration Discrepancy Scope"

    scope_model = fields.Char(
        string="Concerns (Model)", readonly=True, index=True, copy=False
    )
    scope_id = fields.Many2oneReference(
        string="Concerns",
        model_field="scope_model",
        readonly=True,
        index=True,
        copy=False,
        help="The business record this is summarised under (a job), found from "
        "its record when it was raised.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_scope_given(vals_list)
        pending = defaultdict(list)
        for vals in vals_list:
            model = vals.get("res_model")
            if not vals.get("scope_model") and model in self.env and vals.get("res_id"):
                pending[model].append(vals)
        for model, group in pending.items():
            records = self.env[model].browse([vals["res_id"] for vals in group])
            existing = records.exists()
            for vals, record in zip(group, records, strict=True):
                try:
                    scope = record in existing and record._integration_scope()
                except AccessError:
                    # whoever raises it cannot read the record: no scope rather
                    # than a refusal to record the discrepancy
                    scope = None
                if scope:
                    vals["scope_model"], vals["scope_id"] = scope._name, scope.id
        return super().create(vals_list)

    def write(self, vals):
        self._check_scope_given([vals])
        return super().write(vals)

    def _check_scope_given(self, vals_list):
        # the scope is found from the record, never given: a caller who set it
        # would file a discrepancy under a job (of another company, say) that
        # the job's summary then shows to its project manager
        if self.env.su:
            return
        if any(vals.get("scope_model") or vals.get("scope_id") for vals in vals_list):
            raise UserError(
                _(
                    "What a discrepancy concerns is found from its record; it is not "
                    "given."
                )
            )
