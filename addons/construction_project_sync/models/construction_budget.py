# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class ConstructionBudget(models.Model):
    """A version of a job's cost budget. Version 1 is the original; later versions
    re-baseline it. Only an approved (locked) version counts; approving a version
    supersedes the job's previous one."""

    _name = "construction.budget"
    _description = "Job Budget"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "integration.lineage.mixin",
        "construction.approval.mixin",
    ]
    _order = "job_id, version desc"

    name = fields.Char(compute="_compute_name", store=True)
    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="restrict",
        index=True,
        domain=[("is_job", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    version = fields.Integer(required=True, default=1, readonly=True, copy=False)
    kind = fields.Selection(
        [("original", "Original"), ("revision", "Revision")],
        compute="_compute_kind",
        store=True,
    )
    state = fields.Selection(
        [("draft", "Draft"), ("approved", "Approved"), ("superseded", "Superseded")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many("construction.budget.line", "budget_id", copy=True)
    amount_total = fields.Monetary(compute="_compute_amount_total", store=True)
    note = fields.Text()

    # a budget is approved from draft: there is no separate submission
    _approval_pending_states = ("draft",)
    _approval_locked_states = ("approved", "superseded")
    _approval_figure_fields = ("job_id", "line_ids")
    _approval_free_fields = ("note",)

    _sql_constraints = [
        (
            "version_uniq",
            "unique(job_id, version)",
            "A budget version is unique per job.",
        )
    ]

    @api.depends("job_id.display_name", "version")
    def _compute_name(self):
        for budget in self:
            budget.name = _("%(job)s budget v%(version)s") % {
                "job": budget.job_id.display_name,
                "version": budget.version,
            }

    @api.depends("version")
    def _compute_kind(self):
        for budget in self:
            budget.kind = "original" if budget.version == 1 else "revision"

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for budget in self:
            budget.amount_total = sum(budget.line_ids.mapped("amount"))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("job_id") and "version" not in vals:
                last = self.search(
                    [("job_id", "=", vals["job_id"])], order="version desc", limit=1
                )
                vals["version"] = (last.version or 0) + 1
        return super().create(vals_list)

    def _approval_amount(self):
        self.ensure_one()
        return self.amount_total

    def action_approve(self):
        """Give the current user's approval; a budget with every approval it needs
        is locked and supersedes the job's previous version."""
        for budget in self:
            if not budget.line_ids:
                raise UserError(_("%s has no lines.") % budget.name)
        approved = self._approval_approve()
        for budget in approved:
            previous = budget.job_id.budget_ids.filtered(
                lambda b, budget=budget: b.state == "approved" and b != budget
            )
            if previous:
                previous._approval_write({"state": "superseded"})
        approved._approval_log(
            dict.fromkeys(
                approved.ids, _("Approved and locked by %s.") % self.env.user.name
            )
        )
        return True

    def action_new_revision(self):
        self.ensure_one()
        if self.state == "draft":
            raise UserError(_("Approve %s before revising it.") % self.name)
        revision = self.copy({"job_id": self.job_id.id, "state": "draft"})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": revision.id,
            "view_mode": "form",
        }
