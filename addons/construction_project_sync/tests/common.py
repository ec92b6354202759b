from odoo.tests import TransactionCase, new_test_user

APPROVER_GROUPS = "base.group_user,construction_project_sync.group_project_approver"


def ensure_chart_of_accounts(env, company):
    """Invoices and journal entries need a chart of accounts; a database without
    one gets Odoo's generic chart, as Odoo's own accounting tests do."""
    if not company.chart_template:
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )


class JobCase(TransactionCase):
    """A job with two cost codes, for the job cost tests. Documents are prepared
    by the test's user and approved by ``approver`` (a preparer never approves
    their own)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(
            cls.env,
            "job_case_approver",
            groups=APPROVER_GROUPS,
            company_id=cls.env.company.id,
            company_ids=[(6, 0, cls.env.company.ids)],
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Owner Inc", "is_company": True}
        )
        cls.job = cls.env["project.project"].create(
            {
                "name": "Test Hall",
                "is_job": True,
                "job_number": "T-001",
                "partner_id": cls.customer.id,
                "contract_value": 100000,
            }
        )
        CostCode = cls.env["construction.cost.code"]
        cls.concrete = CostCode.create(
            {"code": "T-03300", "name": "Concrete", "cost_type": "material"}
        )
        cls.labor = CostCode.create(
            {"code": "T-03310", "name": "Placing", "cost_type": "labor"}
        )
        cls.cc_column = cls.env.ref(
            "construction_project_sync.analytic_plan_cost_codes"
        )._column_name()

    @classmethod
    def budget(cls, lines, approve=True):
        budget = cls.env["construction.budget"].create(
            {
                "job_id": cls.job.id,
                "line_ids": [
                    (0, 0, {"cost_code_id": cc.id, "quantity": 1, "unit_cost": amount})
                    for cc, amount in lines
                ],
            }
        )
        if approve:
            budget.with_user(cls.approver).action_approve()
        return budget

    @classmethod
    def change_order(cls, number, lines, state="approved", kind="owner"):
        co = cls.env["construction.change.order"].create(
            {
                "job_id": cls.job.id,
                "number": number,
                "name": f"Change {number}",
                "kind": kind,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "cost_code_id": cc.id,
                            "cost_amount": cost,
                            "price_amount": price,
                        },
                    )
                    for cc, cost, price in lines
                ],
            }
        )
        if state in ("pending", "approved"):
            co.action_submit()
        if state == "approved":
            co.with_user(cls.approver).action_approve()
        return co

    @classmethod
    def expense_account(cls):
        ensure_chart_of_accounts(cls.env, cls.env.company)
        return cls.env["account.account"].search(
            [
                *cls.env["account.account"]._check_company_domain(cls.env.company),
                ("account_type", "=", "expense"),
            ],
            limit=1,
        )

    @classmethod
    def actual(cls, cost_code, amount, account=None, post=True):
        """A journal entry of ``amount`` on an expense account (or ``account``)
        for job × ``cost_code`` (the job alone without one), posted unless told
        otherwise."""
        Account = cls.env["account.account"]
        account = account or cls.expense_account()
        counterpart = Account.search(
            [
                *Account._check_company_domain(cls.env.company),
                ("account_type", "=", "liability_current"),
            ],
            limit=1,
        )
        move = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-11-02",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"cost {amount}",
                            "account_id": account.id,
                            "debit": amount,
                            "analytic_distribution": (
                                cls.job._analytic_distribution(cost_code)
                                if cost_code
                                else {str(cls.job.account_id.id): 100}
                            ),
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": f"cost {amount}",
                            "account_id": counterpart.id,
                            "credit": amount,
                        },
                    ),
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def posted_field_time(cls, cost_code, hours, hourly_cost):
        """Field time approved by a supervisor, so posted as a timesheet."""
        employee = cls.env["hr.employee"].create(
            {"name": f"Crew {hours}", "hourly_cost": hourly_cost}
        )
        supervisor = new_test_user(
            cls.env,
            f"supervisor_{hours}_{hourly_cost}",
            groups="base.group_user,construction_project_sync.group_project_manager",
        )
        line = cls.env["construction.field.time"].create(
            {
                "job_id": cls.job.id,
                "cost_code_id": cost_code.id,
                "employee_id": employee.id,
                "date": "2026-11-02",
                "hours": hours,
            }
        )
        line.with_user(supervisor).action_approve()
        return line

    def job_cost(self):
        # a SQL view: flush what the ORM holds, forget what it cached
        self.env.flush_all()
        self.env.invalidate_all()
        rows = self.env["construction.job.cost"].search([("job_id", "=", self.job.id)])
        return {(row.cost_code_id, row.cost_type): row for row in rows}
