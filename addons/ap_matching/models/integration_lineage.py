# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class IntegrationLineage(models.Model):
    _inherit = "integration.lineage"

    # a resent document points at the record it duplicates instead of making one
    action = fields.Selection(
        selection_add=[("duplicate", "Duplicate of")],
        ondelete={"duplicate": "cascade"},
    )
