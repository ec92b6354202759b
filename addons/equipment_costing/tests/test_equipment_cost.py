from datetime import date, datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

COORDINATOR = "base.group_user,equipment_costing.group_equipment_user"
APPROVER = "base.group_user,equipment_costing.group_equipment_manager"
DAY = date(2026, 11, 3)


@tagged("post_install", "-at_install")
class TestEquipmentCost(TransactionCase):
    """A worked example checked by hand: the excavator ran 6.5 h at 120 and idled
    1.5 h at 40 on 3 November (780 + 60 = 840); it took 210 l of fuel for 336.00
    (1.60 a litre)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company

        def user(login, groups, company=cls.company):
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.coordinator = user("ec_coordinator", COORDINATOR)
        cls.approver = user("ec_approver", APPROVER)
        cls.other_approver = user("ec_approver_2", APPROVER)
        cls.job = cls.env["project.project"].create(
            {"name": "Test Cut", "is_job": True, "job_number": "T-EC-1"}
        )
        cls.earthworks = cls.env["construction.cost.code"].create(
            {"code": "T-EC-31", "name": "Earthworks", "cost_type": "equipment"}
        )
        cls.excavator = cls.env["maintenance.equipment"].create(
            {"name": "Test Excavator", "equipment_number": "T-EC-EX1"}
        )
        Rate = cls.env["construction.equipment.rate"]
        for kind, amount in (("operating", 120), ("idle", 40)):
            Rate.create(
                {
                    "equipment_id": cls.excavator.id,
                    "kind": kind,
                    "amount": amount,
                    "date_from": date(2026, 1, 1),
                }
            )
        cls.assignment = cls.env["construction.equipment.assignment"].create(
            {
                "equipment_id": cls.excavator.id,
                "job_id": cls.job.id,
                "cost_code_id": cls.earthworks.id,
                "date_start": datetime(2026, 11, 1, 6),
            }
        )
        cls.usage = cls.make_usage(cls.excavator, DAY, 6.5, 1.5)
        cls.cc_column = cls.env.ref(
            "construction_project_sync.analytic_plan_cost_codes"
        )._column_name()

    @classmethod
    def make_usage(cls, machine, day, operating, idle, state="ok", job=None):
        job = job or cls.job
        # sudo: usage is derived by the suite from readings, never typed in
        return (
            cls.env["construction.equipment.usage"]
            .sudo()
            .create(
                {
                    "equipment_id": machine.id,
                    "company_id": job.company_id.id,
                    "date": day,
                    "job_id": job.id,
                    "assignment_id": machine.assignment_ids[:1].id,
                    "cost_code_id": cls.earthworks.id,
                    "operating_hours": operating,
                    "idle_hours": idle,
                    "state": state,
                }
            )
        )

    def stage(self, user=None, **kwargs):
        Cost = self.env["construction.equipment.cost"].with_user(
            user or self.coordinator
        )
        return Cost._stage(DAY, DAY, **kwargs)

    def approved(self):
        costs = self.stage()
        costs.with_user(self.approver).action_approve()
        return costs

    # ------------------------------------------------------------------ staging
    def test_worked_example_and_no_double_staging(self):
        costs = self.stage()
        self.assertEqual(
            sorted(costs.mapped(lambda c: (c.source, c.quantity, c.rate, c.amount))),
            [("idle", 1.5, 40.0, 60.0), ("operating", 6.5, 120.0, 780.0)],
        )
        self.assertEqual(sum(costs.mapped("amount")), 840.0)
        self.assertEqual(set(costs.mapped("state")), {"draft"})
        self.assertEqual(costs.job_id, self.job)
        self.assertEqual(costs.cost_code_id, self.earthworks)
        self.assertEqual(set(costs.mapped("cost_type")), {"equipment"})
        self.assertEqual(costs.usage_id, self.usage)
        self.assertEqual(costs.assignment_id, self.assignment)
        self.assertIn(self.coordinator, costs.approval_preparer_ids)

        # the period again, or a wider one: nothing twice
        self.assertFalse(self.stage())
        wider = (
            self.env["construction.equipment.cost"]
            .with_user(self.coordinator)
            ._stage(date(2026, 11, 1), date(2026, 11, 30), jobs=self.job)
        )
        self.assertFalse(wider)
        # what the usage derivation must leave alone
        Cost = self.env["construction.equipment.cost"]
        other = self.make_usage(self.excavator, date(2026, 11, 4), 1.0, 0.0)
        self.assertEqual(Cost._staged_usage(self.usage | other), self.usage)

    def test_wizard_stages_and_opens_the_lines(self):
        wizard = (
            self.env["construction.equipment.cost.staging"]
            .with_user(self.coordinator)
            .create({"date_from": DAY, "date_to": DAY, "job_ids": self.job.ids})
        )
        action = wizard.action_stage()
        costs = self.env["construction.equipment.cost"].search(action["domain"])
        self.assertEqual(sum(costs.mapped("amount")), 840.0)

    def test_flagged_usage_is_not_staged(self):
        truck = self.env["maintenance.equipment"].create({"name": "Test Truck"})
        self.env["construction.equipment.rate"].create(
            {
                "equipment_id": truck.id,
                "kind": "operating",
                "amount": 90,
                "date_from": date(2026, 1, 1),
            }
        )
        self.make_usage(truck, DAY, 30.0, 0.0, state="flagged")
        self.assertFalse(self.stage(machines=truck))

    def test_missing_rate_is_listed_never_zero(self):
        dozer = self.env["maintenance.equipment"].create({"name": "Test Dozer"})
        self.make_usage(dozer, DAY, 4.0, 1.0)
        with self.assertRaisesRegex(UserError, "Test Dozer, 2026-11-03: Operating"):
            self.stage()
        self.assertFalse(self.env["construction.equipment.cost"].search([]))

    def test_rented_machine_costs_its_assigned_days(self):
        vendor = self.env["res.partner"].create({"name": "Test Crane Hire"})
        crane = self.env["maintenance.equipment"].create(
            {
                "name": "Test Crane",
                "ownership": "rented",
                "partner_id": vendor.id,
                "rental_rate_basis": "week",
            }
        )
        self.env["construction.equipment.rate"].create(
            {
                "equipment_id": crane.id,
                "kind": "week",
                "amount": 2100,
                "date_from": date(2026, 1, 1),
            }
        )
        self.env["construction.equipment.assignment"].create(
            {
                "equipment_id": crane.id,
                "job_id": self.job.id,
                "cost_code_id": self.earthworks.id,
                "date_start": datetime(2026, 11, 2, 7),
                "date_end": datetime(2026, 11, 5, 0),
            }
        )
        costs = (
            self.env["construction.equipment.cost"]
            .with_user(self.coordinator)
            ._stage(date(2026, 11, 1), date(2026, 11, 30), machines=crane)
        )
        # 2, 3 and 4 November (it left at midnight): 3 days of 2,100 / 7 = 300
        self.assertEqual(costs.mapped("date"), [date(2026, 11, d) for d in (2, 3, 4)])
        self.assertEqual(set(costs.mapped("source")), {"rental_week"})
        self.assertEqual(sum(costs.mapped("amount")), 900.0)

    def test_fuel_and_repairs_are_staged_on_the_job(self):
        fuel = (
            self.env["construction.equipment.fuel"]
            .sudo()
            .create(
                {
                    "transaction_ref": "T-FUEL-1",
                    "equipment_id": self.excavator.id,
                    "company_id": self.company.id,
                    "transaction_datetime": datetime(2026, 11, 3, 12),
                    "litres": 210,
                    "amount": 336,
                    "currency_id": self.company.currency_id.id,
                    "job_id": self.job.id,
                    "assignment_id": self.assignment.id,
                }
            )
        )
        done = self.env["maintenance.stage"].search([("done", "=", True)], limit=1)
        repair = self.env["maintenance.request"].create(
            {
                "name": "Test hydraulic hose",
                "equipment_id": self.excavator.id,
                "stage_id": done.id,
                "close_date": DAY,
                "parts_cost": 200,
                "labour_cost": 150,
            }
        )
        costs = self.stage()
        fuel_cost = costs.filtered(lambda c: c.source == "fuel")
        self.assertEqual(
            (fuel_cost.quantity, fuel_cost.rate, fuel_cost.amount), (210, 1.6, 336)
        )
        self.assertEqual(fuel_cost.fuel_id, fuel)
        repairs = costs.filtered(lambda c: c.maintenance_request_id == repair)
        self.assertEqual(
            sorted(repairs.mapped(lambda c: (c.source, c.amount))),
            [("maintenance_labour", 150.0), ("maintenance_parts", 200.0)],
        )
        self.assertEqual(repairs.job_id, self.job)
        self.assertEqual(sum(costs.mapped("amount")), 840 + 336 + 350)
        self.assertFalse(self.stage(), "fuel and repairs are staged once too")
        # what was staged no longer changes under the cost line
        with self.assertRaises(UserError):
            fuel.with_user(self.coordinator).litres = 250
        with self.assertRaises(UserError):
            repair.with_user(self.coordinator).parts_cost = 20
        fuel.with_user(self.coordinator).location = "Yard tank 3"

    # ------------------------------------------------------------------ approval
    def test_approval_gate(self):
        costs = self.stage(user=self.approver)
        line = costs[0]
        # a coordinator is no approver; the approver who staged is a preparer
        with self.assertRaises(UserError):
            costs.with_user(self.coordinator).action_approve()
        with self.assertRaisesRegex(UserError, "another person"):
            costs.with_user(self.approver).action_approve()
        # state, approver and amount never by a write
        for vals in (
            {"state": "approved"},
            {"approved_by_id": self.other_approver.id},
            {"amount": 1.0},
            {"usage_id": False},
            {"source_key": "forged"},
            {"analytic_line_id": False},
            {"date": date(2026, 11, 4)},
            {"equipment_id": self.excavator.copy().id},
        ):
            with self.assertRaises(UserError, msg=vals):
                line.with_user(self.coordinator).write(vals)
        with self.assertRaises(UserError):
            self.env["construction.equipment.cost"].with_user(self.coordinator).create(
                {
                    "equipment_id": self.excavator.id,
                    "job_id": self.job.id,
                    "cost_code_id": self.earthworks.id,
                    "date": DAY,
                    "quantity": 1,
                    "rate": 1,
                    "state": "approved",
                }
            )
        # a line by hand claims no source: it would block the source's staging
        for vals in (
            {"source": "operating"},
            {"usage_id": self.usage.id},
            {"source_key": f"usage:{self.usage.id}:standby"},
        ):
            with self.assertRaises(UserError, msg=vals):
                self.env["construction.equipment.cost"].with_user(
                    self.coordinator
                ).create(
                    {
                        "equipment_id": self.excavator.id,
                        "job_id": self.job.id,
                        "cost_code_id": self.earthworks.id,
                        "date": DAY,
                        "quantity": 1,
                        "rate": 1,
                        **vals,
                    }
                )
        # a coordinator who corrects a figure becomes a preparer too
        line.with_user(self.coordinator).write({"quantity": line.quantity})
        self.assertIn(self.coordinator, line.approval_preparer_ids)
        costs.with_user(self.other_approver).action_approve()
        self.assertEqual(set(costs.mapped("state")), {"approved"})
        self.assertEqual(costs.approved_by_id, self.other_approver)
        # approved lines are read-only and kept
        with self.assertRaises(UserError):
            line.with_user(self.other_approver).write({"quantity": 99})
        with self.assertRaises(UserError):
            line.with_user(self.other_approver).unlink()
        # the preparer never posts
        with self.assertRaises(UserError):
            costs.with_user(self.approver).action_post()

    def test_approval_rules_by_amount(self):
        """Above 500 a second equipment cost approver signs too: the operating
        line (780) needs two approvals, the idle line (60) one."""
        Rule = self.env["construction.approval.rule"]
        for sequence, name in ((1, "Fleet manager"), (2, "Second signature")):
            Rule.create(
                {
                    "name": name,
                    "res_model": "construction.equipment.cost",
                    "sequence": sequence,
                    "min_amount": 500,
                    "group_id": self.env.ref(
                        "equipment_costing.group_equipment_manager"
                    ).id,
                }
            )
        costs = self.stage()
        big = costs.filtered(lambda c: c.amount > 500)
        small = costs - big
        costs.with_user(self.approver).action_approve()
        self.assertEqual(small.state, "approved")
        self.assertEqual(big.state, "draft")
        with self.assertRaisesRegex(UserError, "already"):
            big.with_user(self.approver).action_approve()
        big.with_user(self.other_approver).action_approve()
        self.assertEqual(big.state, "approved")

    def test_reject_keeps_the_reason_and_blocks_restaging(self):
        costs = self.stage()
        wizard_action = costs.with_user(self.approver).action_open_reject_wizard()
        wizard = (
            self.env["construction.approval.reject"]
            .with_user(self.approver)
            .with_context(**wizard_action["context"])
            .create({"reason": "Machine was in the shop"})
        )
        wizard.action_reject()
        self.assertEqual(set(costs.mapped("state")), {"rejected"})
        self.assertEqual(costs[0].rejection_reason, "Machine was in the shop")
        self.assertFalse(self.stage())
        costs.with_user(self.approver).action_reset_to_draft()
        self.assertEqual(set(costs.mapped("state")), {"draft"})

    # ------------------------------------------------------------------ posting
    def test_posting_figures_and_job_cost_actual(self):
        costs = self.approved()
        with self.assertRaises(UserError):
            costs.with_user(self.coordinator).action_post()
        costs.with_user(self.other_approver).action_post()
        self.assertEqual(set(costs.mapped("state")), {"posted"})
        lines = costs.analytic_line_id
        self.assertEqual(len(lines), 2)
        self.assertEqual(sorted(lines.mapped("amount")), [-780.0, -60.0])
        self.assertEqual(lines.account_id, self.job.account_id)
        self.assertEqual(lines[self.cc_column], self.earthworks.analytic_account_id)
        self.assertEqual(set(lines.mapped("construction_cost_type")), {"equipment"})
        self.env.flush_all()
        job_cost = self.env["construction.job.cost"].search(
            [("job_id", "=", self.job.id)]
        )
        self.assertEqual(
            [(r.cost_code_id, r.cost_type, r.actual) for r in job_cost],
            [(self.earthworks, "equipment", 840.0)],
        )
        # posted lines and their analytic lines are locked; posting twice does
        # nothing twice
        with self.assertRaises(UserError):
            costs[0].with_user(self.other_approver).write({"note": "x"})
        with self.assertRaises(UserError):
            lines[0].write({"amount": -1})
        with self.assertRaises(UserError):
            lines.unlink()
        with self.assertRaises(UserError):
            costs.with_user(self.other_approver).action_post()

    def test_unposted_cost_is_no_actual(self):
        self.approved()
        self.env.flush_all()
        job_cost = self.env["construction.job.cost"].search(
            [("job_id", "=", self.job.id)]
        )
        self.assertEqual(sum(job_cost.mapped("actual")), 0.0)

    def test_frozen_period_defers_posting(self):
        costs = self.approved()
        self.env["integration.freeze"].create(
            {
                "name": "November close",
                "company_id": self.company.id,
                "date_from": "2026-11-01",
                "date_to": "2026-11-30",
            }
        )
        with self.assertRaisesRegex(UserError, "cannot be posted"):
            costs.with_user(self.other_approver).action_post()
        self.assertEqual(set(costs.mapped("state")), {"approved"})
        self.assertFalse(costs.analytic_line_id)

    def test_same_company_chargeback_balances(self):
        yard = self.env["account.analytic.account"].create(
            {
                "name": "Test Yard",
                "plan_id": self.job.account_id.plan_id.id,
            }
        )
        self.excavator.recovery_analytic_account_id = yard
        costs = self.approved()
        costs.with_user(self.other_approver).action_post()
        recovery = costs.recovery_line_id
        self.assertEqual(len(recovery), 2)
        self.assertEqual(recovery.account_id, yard)
        self.assertEqual(sum(recovery.mapped("amount")), 840.0)
        self.assertEqual(
            sum((recovery | costs.analytic_line_id).mapped("amount")),
            0.0,
            "the job's charge and the yard's recovery balance",
        )
        with self.assertRaises(UserError):
            recovery[0].write({"amount": 1})

    def test_rented_machine_has_no_chargeback(self):
        yard = self.env["account.analytic.account"].create(
            {"name": "Test Yard 2", "plan_id": self.job.account_id.plan_id.id}
        )
        self.company.equipment_recovery_analytic_account_id = yard
        costs = self.approved()
        self.assertTrue(all(c._recovery_account() == yard for c in costs))
        vendor = self.env["res.partner"].create({"name": "Test Hire"})
        self.excavator.write(
            {
                "ownership": "rented",
                "partner_id": vendor.id,
                "rental_rate_basis": "hour",
            }
        )
        self.assertFalse(costs[0]._recovery_account())

    # ------------------------------------------------------------------ companies
    def test_multi_company_isolation(self):
        company_b = self.env["res.company"].create({"name": "Test Equipment Co B"})
        coordinator_b = new_test_user(
            self.env,
            "ec_coordinator_b",
            groups=COORDINATOR,
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        Cost = self.env["construction.equipment.cost"].with_user(coordinator_b)
        # staging as company B stages nothing of company A
        self.assertFalse(Cost._stage(DAY, DAY))
        costs = self.stage()
        self.assertEqual(len(costs), 2)
        self.assertFalse(Cost.search([]))
        fuel = (
            self.env["construction.equipment.fuel"]
            .sudo()
            .create(
                {
                    "transaction_ref": "T-FUEL-MC",
                    "equipment_id": self.excavator.id,
                    "company_id": self.company.id,
                    "transaction_datetime": datetime(2026, 11, 3, 12),
                    "litres": 50,
                    "amount": 80,
                    "currency_id": self.company.currency_id.id,
                    "job_id": self.job.id,
                }
            )
        )
        Fuel = self.env["construction.equipment.fuel"].with_user(coordinator_b)
        self.assertNotIn(fuel, Fuel.search([]))
        with self.assertRaises(AccessError):
            costs.with_user(coordinator_b).read(["amount"])

    def test_menus_views_and_access(self):
        pm = new_test_user(
            self.env,
            "ec_pm",
            groups="base.group_user,construction_project_sync.group_project_manager",
        )
        clerk = new_test_user(self.env, "ec_clerk", groups="base.group_user")
        costs = self.stage()
        Cost = self.env["construction.equipment.cost"]
        for user in (self.coordinator, self.approver, pm):
            views = Cost.with_user(user).get_views(
                [
                    (False, "list"),
                    (False, "form"),
                    (False, "search"),
                    (False, "pivot"),
                    (False, "graph"),
                ]
            )
            self.assertEqual(len(views["views"]), 5)
        self.assertEqual(len(Cost.with_user(pm).search([("id", "in", costs.ids)])), 2)
        with self.assertRaises(AccessError):
            costs.with_user(pm).action_approve()
        with self.assertRaises(AccessError):
            Cost.with_user(clerk).search([])
        with self.assertRaises(AccessError):
            self.env["construction.equipment.fuel"].with_user(clerk).search([])
        for xmlid in ("menu_equipment_cost", "menu_equipment_fuel"):
            self.assertTrue(self.env.ref(f"equipment_costing.{xmlid}").action)
        self.assertIn(
            self.env.ref("equipment_costing.action_server_equipment_cost_approve"),
            self.env["ir.actions.server"].search(
                [("binding_model_id.model", "=", "construction.equipment.cost")]
            ),
        )
        # the list's bulk approval, as the approver who did not stage
        self.env.ref(
            "equipment_costing.action_server_equipment_cost_approve"
        ).with_user(self.other_approver).with_context(
            active_model=Cost._name, active_ids=costs.ids
        ).run()
        self.assertEqual(set(costs.mapped("state")), {"approved"})
        form = (
            self.env["construction.equipment.cost.staging"]
            .with_user(self.coordinator)
            .get_views([(False, "form")])
        )
        self.assertIn("action_stage", form["views"]["form"]["arch"])


@tagged("post_install", "-at_install")
class TestEquipmentCostScale(TransactionCase):
    """Staging, approval and posting batch their queries: more lines, no more
    queries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.coordinator = new_test_user(cls.env, "ecs_coordinator", groups=COORDINATOR)
        cls.approver = new_test_user(cls.env, "ecs_approver", groups=APPROVER)
        cls.job = cls.env["project.project"].create(
            {"name": "Test Scale Job", "is_job": True, "job_number": "T-ECS-1"}
        )
        cls.cost_code = cls.env["construction.cost.code"].create(
            {"code": "T-ECS-31", "name": "Fleet", "cost_type": "equipment"}
        )

    def fleet(self, prefix, count, day):
        machines = self.env["maintenance.equipment"].create(
            [{"name": f"{prefix} {i}"} for i in range(count)]
        )
        self.env["construction.equipment.rate"].create(
            [
                {
                    "equipment_id": machine.id,
                    "kind": kind,
                    "amount": amount,
                    "date_from": date(2026, 1, 1),
                }
                for machine in machines
                for kind, amount in (("operating", 100), ("idle", 30))
            ]
        )
        self.env["construction.equipment.usage"].sudo().create(
            [
                {
                    "equipment_id": machine.id,
                    "company_id": self.job.company_id.id,
                    "date": day,
                    "job_id": self.job.id,
                    "cost_code_id": self.cost_code.id,
                    "operating_hours": 5 + i % 3,
                    "idle_hours": 1,
                }
                for i, machine in enumerate(machines)
            ]
        )
        return machines

    def run_period(self, machines, day):
        """Queries of staging, approving and posting the day of ``machines``."""
        counts = []
        self.env.flush_all()
        self.env.invalidate_all()
        Cost = self.env["construction.equipment.cost"]
        before = self.env.cr.sql_log_count
        costs = Cost.with_user(self.coordinator)._stage(day, day, machines=machines)
        self.env.flush_all()
        counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(len(costs), 2 * len(machines))
        for action in ("action_approve", "action_post"):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            getattr(costs.with_user(self.approver), action)()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(set(costs.mapped("state")), {"posted"})
        return counts

    def test_queries_do_not_grow_with_the_lines(self):
        self.run_period(self.fleet("Warm", 2, date(2026, 11, 9)), date(2026, 11, 9))
        small = self.run_period(
            self.fleet("Small", 3, date(2026, 11, 10)), date(2026, 11, 10)
        )
        large = self.run_period(
            self.fleet("Large", 30, date(2026, 11, 11)), date(2026, 11, 11)
        )
        for step, small_count, large_count in zip(
            ("staging", "approval", "posting"), small, large, strict=True
        ):
            self.assertLessEqual(
                large_count, small_count + 5, f"{step}: a query per line crept in"
            )
