# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

# what the staged cost of a transaction was worked out from
COSTED_FIELDS = (
    "equipment_id",
    "transaction_datetime",
    "litres",
    "amount",
    "currency_id",
    "job_id",
    "cost_code_id",
    "company_id",
)


class ConstructionEquipmentFuel(models.Model):
    """A fuel transaction of a machine, from a fuel card provider or the yard's
    tank system (flow fuel.transaction): once per transaction id and system, on
    the job the machine was assigned to at the time (or the job the sender names).
    The period wizard stages it as equipment cost."""

    _name = "construction.equipment.fuel"
    _description = "Equipment Fuel Transaction"
    _inherit = ["mail.thread", "integration.lineage.mixin"]
    _order = "transaction_datetime desc, id desc"

    transaction_ref = fields.Char(
        string="Transaction", required=True, readonly=True, index=True
    )
    system_id = fields.Many2one(
        "integration.system",
        readonly=True,
        ondelete="restrict",
        help="The system that sent it; a transaction id is unique per system.",
    )
    equipment_id = fields.Many2one(
        "maintenance.equipment",
        string="Machine",
        required=True,
        ondelete="restrict",
        index=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    transaction_datetime = fields.Datetime(string="Time", required=True, index=True)
    date = fields.Date(compute="_compute_date", store=True, index=True)
    litres = fields.Float(required=True, digits=(16, 3))
    amount = fields.Monetary(
        required=True, currency_field="currency_id", help="As charged, tax excluded."
    )
    currency_id = fields.Many2one("res.currency", required=True)
    location = fields.Char(help="Station or yard tank.")
    assignment_id = fields.Many2one(
        "construction.equipment.assignment", ondelete="set null"
    )
    job_id = fields.Many2one(
        "project.project",
        ondelete="restrict",
        index=True,
        domain=[("is_job", "=", True)],
        help="The job the sender named, else the machine's assignment at the time; "
        "empty: the machine was on no job and the fuel is not staged.",
    )
    cost_code_id = fields.Many2one("construction.cost.code", ondelete="restrict")
    cost_ids = fields.One2many("construction.equipment.cost", "fuel_id")

    _sql_constraints = [
        (
            "transaction_uniq",
            "unique(system_id, transaction_ref)",
            "This fuel transaction of this system is stored already.",
        ),
        ("litres_positive", "CHECK(litres > 0)", "A fuel transaction has litres."),
    ]

    @api.depends("transaction_datetime")
    def _compute_date(self):
        for fuel in self:
            fuel.date = fuel.transaction_datetime and fuel.transaction_datetime.date()

    @api.depends("equipment_id", "transaction_ref", "litres")
    def _compute_display_name(self):
        for fuel in self:
            fuel.display_name = (
                f"{fuel.transaction_ref} {fuel.equipment_id.display_name or ''} "
                f"{fuel.litres:g} l"
            )

    def write(self, vals):
        if set(COSTED_FIELDS) & set(vals):
            staged = self.filtered(
                lambda fuel: fuel.cost_ids.filtered(lambda c: c.state != "rejected")
            )
            if staged:
                raise UserError(
                    _(
                        "Fuel transaction %s is staged as equipment cost already: "
                        "reject its cost line before correcting it.",
                        staged[0].display_name,
                    )
                )
        return super().write(vals)
