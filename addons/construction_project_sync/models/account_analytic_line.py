# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .construction_common import COST_TYPES


class AccountAnalyticLine(models.Model):
    """Analytic lines as job cost: a timesheet posted from approved field time is
    locked, and lines not from journal items (timesheets, later equipment postings)
    keep out of frozen and locked periods as journal items do."""

    _inherit = "account.analytic.line"

    construction_cost_type = fields.Selection(
        COST_TYPES,
        string="Cost Type",
        help="Overrides the cost code's cost type in job cost (e.g. labor for field "
        "time, equipment for equipment postings).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_construction_period()
        return lines

    def write(self, vals):
        self._check_posted_field_time()
        # the period a line leaves and the one it enters must both be open
        self._check_construction_period()
        result = super().write(vals)
        if {"date", "company_id"} & set(vals):
            self._check_construction_period()
        return result

    def unlink(self):
        self._check_posted_field_time()
        self._check_construction_period()
        return super().unlink()

    def _check_posted_field_time(self):
        """A timesheet posted from approved field time is what the supervisor
        approved: nobody edits or deletes it (a project controller takes posted
        time back through the field time line: construction.field.time._unpost)."""
        if not self:
            return
        # sudo: the lock binds everyone, whatever they may read of field time
        field_time = self.env["construction.field.time"].sudo()
        domain = [("timesheet_id", "in", self.ids)]
        # a count without ORDER BY: field time's order (date) with LIMIT 1 makes
        # PostgreSQL walk that index for a match that is usually not there, and
        # hr_timesheet writes each new timesheet once more after creating it
        posted = field_time.search_count(domain, limit=1) and field_time.search(
            domain, limit=1
        )
        if posted:
            raise UserError(
                _(
                    "This time was approved and posted from field time (%s): it is "
                    "what the supervisor approved and can no longer be edited or "
                    "deleted.",
                    posted.display_name,
                )
            )

    def _check_construction_period(self):
        """Lines from journal items follow their entry's lock dates; the others ask
        the suite's one posting check."""
        dates_by_company = defaultdict(set)
        for line in self:
            if not line.move_line_id and line.company_id and line.date:
                dates_by_company[line.company_id].add(line.date)
        freeze = self.env["integration.freeze"]
        for company, dates in dates_by_company.items():
            freeze._check_posting(company, dates)
