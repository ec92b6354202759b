from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestJobCostTour(HttpCase):
    def test_budget_change_order_job_cost_tour(self):
        job = self.env["project.project"].create(
            {"name": "Tour Hall", "is_job": True, "job_number": "TOUR-J"}
        )
        cost_code = self.env["construction.cost.code"].create(
            {"code": "TOUR-1", "name": "Tour concrete", "cost_type": "material"}
        )
        change_order = self.env["construction.change.order"].create(
            {
                "job_id": job.id,
                "number": "TOUR-CO-1",
                "name": "Tour change",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "cost_code_id": cost_code.id,
                            "cost_amount": 750,
                            "price_amount": 900,
                        },
                    )
                ],
            }
        )
        change_order.action_submit()
        # prepared by another user than the approver the tour logs in as
        self.env["construction.budget"].create(
            {
                "job_id": job.id,
                "line_ids": [(0, 0, {"cost_code_id": cost_code.id, "unit_cost": 5000})],
            }
        )
        self.start_tour(
            "/odoo", "construction_budget_change_order_job_cost", login="admin"
        )
        budget = job.budget_ids
        self.assertEqual((budget.state, budget.amount_total), ("approved", 5000))
        self.assertEqual(change_order.state, "approved")
        self.assertEqual(change_order.approved_by_id, self.env.ref("base.user_admin"))
