from datetime import date, datetime

from odoo.tests import HttpCase, new_test_user, tagged

# Tuesday 10 and Wednesday 11 November 2026
DAY, NEXT_DAY = date(2026, 11, 10), date(2026, 11, 11)


@tagged("post_install", "-at_install")
class TestEquipmentCostTour(HttpCase):
    """Reading → usage → approval → job cost in the browser: the telematics
    readings of a machine became a proven day (staged as cost by a coordinator)
    and an impossible one (flagged); the approver accepts the flagged day,
    approves and posts the staged cost and reads it in job cost."""

    def test_reading_usage_approval_job_cost_tour(self):
        self.env.company.partner_id.tz = "UTC"
        coordinator = new_test_user(
            self.env,
            "tour_eq_coordinator",
            groups="base.group_user,equipment_costing.group_equipment_user",
        )
        job = self.env["project.project"].create(
            {"name": "Tour Quarry", "is_job": True, "job_number": "TOUR-EQ"}
        )
        cost_code = self.env["construction.cost.code"].create(
            {"code": "TOUR-EQ-31", "name": "Tour haulage", "cost_type": "equipment"}
        )
        machine = self.env["maintenance.equipment"].create(
            {"name": "Tour Excavator", "equipment_number": "TOUR-EX"}
        )
        for kind, amount in (("operating", 100), ("idle", 40)):
            self.env["construction.equipment.rate"].create(
                {
                    "equipment_id": machine.id,
                    "kind": kind,
                    "amount": amount,
                    "date_from": date(2026, 1, 1),
                }
            )
        self.env["construction.equipment.assignment"].create(
            {
                "equipment_id": machine.id,
                "job_id": job.id,
                "cost_code_id": cost_code.id,
                "date_start": datetime(2026, 11, 1, 6),
            }
        )
        # the meters at the end of each day: 7.5 h worked and 1 h idle on the
        # 10th, then 32.5 h in a day (a jump the day cannot hold)
        readings = []
        for day, operating, idle in ((9, 1000.0, 200.0), (10, 1007.5, 201.0)) + (
            (11, 1040.0, 202.0),
        ):
            for kind, value in (("operating_hours", operating), ("idle_hours", idle)):
                readings.append(
                    {
                        "equipment_id": machine.id,
                        "company_id": self.env.company.id,
                        "kind": kind,
                        "value": value,
                        "reading_datetime": datetime(2026, 11, day, 17),
                    }
                )
        # sudo: readings come from the telematics flow only
        self.env["construction.equipment.reading"].sudo().create(readings)
        usage = self.env["construction.equipment.usage"]._recompute(
            machine.ids, DAY, NEXT_DAY
        )
        proven = usage.filtered(lambda u: u.date == DAY)
        flagged = usage.filtered(lambda u: u.date == NEXT_DAY)
        self.assertEqual(
            (proven.state, proven.operating_hours, proven.idle_hours),
            ("ok", 7.5, 1.0),
        )
        self.assertEqual(flagged.state, "flagged")
        # staged by a coordinator, not by the approver the tour logs in as
        costs = (
            self.env["construction.equipment.cost"]
            .with_user(coordinator)
            ._stage(DAY, DAY, machines=machine)
        )
        self.assertEqual(sum(costs.mapped("amount")), 790.0)

        self.start_tour("/odoo", "equipment_usage_cost_job_cost", login="admin")

        admin = self.env.ref("base.user_admin")
        self.assertEqual((flagged.state, flagged.reviewed_by_id), ("accepted", admin))
        self.assertEqual(set(costs.mapped("state")), {"posted"})
        self.assertEqual(costs.approved_by_id, admin)
        actual = self.env["construction.job.cost"].search(
            [("job_id", "=", job.id), ("cost_code_id", "=", cost_code.id)]
        )
        self.assertEqual(sum(actual.mapped("actual")), 790.0)
