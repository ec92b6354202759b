# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class ProjectProject(models.Model):
    """A job's billing: its schedule of values, pay applications and the retention
    its customer holds."""

    _inherit = "project.project"

    sov_line_ids = fields.One2many(
        "construction.sov.line", "job_id", string="Schedule of Values"
    )
    sov_total = fields.Monetary(
        string="Schedule of Values Total",
        compute="_compute_sov_total",
        currency_field="currency_id",
    )

    pay_application_ids = fields.One2many(
        "construction.pay.application", "job_id", string="Pay Applications"
    )
    pay_application_count = fields.Integer(compute="_compute_pay_application_count")
    retention_held = fields.Monetary(
        compute="_compute_retention_held",
        currency_field="currency_id",
        help="Retention withheld on this job's pay application invoices (draft or "
        "posted) less what retention release invoices gave back.",
    )

    @api.depends("sov_line_ids.scheduled_value")
    def _compute_sov_total(self):
        for job in self:
            job.sov_total = sum(job.sov_line_ids.mapped("scheduled_value"))

    @api.depends("pay_application_ids")
    def _compute_pay_application_count(self):
        for job in self:
            job.pay_application_count = len(job.pay_application_ids)

    def _compute_retention_held(self):
        held = self._retention_held_amounts()
        for job in self:
            job.retention_held = held.get(job, 0.0)

    def _retention_held_amounts(self):
        withheld = self._retention_balances("progress")
        released = self._retention_balances("retention_release")
        return {job: withheld.get(job, 0.0) + released.get(job, 0.0) for job in self}

    def _retention_balances(self, kind):
        """Balance of the retention lines of the jobs' billing moves of ``kind``
        (draft or posted): positive what is withheld, negative what is released."""
        # sudo: the figure caps a release and feeds the G702; project people read it
        # without invoicing rights
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("move_id.construction_job_id", "in", self.ids),
                    ("move_id.construction_billing_kind", "=", kind),
                    ("construction_retention", "=", True),
                    ("parent_state", "!=", "cancel"),
                ],
                ["move_id"],
                ["balance:sum"],
            )
        )
        result = {}
        for move, balance in groups:
            job = self.browse(move.construction_job_id.id)
            result[job] = result.get(job, 0.0) + balance
        return result

    def _retention_released(self):
        self.ensure_one()
        return -self._retention_balances("retention_release").get(self, 0.0)

    def _billing_company(self):
        """The company that bills the job: its own, else (a job shared by
        companies) the current one."""
        self.ensure_one()
        return self.company_id or self.env.company

    def _create_billing_move(
        self, move_type, lines, kind, pay_application=None, ref=None
    ):
        """A customer invoice (or credit note) draft of the job; accounting posts
        it. Lines are account.move.line values."""
        self.ensure_one()
        company = (
            pay_application.company_id if pay_application else (self._billing_company())
        )
        # sudo: billing a job is a project controller's or approver's act; they need
        # no invoicing rights for a draft accounting reviews and posts.
        moves = self.env["account.move"].sudo().with_company(company)
        return moves.create(
            {
                "move_type": move_type,
                "partner_id": self.partner_id.id,
                "journal_id": company._construction_sale_journal().id,
                "invoice_origin": pay_application.name
                if pay_application
                else self.display_name,
                "ref": ref,
                "construction_job_id": self.id,
                "construction_pay_application_id": pay_application.id
                if pay_application
                else False,
                "construction_billing_kind": kind,
                "invoice_line_ids": [(0, 0, vals) for vals in lines],
            }
        )

    def _create_retention_release(self, amount, description=None):
        """A customer invoice draft of its own that bills (part of) the retention
        held back to the customer; never more than is held."""
        self.ensure_one()
        currency = self.currency_id
        held = self._retention_held_amounts()[self]
        if currency.compare_amounts(amount, 0) <= 0:
            raise UserError(_("The amount to release must be positive."))
        if currency.compare_amounts(amount, held) > 0:
            raise UserError(
                _(
                    "%(job)s holds %(held)s of retention: %(amount)s cannot be "
                    "released.",
                    job=self.display_name,
                    held=format_amount(self.env, held, currency),
                    amount=format_amount(self.env, amount, currency),
                )
            )
        if not self.partner_id:
            raise UserError(_("Job %s has no customer to invoice.", self.display_name))
        account = self._billing_company()._construction_retention_account()
        move = self._create_billing_move(
            "out_invoice",
            [
                {
                    "name": description or _("Retention release"),
                    "quantity": 1.0,
                    "price_unit": amount,
                    "account_id": account.id,
                    "construction_retention": True,
                    "tax_ids": [(6, 0, [])],
                }
            ],
            kind="retention_release",
            ref=_("Retention release, %s", self.display_name),
        )
        self.invalidate_recordset(["retention_held"])
        self.message_post(
            body=_(
                "Retention release of %(amount)s invoiced (draft %(move)s) by "
                "%(user)s; %(held)s still held.",
                amount=format_amount(self.env, amount, currency),
                move=move.display_name,
                user=self.env.user.name,
                held=format_amount(self.env, held - amount, currency),
            )
        )
        return move

    def action_view_sov(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_sov_line"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"default_job_id": self.id}
        return action

    def action_view_pay_applications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_pay_application"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"default_job_id": self.id}
        return action

    def action_release_retention(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Release Retention"),
            "res_model": "construction.retention.release",
            "view_mode": "form",
            "target": "new",
            "context": {"default_job_id": self.id},
        }
