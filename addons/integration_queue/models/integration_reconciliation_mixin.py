# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models
from odoo.exceptions import UserError


class IntegrationReconciliationMixin(models.AbstractModel):
    """What a business addon implements to add a reconciliation check.

    ``_reconcile(check, company)`` returns the drift as a list of dicts with
    reference, message and optionally res_model, res_id, expected, actual, fixable.
    ``_fix(drift_lines)`` repairs the lines marked fixable.
    ``_summarize(check, drift_lines)`` says the open drift in plain words (a list
    of sentences) for summaries and digests.
    """

    _name = "integration.reconciliation.mixin"
    _description = "Integration Reconciliation Check Implementation"

    @api.model
    def _reconcile(self, check, company):
        raise NotImplementedError

    @api.model
    def _fix(self, drift_lines):
        raise UserError(_("This check offers no automatic fix."))

    @api.model
    def _summarize(self, check, drift_lines):
        return [
            _(
                "“%(check)s” found %(count)s difference(s): %(references)s.",
                check=check.name,
                count=len(drift_lines),
                references=self.env["integration.summary"]._named(
                    drift_lines.mapped("reference")
                ),
            )
        ]
