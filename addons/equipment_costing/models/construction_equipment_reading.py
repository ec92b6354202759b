# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# the kinds lib/aemp.py reads from a Fleet or time-series document
READING_KINDS = [
    ("operating_hours", "Operating Hours"),
    ("idle_hours", "Idle Hours"),
    ("pto_hours", "PTO Hours"),
    ("fuel_used", "Fuel Used"),
    ("fuel_used_last_24", "Fuel Used Last 24 h"),
    ("fuel_remaining", "Fuel Remaining"),
    ("def_remaining", "DEF Remaining"),
    ("distance", "Odometer"),
    ("engine_status", "Engine Running"),
    ("location", "Location"),
]


class ConstructionEquipmentReading(models.Model):
    """One telematics value of a machine at a moment, as a feed sent it (meters are
    cumulative). Written only by the telematics flow: people read and review them.
    The same value of the same meter at the same moment is stored once, so a
    snapshot sent again adds nothing."""

    _name = "construction.equipment.reading"
    _description = "Equipment Reading"
    _order = "reading_datetime desc, id desc"

    equipment_id = fields.Many2one(
        "maintenance.equipment", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    kind = fields.Selection(READING_KINDS, required=True, readonly=True)
    # location readings carry their value in latitude/longitude: 0 keeps the
    # duplicate key (which NULL would defeat) meaningful
    value = fields.Float(
        required=True,
        default=0.0,
        readonly=True,
        help="In the suite's units: hours, litres, kilometres, percent; 1 for a "
        "running engine.",
    )
    unit = fields.Char(readonly=True, help="The unit of the value as Odoo keeps it.")
    unit_given = fields.Char(readonly=True, help="The unit as the feed sent it.")
    reading_datetime = fields.Datetime(
        string="Read At", required=True, readonly=True, help="UTC."
    )
    latitude = fields.Float(digits=(10, 7), readonly=True)
    longitude = fields.Float(digits=(10, 7), readonly=True)
    altitude = fields.Float(readonly=True, help="Metres.")
    system_id = fields.Many2one(
        "integration.system", string="Source System", readonly=True, index=True
    )
    message_id = fields.Many2one(
        "integration.message", readonly=True, index="btree_not_null"
    )
    assignment_id = fields.Many2one(
        "construction.equipment.assignment",
        readonly=True,
        index="btree_not_null",
        help="The assignment valid when the reading was taken, found at ingest.",
    )
    job_id = fields.Many2one("project.project", readonly=True, index=True)
    state = fields.Selection(
        [("ok", "OK"), ("suspect", "Suspect")],
        default="ok",
        required=True,
        readonly=True,
        help="Suspect: the machine was used where nobody assigned it; a person "
        "reviews it before any cost comes from it.",
    )

    _sql_constraints = [
        (
            "reading_unique",
            "unique(equipment_id, kind, reading_datetime, value)",
            "This reading is stored already.",
        )
    ]

    @api.depends("equipment_id", "kind", "reading_datetime")
    def _compute_display_name(self):
        kinds = dict(READING_KINDS)
        for reading in self:
            reading.display_name = (
                f"{reading.equipment_id.display_name} · {kinds.get(reading.kind)} · "
                f"{reading.reading_datetime}"
            )
