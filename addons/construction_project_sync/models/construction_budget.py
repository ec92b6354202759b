# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .construction_common import COST_TYPES


class ConstructionBudget(models.Model):
    """A version of a job's cost budget. Version 1 is the original; later versions
    re-baseline it. Only an approved (locked) version counts."""

    _name = "construction.budget"
    _description = "Job Budget"
    _inherit = ["mail.thread", "mail.activity.mixin", "integration.lineage.mixin"]
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
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False)
    note = fields.Text()

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

    def write(self, vals):
        if set(vals) - {
            "state",
            "approved_by_id",
            "approved_at",
            "note",
            "message_main_attachment_id",
        }:
            locked = self.filtered(lambda b: b.state != "draft")
            if locked:
                raise UserError(
                    _("%s is approved and locked; create a revision instead.")
                    % locked[0].name
                )
        return super().write(vals)

    def action_approve(self):
        if not self.env.user.has_group(
            "construction_project_sync.group_project_approver"
        ):
            raise UserError(_("Only an approver may approve a budget."))
        for budget in self:
            if budget.state != "draft":
                raise UserError(_("%s is not a draft.") % budget.name)
            if not budget.line_ids:
                raise UserError(_("%s has no lines.") % budget.name)
            previous = budget.job_id.budget_ids.filtered(
                lambda b, budget=budget: b.state == "approved" and b != budget
            )
            previous.write({"state": "superseded"})
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "approved_at": fields.Datetime.now(),
            }
        )
        for budget in self:
            budget.message_post(
                body=_("Approved and locked by %s.") % self.env.user.name
            )

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

    def unlink(self):
        if self.filtered(lambda b: b.state != "draft"):
            raise UserError(_("Approved budgets are kept; only drafts can be deleted."))
        return super().unlink()


class ConstructionBudgetLine(models.Model):
    _name = "construction.budget.line"
    _description = "Job Budget Line"
    _order = "budget_id, phase_id, cost_code_id, cost_type"

    budget_id = fields.Many2one(
        "construction.budget", required=True, ondelete="cascade", index=True
    )
    job_id = fields.Many2one(related="budget_id.job_id", store=True, index=True)
    company_id = fields.Many2one(related="budget_id.company_id", store=True)
    currency_id = fields.Many2one(related="budget_id.currency_id")
    phase_id = fields.Many2one(
        "construction.phase", domain="[('job_id', '=', job_id)]", ondelete="restrict"
    )
    cost_code_id = fields.Many2one(
        "construction.cost.code", required=True, ondelete="restrict", index=True
    )
    cost_type = fields.Selection(
        COST_TYPES,
        required=True,
        compute="_compute_cost_type",
        store=True,
        readonly=False,
        precompute=True,
    )
    description = fields.Char()
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    uom_id = fields.Many2one("uom.uom", string="UoM")
    unit_cost = fields.Monetary()
    amount = fields.Monetary(
        compute="_compute_amount", store=True, readonly=False, precompute=True
    )

    @api.depends("cost_code_id")
    def _compute_cost_type(self):
        for line in self:
            line.cost_type = line.cost_code_id.cost_type or line.cost_type or "other"

    @api.depends("quantity", "unit_cost")
    def _compute_amount(self):
        for line in self:
            line.amount = (
                line.currency_id.round(line.quantity * line.unit_cost)
                if line.currency_id
                else line.quantity * line.unit_cost
            )

    @api.constrains("phase_id", "budget_id")
    def _check_phase_job(self):
        for line in self:
            if line.phase_id and line.phase_id.job_id != line.job_id:
                raise ValidationError(
                    _("A budget line's phase must belong to its job.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        budgets = self.env["construction.budget"].browse(
            [vals["budget_id"] for vals in vals_list if vals.get("budget_id")]
        )
        if budgets.filtered(lambda b: b.state != "draft"):
            raise UserError(_("Lines cannot be added to an approved budget."))
        return super().create(vals_list)

    def write(self, vals):
        if self.budget_id.filtered(lambda b: b.state != "draft"):
            raise UserError(_("Lines of an approved budget cannot change."))
        return super().write(vals)

    def unlink(self):
        if self.budget_id.filtered(lambda b: b.state != "draft"):
            raise UserError(_("Lines of an approved budget cannot be deleted."))
        return super().unlink()
