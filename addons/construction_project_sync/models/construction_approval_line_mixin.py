# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models
from odoo.exceptions import UserError

from .construction_approval_mixin import check_derived_fields


class ConstructionApprovalLineMixin(models.AbstractModel):
    """A line of an approvable document (construction.approval.mixin): it cannot be
    added, changed or deleted once the document is locked, and a change while the
    document awaits approval sends the document back to draft."""

    _name = "construction.approval.line.mixin"
    _description = "Line of an Approvable Document"

    # the many2one to the document, declared by each line model
    _approval_document_field = None

    def _approval_documents(self, vals_list=None):
        field = self._approval_document_field
        if vals_list is None:
            return self[field]
        return self.env[self._fields[field].comodel_name].browse(
            {vals[field] for vals in vals_list if vals.get(field)}
        )

    def _approval_check_documents(self, documents):
        documents = documents.filtered(
            lambda doc: doc.state in doc._approval_locked_states
        )
        if documents and not documents._approval_is_unlocked():
            raise UserError(
                _(
                    "%(document)s is %(state)s and locked: its lines can no longer "
                    "be added, changed or deleted.",
                    document=documents[0].display_name,
                    state=documents._approval_state_label(documents[0].state).lower(),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        documents = self._approval_documents(vals_list)
        if not documents._approval_is_unlocked():
            for vals in vals_list:
                check_derived_fields(self, vals)
        self._approval_check_documents(documents)
        lines = super().create(vals_list)
        documents._approval_figures_changed()
        return lines

    def write(self, vals):
        documents = self._approval_documents()
        if self._approval_document_field in vals:
            documents |= self._approval_documents([vals])
        if not documents._approval_is_unlocked():
            check_derived_fields(self, vals)
        self._approval_check_documents(documents)
        result = super().write(vals)
        documents._approval_figures_changed()
        return result

    def unlink(self):
        documents = self._approval_documents()
        self._approval_check_documents(documents)
        result = super().unlink()
        documents.exists()._approval_figures_changed()
        return result
