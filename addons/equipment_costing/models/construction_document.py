# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ConstructionDocument(models.Model):
    """Equipment keeps documents too: inspections, compliance certificates,
    delivery notes of a rented machine (document.attach, target type equipment)."""

    _inherit = "construction.document"

    @api.model
    def _document_targets(self):
        return {
            **super()._document_targets(),
            "equipment": ("maintenance.equipment", _("Equipment")),
        }
