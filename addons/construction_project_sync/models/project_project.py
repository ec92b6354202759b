# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class ProjectProject(models.Model):
    """A construction job is an Odoo project; its analytic account is the job
    dimension of every cost."""

    _name = "project.project"
    _inherit = ["project.project", "integration.lineage.mixin"]

    is_job = fields.Boolean(string="Construction Job", index=True)
    job_number = fields.Char(index=True, copy=False, tracking=True)
    job_state = fields.Selection(
        [
            ("bid", "Bid"),
            ("awarded", "Awarded"),
            ("active", "In Progress"),
            ("closed", "Closed"),
        ],
        default="bid",
        tracking=True,
    )
    contract_value = fields.Monetary(
        string="Original Contract", currency_field="currency_id", tracking=True
    )
    approved_change_value = fields.Monetary(
        compute="_compute_contract", currency_field="currency_id"
    )
    revised_contract_value = fields.Monetary(
        string="Revised Contract",
        compute="_compute_contract",
        currency_field="currency_id",
    )
    retention_percent = fields.Float(
        string="Retention (%)",
        default=10.0,
        tracking=True,
        help="Share of each progress billing the customer withholds until completion.",
    )
    phase_ids = fields.One2many("construction.phase", "job_id", string="Phases")
    budget_ids = fields.One2many("construction.budget", "job_id", string="Budgets")
    change_order_ids = fields.One2many(
        "construction.change.order", "job_id", string="Change Orders"
    )
    current_budget_id = fields.Many2one(
        "construction.budget", compute="_compute_current_budget"
    )

    _sql_constraints = [
        (
            "job_number_company_uniq",
            "unique(job_number, company_id)",
            "A job number is unique per company.",
        )
    ]

    @api.depends(
        "contract_value",
        "change_order_ids.state",
        "change_order_ids.kind",
        "change_order_ids.price_total",
    )
    def _compute_contract(self):
        for job in self:
            approved = job.change_order_ids.filtered(
                lambda co: co.state == "approved" and co.kind == "owner"
            )
            job.approved_change_value = sum(approved.mapped("price_total"))
            job.revised_contract_value = job.contract_value + job.approved_change_value

    @api.depends("budget_ids.state", "budget_ids.version")
    def _compute_current_budget(self):
        for job in self:
            approved = job.budget_ids.filtered(lambda b: b.state == "approved")
            job.current_budget_id = (
                approved.sorted("version")[-1:] if approved else False
            )

    @api.depends("job_number", "name")
    def _compute_display_name(self):
        result = super()._compute_display_name()
        for job in self.filtered("job_number"):
            job.display_name = f"[{job.job_number}] {job.name}"
        return result

    def _analytic_distribution(self, cost_code, percent=100.0):
        """job × cost code, as Odoo's analytic_distribution fields take it."""
        self.ensure_one()
        if not self.account_id:
            raise UserError(_("Job %s has no analytic account.") % self.display_name)
        return {f"{self.account_id.id},{cost_code.analytic_account_id.id}": percent}

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # a job carries costs (timesheets, an analytic account) and belongs to
            # the company holding its contract
            if vals.get("is_job"):
                vals.setdefault("allow_timesheets", True)
                vals.setdefault("company_id", self.env.company.id)
        return super().create(vals_list)

    def action_view_job_cost(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_job_cost"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"search_default_group_cost_code": 1}
        return action


class ConstructionPhase(models.Model):
    """A phase of a job (e.g. foundations, structure, envelope); the PM platform owns
    the schedule."""

    _name = "construction.phase"
    _description = "Job Phase"
    _inherit = ["integration.lineage.mixin"]
    _order = "job_id, sequence, code"

    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("is_job", "=", True)],
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    code = fields.Char(required=True)
    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    date_start = fields.Date()
    date_end = fields.Date()
    percent_complete = fields.Float(string="Complete (%)")

    _sql_constraints = [
        ("code_job_uniq", "unique(job_id, code)", "A phase code is unique per job."),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for phase in self:
            phase.display_name = f"{phase.code} {phase.name}"
