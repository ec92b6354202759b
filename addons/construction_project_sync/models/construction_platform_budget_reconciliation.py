# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ConstructionPlatformBudgetReconciliation(models.AbstractModel):
    """The PM platform's latest estimate of each job (a budget version a system
    sent by budget.import, newer than the approved one and not approved yet)
    against the budget approved in Odoo: the platform re-estimated the job and
    Odoo's job cost still measures against the old figure. Fix: an activity for
    the job's project manager to approve the estimate or have the platform
    correct it."""

    _name = "construction.platform.budget.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "PM Platform Budget vs Approved Budget"

    @api.model
    def _reconcile(self, check, company):
        Budget = self.env["construction.budget"]
        drafts = Budget.search(
            [("company_id", "=", company.id), ("state", "=", "draft")]
        )
        # sudo: which system sent a budget is the hub's mapping table
        mappings = (
            self.env["integration.mapping"]
            .sudo()
            .search([("res_model", "=", Budget._name), ("res_id", "in", drafts.ids)])
        )
        sent_by = {mapping.res_id: mapping.system_id for mapping in mappings}
        approved = {
            budget.job_id: budget
            for budget in Budget.search(
                [("job_id", "in", drafts.job_id.ids), ("state", "=", "approved")]
            )
        }
        latest = {}
        for budget in drafts.filtered(lambda b: b.id in sent_by):
            if budget.version > latest.get(budget.job_id, Budget).version:
                latest[budget.job_id] = budget
        drifts = []
        for job, estimate in latest.items():
            current = approved.get(job)
            if not current or estimate.version < current.version:
                continue
            currency = estimate.currency_id
            difference = estimate.amount_total - current.amount_total
            if currency.is_zero(difference):
                continue
            drifts.append(
                {
                    "reference": job.display_name,
                    "message": _(
                        "%(system)s's estimate for %(job)s (budget v%(version)s, "
                        "waiting for approval) is %(difference)s %(direction)s than "
                        "the approved budget v%(approved)s (%(amount)s).",
                        system=sent_by[estimate.id].name,
                        job=job.display_name,
                        version=estimate.version,
                        difference=currency.format(abs(difference)),
                        direction=_("higher") if difference > 0 else _("lower"),
                        approved=current.version,
                        amount=currency.format(current.amount_total),
                    ),
                    "res_model": "project.project",
                    "res_id": job.id,
                    "expected": estimate.amount_total,
                    "actual": current.amount_total,
                    "fixable": True,
                }
            )
        return drifts

    @api.model
    def _fix(self, drift_lines):
        jobs = self.env["project.project"].browse(drift_lines.mapped("res_id"))
        estimates = self.env["construction.budget"].search(
            [("job_id", "in", jobs.exists().ids), ("state", "=", "draft")]
        )
        for job in jobs.exists():
            estimate = estimates.filtered(lambda b, job=job: b.job_id == job)[:1]
            (estimate or job).activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_(
                    "The PM platform re-estimated the job: approve its budget or "
                    "have the platform correct it"
                ),
                user_id=(job.user_id or self.env.user).id,
            )

    @api.model
    def _summarize(self, check, drift_lines):
        # each drift is a sentence already, with its figures
        return drift_lines.mapped("message")
