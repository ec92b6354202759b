# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    ap_site_manager_id = fields.Many2one(
        "res.users",
        string="Site Manager",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("ap_matching.group_ap_site_manager").ids)
        ],
        help="Owns the receipt exceptions of bills for this job (not received, "
        "billed beyond what was received); empty: the job's project manager.",
    )
