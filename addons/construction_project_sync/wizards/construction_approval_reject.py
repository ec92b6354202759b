# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class ConstructionApprovalReject(models.TransientModel):
    """Asks the approver why a document is rejected; the reason stays on it and in
    its chatter. The rejection itself is the document's (its checks apply)."""

    _name = "construction.approval.reject"
    _description = "Reject a Document"

    res_model = fields.Char(required=True, readonly=True)
    res_ids = fields.Json(required=True, readonly=True)
    documents = fields.Text(compute="_compute_documents")
    reason = fields.Text(required=True)

    @api.depends("res_model", "res_ids")
    def _compute_documents(self):
        for wizard in self:
            wizard.documents = "\n".join(
                self._documents(wizard.res_model, wizard.res_ids).mapped("display_name")
            )

    @api.model
    def _documents(self, res_model, res_ids):
        mixin = self.env.registry["construction.approval.mixin"]
        model = self.env.registry.get(res_model)
        if model is None or model._abstract or not issubclass(model, mixin):
            raise UserError(_("Only approvable documents are rejected here."))
        return self.env[res_model].browse(res_ids or [])

    def action_reject(self):
        self.ensure_one()
        self._documents(self.res_model, self.res_ids).action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
