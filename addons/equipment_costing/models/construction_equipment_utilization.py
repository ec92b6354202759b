# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools


class ConstructionEquipmentUtilization(models.Model):
    """Operating, idle and standby hours of the daily usage, and the share of them
    a machine worked, to be grouped by machine, job and week."""

    _name = "construction.equipment.utilization"
    _description = "Equipment Utilization"
    _auto = False
    _order = "date desc"

    equipment_id = fields.Many2one("maintenance.equipment", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    job_id = fields.Many2one("project.project", readonly=True)
    date = fields.Date(readonly=True)
    state = fields.Selection(
        [("ok", "OK"), ("flagged", "Flagged"), ("accepted", "Accepted")],
        readonly=True,
    )
    operating_hours = fields.Float(readonly=True, digits=(16, 2))
    idle_hours = fields.Float(readonly=True, digits=(16, 2))
    standby_hours = fields.Float(readonly=True, digits=(16, 2))
    available_hours = fields.Float(
        readonly=True, digits=(16, 2), help="Operating, idle and standby hours."
    )
    utilization = fields.Float(
        string="Utilization (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Operating hours over operating, idle and standby hours; a group's is "
        "worked out from its sums, not averaged.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""CREATE VIEW {self._table} AS (
                SELECT u.id, u.equipment_id, u.company_id, u.job_id, u.date, u.state,
                       u.operating_hours, u.idle_hours, u.standby_hours,
                       u.operating_hours + u.idle_hours + u.standby_hours
                           AS available_hours,
                       CASE WHEN u.operating_hours + u.idle_hours + u.standby_hours > 0
                            THEN 100.0 * u.operating_hours
                                 / (u.operating_hours + u.idle_hours + u.standby_hours)
                            ELSE 0 END AS utilization
                  FROM construction_equipment_usage u
            )"""  # noqa: S608 -- the table name is the model's
        )

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        """A group's utilization is its operating hours over its available hours
        (an average of the days' percentages would weigh an idle Sunday like a
        full week)."""
        wanted = any(spec.split(":")[0] == "utilization" for spec in fields)
        if wanted:
            names = {spec.split(":")[0] for spec in fields}
            fields = [
                *fields,
                *(
                    f"{name}:sum"
                    for name in ("operating_hours", "available_hours")
                    if name not in names
                ),
            ]
        groups = super().read_group(
            domain, fields, groupby, offset, limit, orderby, lazy
        )
        if wanted:
            for group in groups:
                available = group.get("available_hours") or 0.0
                group["utilization"] = (
                    100.0 * (group.get("operating_hours") or 0.0) / available
                    if available
                    else 0.0
                )
        return groups
