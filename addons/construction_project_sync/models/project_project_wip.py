# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .construction_wip_schedule_line import PROGRESS_METHODS


class ProjectProject(models.Model):
    _inherit = "project.project"

    wip_progress_method = fields.Selection(
        PROGRESS_METHODS,
        string="Percent Complete Method",
        default="cost",
        help="How the WIP schedule measures the job's percent complete: cost to "
        "date over estimated cost, or the field's reported progress weighted by "
        "the schedule of values.",
    )
    forecast_ids = fields.One2many(
        "construction.forecast", "job_id", string="Forecasts"
    )
