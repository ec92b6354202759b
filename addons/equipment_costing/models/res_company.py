# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    equipment_standard_day_hours = fields.Float(
        string="Standard Day Hours",
        default=8.0,
        help="A machine assigned to a job and reporting on a working day is on "
        "standby for these hours less its operating and idle hours.",
    )
    equipment_max_hours_per_day = fields.Float(
        string="Most Meter Hours a Day",
        default=24.0,
        help="Operating, idle or PTO hours above this on one day are flagged as an "
        "implausible jump (never more than the day has).",
    )
    equipment_max_fuel_per_day = fields.Float(
        string="Most Fuel a Day",
        help="Litres; more on one day is flagged. Zero: no check.",
    )
    equipment_max_distance_per_day = fields.Float(
        string="Most Distance a Day",
        help="Kilometres; more on one day is flagged. Zero: no check.",
    )
    equipment_settle_days = fields.Integer(
        string="Usage Settled Within (days)",
        default=7,
        help="Daily usage older than this is expected to be settled: flagged days "
        "accepted or corrected, costable hours staged and approved. The "
        "reconciliation checks report what is not.",
    )
    equipment_rental_idle_days = fields.Integer(
        string="Rental Idle After (days)",
        default=3,
        help="A rented or leased machine on a job that reported no operating or idle "
        "hours for this many days is reported as idle (off-hire it or move it).",
    )

    equipment_cost_code_id = fields.Many2one(
        "construction.cost.code",
        string="Default Equipment Cost Code",
        help="Equipment cost of a machine whose usage or assignment names no cost "
        "code is staged on this one.",
    )
    equipment_recovery_analytic_account_id = fields.Many2one(
        "account.analytic.account",
        string="Equipment Recovery Account",
        help="The yard or department owning the company's machines: it is credited "
        "with what a job of the company is charged for them (internal chargeback), "
        "unless the machine names its own.",
    )
    # internal chargeback between companies: the owner's side
    equipment_recovery_income_account_id = fields.Many2one(
        "account.account",
        string="Equipment Recovery Income",
        help="Income of the company owning a machine another company's job used.",
    )
    equipment_intercompany_receivable_account_id = fields.Many2one(
        "account.account",
        string="Equipment Receivable from Companies",
        help="What another company of the group owes for using the company's machines.",
    )
    # the user's side
    equipment_intercompany_cost_account_id = fields.Many2one(
        "account.account",
        string="Equipment Cost from Companies",
        help="Expense of using another company's machine; the job's own cost is the "
        "analytic line of the equipment cost, so this entry carries no analytic "
        "distribution (job cost counts it once).",
    )
    equipment_intercompany_payable_account_id = fields.Many2one(
        "account.account",
        string="Equipment Payable to Companies",
        help="What the company owes another company of the group for its machines.",
    )
    equipment_chargeback_journal_id = fields.Many2one(
        "account.journal",
        help="Miscellaneous journal of the chargeback entries; empty: the first "
        "miscellaneous journal of the company.",
    )

    def _equipment_chargeback_setup(self, side):
        """(journal, debit account, credit account) of the company's chargeback
        entries, as owner (``side`` "owner") or user of the machine; a clear error
        names what is missing."""
        self.ensure_one()
        if side == "owner":
            debit = self.equipment_intercompany_receivable_account_id
            credit = self.equipment_recovery_income_account_id
        else:
            debit = self.equipment_intercompany_cost_account_id
            credit = self.equipment_intercompany_payable_account_id
        # sudo: the journal is configuration an equipment approver may not read
        journal = self.equipment_chargeback_journal_id or self.env[
            "account.journal"
        ].sudo().search(
            [("company_id", "=", self.id), ("type", "=", "general")], limit=1
        )
        if not (debit and credit and journal):
            raise UserError(
                _(
                    "%(company)s has no chargeback accounts for equipment it "
                    "%(side)s: set them on the company (Equipment Cost tab).",
                    company=self.name,
                    side=_("lends") if side == "owner" else _("borrows"),
                )
            )
        return journal, debit, credit

    @api.constrains(
        "equipment_standard_day_hours",
        "equipment_max_hours_per_day",
        "equipment_max_fuel_per_day",
        "equipment_max_distance_per_day",
        "equipment_settle_days",
        "equipment_rental_idle_days",
    )
    def _check_equipment_usage_settings(self):
        for company in self:
            if not 0 <= company.equipment_standard_day_hours <= 24:
                raise ValidationError(_("Standard day hours are between 0 and 24."))
            if not 0 < company.equipment_max_hours_per_day <= 24:
                raise ValidationError(
                    _("The most meter hours a day are above 0 and at most 24.")
                )
            if (
                company.equipment_max_fuel_per_day < 0
                or company.equipment_max_distance_per_day < 0
            ):
                raise ValidationError(_("Usage thresholds cannot be negative."))
            if (
                company.equipment_settle_days < 0
                or company.equipment_rental_idle_days < 1
            ):
                raise ValidationError(
                    _(
                        "Usage is settled within zero days or more; a rental is "
                        "idle after one day or more."
                    )
                )
