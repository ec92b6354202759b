from datetime import date, datetime

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.construction_project_sync.tests.common import (
    ensure_chart_of_accounts,
)

COORDINATOR = "base.group_user,equipment_costing.group_equipment_user"
APPROVER = "base.group_user,equipment_costing.group_equipment_manager"
DAY = date(2026, 11, 3)


@tagged("post_install", "-at_install")
class TestEquipmentChargeback(TransactionCase):
    """Company A's excavator (6.5 h at 120 + 1.5 h idle at 40 = 840) works on a
    job of company B: B's job bears 840 of equipment cost, A recovers 840 from B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Test Civil B"})
        for company in cls.company_a | cls.company_b:
            ensure_chart_of_accounts(cls.env, company)
        both = cls.company_a | cls.company_b

        def user(login, groups):
            # the group's fleet office works for both companies
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=cls.company_b.id,
                company_ids=[(6, 0, both.ids)],
            )

        cls.coordinator = user("cb_coordinator", COORDINATOR)
        cls.approver = user("cb_approver", APPROVER)
        cls.job = (
            cls.env["project.project"]
            .with_company(cls.company_b)
            .create(
                {
                    "name": "Test Viaduct",
                    "is_job": True,
                    "job_number": "T-CB-1",
                    "company_id": cls.company_b.id,
                }
            )
        )
        cls.cost_code = (
            cls.env["construction.cost.code"]
            .with_company(cls.company_b)
            .create(
                {
                    "code": "T-CB-31",
                    "name": "Piling",
                    "cost_type": "equipment",
                    "company_id": cls.company_b.id,
                }
            )
        )
        cls.excavator = cls.env["maintenance.equipment"].create(
            {"name": "Test Excavator A", "company_id": cls.company_a.id}
        )
        for kind, amount in (("operating", 120), ("idle", 40)):
            cls.env["construction.equipment.rate"].create(
                {
                    "equipment_id": cls.excavator.id,
                    "kind": kind,
                    "amount": amount,
                    "date_from": date(2026, 1, 1),
                }
            )
        assignment = cls.env["construction.equipment.assignment"].create(
            {
                "equipment_id": cls.excavator.id,
                "job_id": cls.job.id,
                "cost_code_id": cls.cost_code.id,
                "date_start": datetime(2026, 11, 1, 6),
            }
        )
        cls.env["construction.equipment.usage"].sudo().create(
            {
                "equipment_id": cls.excavator.id,
                "company_id": cls.company_b.id,
                "date": DAY,
                "job_id": cls.job.id,
                "assignment_id": assignment.id,
                "cost_code_id": cls.cost_code.id,
                "operating_hours": 6.5,
                "idle_hours": 1.5,
            }
        )
        cls.accounts = {}
        for company, fields_types in (
            (
                cls.company_a,
                (
                    (
                        "equipment_intercompany_receivable_account_id",
                        "asset_receivable",
                    ),
                    ("equipment_recovery_income_account_id", "income_other"),
                ),
            ),
            (
                cls.company_b,
                (
                    ("equipment_intercompany_cost_account_id", "expense"),
                    ("equipment_intercompany_payable_account_id", "liability_payable"),
                ),
            ),
        ):
            Account = cls.env["account.account"].with_company(company)
            for field, account_type in fields_types:
                account = Account.search(
                    [
                        *Account._check_company_domain(company),
                        ("account_type", "=", account_type),
                    ],
                    limit=1,
                )
                company[field] = account
                cls.accounts[field] = account

    def posted(self):
        costs = (
            self.env["construction.equipment.cost"]
            .with_user(self.coordinator)
            .with_context(allowed_company_ids=(self.company_b | self.company_a).ids)
            ._stage(DAY, DAY, companies=self.company_b)
        )
        approver = costs.with_user(self.approver)
        approver.action_approve()
        approver.action_post()
        return costs

    def balance(self, moves, field):
        lines = moves.line_ids.filtered(
            lambda line: line.account_id == self.accounts[field]
        )
        return sum(lines.mapped("balance"))

    def test_intercompany_chargeback_balances_and_reverses(self):
        costs = self.posted()
        self.assertEqual(sum(costs.mapped("amount")), 840.0)
        self.assertEqual(costs.company_id, self.company_b)
        moves = costs.chargeback_move_ids
        self.assertEqual(len(moves), 4, "two lines, an entry on each side")
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        for move in moves:
            self.assertEqual(
                sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit"))
            )
        self.assertEqual(
            moves.filtered(
                lambda m: m.company_id == self.company_a
            ).line_ids.partner_id,
            self.company_b.partner_id,
        )
        self.assertEqual(
            self.balance(moves, "equipment_intercompany_receivable_account_id"), 840
        )
        self.assertEqual(
            self.balance(moves, "equipment_recovery_income_account_id"), -840
        )
        self.assertEqual(
            self.balance(moves, "equipment_intercompany_cost_account_id"), 840
        )
        self.assertEqual(
            self.balance(moves, "equipment_intercompany_payable_account_id"), -840
        )
        # the job bears the cost once: the analytic line of the equipment cost
        self.assertFalse(moves.line_ids.analytic_line_ids)
        self.env.flush_all()
        actual = self.env["construction.job.cost"].search(
            [("job_id", "=", self.job.id)]
        )
        self.assertEqual(sum(actual.mapped("actual")), 840.0)
        # the reversal takes it all back, the job keeps its cost
        with self.assertRaises(UserError):
            costs.with_user(self.coordinator).action_reverse_chargeback()
        costs.with_user(self.approver).action_reverse_chargeback()
        self.assertTrue(all(costs.mapped("chargeback_reversed")))
        everything = costs.chargeback_move_ids
        self.assertEqual(len(everything), 8)
        for field in self.accounts:
            self.assertEqual(self.balance(everything, field), 0.0, field)
        self.assertFalse(costs.filtered("has_chargeback"))
        with self.assertRaises(UserError):
            costs.with_user(self.approver).action_reverse_chargeback()
        self.env.flush_all()
        self.assertEqual(sum(actual.mapped("actual")), 840.0)

    def test_missing_accounts_post_nothing(self):
        self.company_a.equipment_recovery_income_account_id = False
        with self.assertRaisesRegex(UserError, "Test Excavator|chargeback accounts"):
            self.posted()
        self.assertFalse(
            self.env["construction.equipment.cost"].search(
                [("job_id", "=", self.job.id), ("state", "=", "posted")]
            )
        )

    def test_same_company_recovery_reverses(self):
        self.excavator.company_id = self.company_b
        yard = self.env["account.analytic.account"].create(
            {
                "name": "Test Yard B",
                "plan_id": self.job.account_id.plan_id.id,
                "company_id": self.company_b.id,
            }
        )
        self.company_b.equipment_recovery_analytic_account_id = yard
        costs = self.posted()
        self.assertFalse(costs.chargeback_move_ids)
        self.assertEqual(sum(costs.recovery_line_id.mapped("amount")), 840.0)
        costs.with_user(self.approver).action_reverse_chargeback()
        reversal = costs.recovery_reversal_line_id
        self.assertEqual(sum(reversal.mapped("amount")), -840.0)
        self.assertEqual(reversal.account_id, yard)
        with self.assertRaises(UserError):
            reversal[0].unlink()
