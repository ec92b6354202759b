from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import JobCase


@tagged("post_install", "-at_install")
class TestJobSecurity(JobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Builder B"})
        Project = cls.env["project.project"].with_company(cls.company_b)
        cls.job_b = Project.create(
            {
                "name": "B Hall",
                "is_job": True,
                "job_number": "B-1",
                "company_id": cls.company_b.id,
            }
        )
        cls.code_b = (
            cls.env["construction.cost.code"]
            .with_company(cls.company_b)
            .create(
                {
                    "code": "B-03300",
                    "name": "Concrete B",
                    "company_id": cls.company_b.id,
                }
            )
        )
        budget_b = (
            cls.env["construction.budget"]
            .with_company(cls.company_b)
            .create(
                {
                    "job_id": cls.job_b.id,
                    "line_ids": [
                        (0, 0, {"cost_code_id": cls.code_b.id, "unit_cost": 777})
                    ],
                }
            )
        )
        cls.approver.company_ids = [(4, cls.company_b.id)]
        budget_b.with_user(cls.approver).with_company(cls.company_b).action_approve()
        cls.budget([(cls.concrete, 1000)])
        group = cls.env.ref("construction_project_sync.group_project_controller")
        cls.controller_a = cls.env["res.users"].create(
            {
                "name": "Controller A",
                "login": "controller_a_sec",
                "company_id": cls.env.company.id,
                "company_ids": [(6, 0, cls.env.company.ids)],
                "groups_id": [(6, 0, group.ids)],
            }
        )
        cls.manager_a = cls.env["res.users"].create(
            {
                "name": "Manager A",
                "login": "manager_a_sec",
                "groups_id": [
                    (
                        6,
                        0,
                        cls.env.ref(
                            "construction_project_sync.group_project_manager"
                        ).ids,
                    )
                ],
            }
        )

    def test_job_cost_and_budgets_of_another_company_are_invisible(self):
        self.env.flush_all()
        rows = self.env["construction.job.cost"].with_user(self.controller_a).search([])
        self.assertIn(self.job, rows.job_id)
        self.assertNotIn(self.job_b, rows.job_id)
        budgets = (
            self.env["construction.budget"].with_user(self.controller_a).search([])
        )
        self.assertNotIn(self.job_b, budgets.job_id)
        with self.assertRaises(AccessError):
            self.job_b.budget_ids.with_user(self.controller_a).read(["amount_total"])
        codes = (
            self.env["construction.cost.code"].with_user(self.controller_a).search([])
        )
        self.assertNotIn(self.code_b, codes)

    def test_a_project_manager_reads_cost_codes_but_does_not_change_them(self):
        codes = self.env["construction.cost.code"].with_user(self.manager_a)
        self.assertIn(self.concrete, codes.search([]))
        with self.assertRaises(AccessError):
            codes.create({"code": "X-1", "name": "Not mine"})
        with self.assertRaises(AccessError):
            self.concrete.with_user(self.manager_a).write({"name": "Renamed"})
