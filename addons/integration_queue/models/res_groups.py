# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# What a service user must never hold: Odoo's administration, and the hub's own human
# groups (a service user holding them could read every system's traffic or configure
# systems with its key).
FORBIDDEN_FOR_SERVICE = (
    "base.group_system",
    "base.group_erp_manager",
    "integration_queue.group_integration_user",
    "integration_queue.group_integration_manager",
)


class ResGroups(models.Model):
    _inherit = "res.groups"

    integration_service_grantable = fields.Boolean(
        string="Grantable to Integration Service Users",
        help="The setup wizard of an integration system may give this group to the "
        "system's service user (business rights its flows need). Only groups that do "
        "not lead to administration or to the hub's own groups qualify.",
    )

    @api.model
    def _integration_forbidden_groups(self):
        xmlid_to_id = self.env["ir.model.data"]._xmlid_to_res_id
        ids = [
            xmlid_to_id(xmlid, raise_if_not_found=False)
            for xmlid in FORBIDDEN_FOR_SERVICE
        ]
        return self.browse([group_id for group_id in ids if group_id])

    def _integration_leads_to_forbidden(self):
        """The groups of ``self`` that are, or imply, a group no service user may
        hold."""
        forbidden = self._integration_forbidden_groups()
        return self.filtered(
            lambda group: (group | group.trans_implied_ids) & forbidden
        )

    @api.constrains("integration_service_grantable", "implied_ids")
    def _check_integration_service_grantable(self):
        bad = self.filtered(
            "integration_service_grantable"
        )._integration_leads_to_forbidden()
        if bad:
            raise ValidationError(
                _(
                    "%s cannot be granted to integration service users: it gives "
                    "administration or integration rights.",
                    ", ".join(bad.mapped("full_name")),
                )
            )
