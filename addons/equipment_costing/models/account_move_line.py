# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

VENDOR_BILLS = ("in_invoice", "in_refund")
RENTAL_FIELDS = ("equipment_id", "equipment_period_start", "equipment_period_end")


class AccountMoveLine(models.Model):
    """A vendor bill line naming a rented or leased machine is the rental vendor's
    charge for it over a period: the equipment cost staging allocates it to the
    jobs the machine was assigned to, so the line itself carries no job analytic
    distribution (job cost would count the rental twice)."""

    _inherit = "account.move.line"

    equipment_id = fields.Many2one(
        "maintenance.equipment",
        string="Rented Machine",
        index="btree_not_null",
        ondelete="restrict",
        domain="[('ownership', 'in', ('rented', 'leased')),"
        " ('company_id', 'in', (company_id, False))]",
        help="The rented or leased machine this line charges for: the equipment "
        "cost staging spreads the line over the jobs the machine was assigned to "
        "within the rental period. Leave the line without job analytics.",
    )
    equipment_period_start = fields.Date(
        string="Rental From", help="First day the vendor charges for."
    )
    equipment_period_end = fields.Date(
        string="Rental To", help="Last day the vendor charges for (included)."
    )

    @api.constrains(*RENTAL_FIELDS, "move_id")
    def _check_equipment_rental(self):
        for line in self.filtered("equipment_id"):
            machine = line.equipment_id
            if line.move_id.move_type not in VENDOR_BILLS:
                raise ValidationError(
                    _("Only a vendor bill line charges for a rented machine.")
                )
            if machine.ownership not in ("rented", "leased"):
                raise ValidationError(
                    _("%s is not rented or leased.", machine.display_name)
                )
            if machine.company_id and machine.company_id != line.company_id:
                raise ValidationError(
                    _(
                        "%(machine)s belongs to another company than the bill "
                        "%(bill)s.",
                        machine=machine.display_name,
                        bill=line.move_id.display_name,
                    )
                )
            start, end = line.equipment_period_start, line.equipment_period_end
            if not start or not end or start > end:
                raise ValidationError(
                    _(
                        "Bill line %s names a rented machine: give the rental period "
                        "it charges for (from, to).",
                        line.display_name,
                    )
                )

    @api.constrains("analytic_distribution", "equipment_id")
    def _check_equipment_no_job_analytic(self):
        # a draft line may still be being entered (distribution models fill it in);
        # the post checks drafts, this keeps a posted line from getting it later
        self.filtered(
            lambda line: line.parent_state == "posted"
        )._check_equipment_job_analytic()

    def _check_equipment_job_analytic(self):
        """A line naming a machine is allocated to jobs by the equipment cost
        staging: a job in its analytic distribution would count it twice."""
        lines = self.filtered(
            lambda line: line.equipment_id and line.analytic_distribution
        )
        if not lines:
            return
        # sudo: which analytic accounts are jobs' decides the rule, whoever posts
        jobs = (
            self.env["project.project"]
            .sudo()
            .search(
                [
                    ("is_job", "=", True),
                    ("account_id", "in", lines.distribution_analytic_account_ids.ids),
                ]
            )
        )
        for line in lines:
            if line.distribution_analytic_account_ids & jobs.account_id:
                raise UserError(
                    _(
                        "Bill line “%(line)s” of %(bill)s charges for the rented "
                        "machine %(machine)s and has a job in its analytic "
                        "distribution. Remove the job: the equipment cost staging "
                        "allocates the rental to the jobs the machine was assigned "
                        "to, and job cost would count it twice.",
                        line=line.name or line.display_name,
                        bill=line.move_id.display_name,
                        machine=line.equipment_id.display_name,
                    )
                )

    def write(self, vals):
        if set(RENTAL_FIELDS) & set(vals):
            posted = self.filtered(lambda line: line.parent_state == "posted")
            for line in posted:
                if any(
                    self.env["account.move"]._field_will_change(line, vals, name)
                    for name in RENTAL_FIELDS
                    if name in vals
                ):
                    # the staging read the machine and period of the posted bill
                    raise UserError(
                        _(
                            "The rented machine and rental period of a posted bill "
                            "line change only after resetting the bill to draft "
                            "(%s).",
                            line.move_id.display_name,
                        )
                    )
        return super().write(vals)
