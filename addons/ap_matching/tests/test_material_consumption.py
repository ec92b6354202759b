# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    ingest,
    make_system,
    perform_jobs,
)

from .consumption_common import CONSUMER_GROUPS, consumed, setup_consumption, stock


class ConsumptionCase(TransactionCase):
    """The van, job and system of ``setup_consumption``, and the flow run as the
    job runner would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_consumption(cls)
        cls.Consumption = cls.env["construction.material.consumption"]

    def run_flow(self, payloads, prefix="k"):
        results = ingest(self.env, self.system, self.flow, payloads, prefix=prefix)
        perform_jobs(self.env)
        messages = self.env["integration.message"].browse(
            [result["message_id"] for result in results]
        )
        messages.invalidate_recordset()
        return messages

    def on_hand(self, location=None):
        return self.env["stock.quant"]._get_available_quantity(
            self.pipe, location or self.van
        )

    def job_cost_actual(self):
        self.env.flush_all()
        rows = self.env["construction.job.cost"].search(
            [
                ("job_id", "=", self.job.id),
                ("cost_code_id", "=", self.cost_code.id),
                ("cost_type", "=", "material"),
            ]
        )
        return sum(rows.mapped("actual"))


@tagged("post_install", "-at_install")
class TestMaterialConsumption(ConsumptionCase):
    def test_worked_example_moves_values_and_posts_job_cost(self):
        """Van 12 holds 20 pipes at 12.50 (250.00 in stock). The crew uses 6 on the
        riser: the van holds 14 (175.00), job consumption got 6, job cost carries
        75.00 of material on job × cost code, once."""
        valuation = self.env["stock.valuation.layer"]
        self.assertEqual(self.on_hand(), 20)
        self.assertEqual(
            sum(valuation.search([("product_id", "=", self.pipe.id)]).mapped("value")),
            250.0,
        )
        message = self.run_flow([consumed("USE-1", 6)])
        self.assertEqual(message.state, "done", message.error_message)
        line = self.Consumption.search([("external_id", "=", "USE-1")])
        self.assertEqual(self.on_hand(), 14)
        self.assertEqual(
            sum(valuation.search([("product_id", "=", self.pipe.id)]).mapped("value")),
            175.0,
        )
        move = line.stock_move_id
        self.assertEqual(move.state, "done")
        self.assertEqual(move.location_id, self.van)
        self.assertTrue(move.location_dest_id.is_job_consumption)
        self.assertEqual(move.location_dest_id.usage, "production")
        self.assertEqual(move.stock_valuation_layer_ids.value, -75.0)
        self.assertEqual((line.value, line.amount), (75.0, 75.0))
        self.assertEqual((line.task_id, line.cost_code_id), (self.task, self.cost_code))
        analytic = line.analytic_line_id
        self.assertEqual(analytic.amount, -75.0)
        self.assertEqual(analytic.account_id, self.job.account_id)
        self.assertEqual(analytic.construction_cost_type, "material")
        self.assertEqual(str(analytic.date), "2026-11-30")
        self.assertEqual(self.job_cost_actual(), 75.0)
        # the valuation entry carries no job: material counts once in job cost
        entry = move.stock_valuation_layer_ids.account_move_id
        self.assertTrue(entry)
        self.assertFalse(any(entry.line_ids.mapped("analytic_distribution")))
        linked = message.lineage_ids.filtered(
            lambda lin: lin.res_model == "construction.material.consumption"
        )
        self.assertEqual(linked.res_id, line.id)

    def test_same_report_twice_moves_stock_once(self):
        first = self.run_flow([consumed("USE-2", 4)], prefix="a")
        again = self.run_flow([consumed("USE-2", 4)], prefix="b")
        self.assertEqual((first.state, again.state), ("done", "done"))
        attempt = self.env["integration.message.attempt"].search(
            [("message_id", "=", again.id)]
        )
        self.assertIn("recorded already", attempt.error_message)
        self.assertEqual(self.on_hand(), 16)
        self.assertEqual(
            len(self.Consumption.search([("job_id", "=", self.job.id)])), 1
        )
        self.assertEqual(self.job_cost_actual(), 50.0)

    def test_more_than_the_van_holds_is_an_exception_replayed_once_stock_arrives(self):
        message = self.run_flow([consumed("USE-3", 25)])
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "insufficient_stock")
        self.assertEqual(self.on_hand(), 20)
        self.assertFalse(self.Consumption.search([("job_id", "=", self.job.id)]))
        exception = self.env["integration.exception"].search(
            [("message_id", "=", message.id)]
        )
        self.assertTrue(exception)
        # the van is restocked: the same message now goes through, once
        stock(self.env, self.pipe, self.van, 30)
        message.action_replay()
        perform_jobs(self.env)
        message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.on_hand(), 5)
        self.assertEqual(self.job_cost_actual(), 312.5)

    def test_unknown_item_location_and_unit_are_exceptions(self):
        messages = self.run_flow(
            [
                consumed("USE-4", 1, product_code="NOPE-1"),
                consumed("USE-5", 1, location_external_id="VAN-99"),
                consumed("USE-6", 1, uom="kg"),
                consumed("USE-7", 1, job_external_id="JOB-NONE"),
            ]
        )
        self.assertEqual(
            messages.mapped("error_code"),
            [
                "unknown_product",
                "unknown_location",
                "unknown_unit",
                "unknown_reference",
            ],
        )
        self.assertEqual(self.on_hand(), 20)

    def test_unit_is_converted_and_location_found_by_barcode(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        self.van.barcode = "T-VAN12-BC"
        message = self.run_flow(
            [consumed("USE-8", 1, uom=dozen.name, location_external_id="T-VAN12-BC")]
        )
        self.assertEqual(message.state, "done", message.error_message)
        line = self.Consumption.search([("external_id", "=", "USE-8")])
        self.assertEqual((line.quantity, line.product_qty), (1, 12))
        self.assertEqual(self.on_hand(), 8)
        self.assertEqual(line.amount, 150.0)

    def test_frozen_period_defers_and_moves_nothing(self):
        self.env["integration.freeze"].create(
            {
                "name": "Test November close",
                "company_id": self.company.id,
                "date_from": "2026-11-01",
                "date_to": "2026-11-30",
            }
        )
        message = self.run_flow([consumed("USE-9", 2)])
        self.assertEqual(message.state, "deferred")
        self.assertEqual(self.on_hand(), 20)

    def bought_for_the_job(self, product, quantity):
        """``quantity`` of ``product`` ordered for job × cost code, received and
        billed from the order (bill posted)."""
        vendor = self.env["res.partner"].create({"name": "Test Pipe Supply"})
        order = self.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "job_id": self.job.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": quantity,
                            "price_unit": 12.5,
                            "taxes_id": [Command.clear()],
                            "analytic_distribution": self.job._analytic_distribution(
                                self.cost_code
                            ),
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        receipt = order.picking_ids
        receipt.move_ids.quantity = quantity
        receipt.move_ids.picked = True
        receipt.button_validate()
        order.action_create_invoice()
        bill = order.invoice_ids
        bill.invoice_date = "2026-11-20"
        bill.action_post()
        return bill

    def test_billed_to_the_job_is_not_counted_twice(self):
        """Pipes valued periodically, bought on the job's own order (job × cost
        code on the line): the bill expenses them and is their job cost; consuming
        them from stock posts only what is beyond the billed quantity."""
        self.category.property_valuation = "manual_periodic"
        bill = self.bought_for_the_job(self.pipe, 4)
        self.assertEqual(bill.invoice_line_ids.account_id.account_type, "expense")
        self.assertEqual(self.job_cost_actual(), 50.0)
        self.run_flow([consumed("USE-10", 3)], prefix="a")
        self.run_flow([consumed("USE-11", 3)], prefix="b")
        first, second = self.Consumption.search(
            [("job_id", "=", self.job.id)], order="id"
        )
        self.assertEqual((first.charged_by_bill_qty, first.amount), (3, 0.0))
        self.assertFalse(first.analytic_line_id)
        self.assertEqual((second.charged_by_bill_qty, second.amount), (1, 25.0))
        # 6 pipes used: 4 on the bill, 2 from stock
        self.assertEqual(self.job_cost_actual(), 75.0)

    def test_stock_valued_in_real_time_is_job_cost_when_consumed(self):
        """Valued in real time (anglo-saxon), the bill puts the pipes in stock
        (stock input account), not on job cost: consumption is their job cost."""
        self.company.anglo_saxon_accounting = True
        bill = self.bought_for_the_job(self.pipe, 4)
        self.assertNotEqual(bill.invoice_line_ids.account_id.account_type, "expense")
        self.assertEqual(self.job_cost_actual(), 0.0)
        self.run_flow([consumed("USE-16", 3)])
        line = self.Consumption.search([("external_id", "=", "USE-16")])
        self.assertEqual((line.charged_by_bill_qty, line.amount), (0, 37.5))
        self.assertEqual(self.job_cost_actual(), 37.5)

    def test_consumption_and_its_cost_line_are_read_only(self):
        self.run_flow([consumed("USE-12", 2)])
        line = self.Consumption.search([("external_id", "=", "USE-12")])
        keeper = new_test_user(
            self.env,
            "test_consumption_keeper",
            groups="stock.group_stock_manager,project.group_project_manager,"
            "account.group_account_manager",
        )
        with self.assertRaises(UserError):
            line.with_user(keeper).write({"quantity": 1})
        with self.assertRaises(AccessError):
            self.Consumption.with_user(keeper).create(
                {
                    "external_id": "FAKE",
                    "system_id": self.system.id,
                    "company_id": self.company.id,
                    "job_id": self.job.id,
                    "product_id": self.pipe.id,
                    "quantity": 100,
                    "uom_id": self.pipe.uom_id.id,
                    "location_id": self.van.id,
                    "stock_move_id": line.stock_move_id.id,
                    "consumed_at": "2026-11-30 08:00:00",
                    "date": "2026-11-30",
                }
            )
        admin = self.env.ref("base.user_admin")
        with self.assertRaises(UserError):
            line.with_user(admin).write({"quantity": 1})
        with self.assertRaises(UserError):
            line.with_user(admin).unlink()
        with self.assertRaises(UserError):
            line.unlink()
        with self.assertRaises(UserError):
            line.analytic_line_id.with_user(keeper).write({"amount": -1})
        with self.assertRaises(UserError):
            line.analytic_line_id.with_user(keeper).unlink()

    def test_consumption_screens_open_from_the_job(self):
        reader = new_test_user(
            self.env,
            "test_consumption_views",
            groups="stock.group_stock_user,project.group_project_user",
        )
        self.Consumption.with_user(reader).get_views(
            [
                (False, "list"),
                (False, "form"),
                (False, "pivot"),
                (False, "graph"),
                (False, "search"),
            ]
        )
        job_form = (
            self.env["project.project"]
            .with_user(reader)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        action = self.env.ref("ap_matching.action_material_consumption")
        self.assertIn(f'name="{action.id}"', job_form)

    def test_work_order_bills_its_consumed_material(self):
        self.run_flow([consumed("USE-13", 2), consumed("USE-14", 3)])
        self.assertEqual(
            [
                (m["product"], m["quantity"], m["uom"])
                for m in self.task._work_order_billable_materials()
            ],
            [(self.pipe, 5.0, self.pipe.uom_id)],
        )

    def test_reconciliation_consumed_vs_moved(self):
        check = self.env.ref("ap_matching.reconciliation_check_consumption_moves")
        self.run_flow([consumed("USE-15", 5)])

        def drift():
            return check._run(self.company).drift_ids

        self.assertFalse(drift())
        line = self.Consumption.search([("external_id", "=", "USE-15")])
        # 2 come back from the job to the van: the job cost still says 5
        ret = self.env["stock.move"].create(
            {
                "name": "Test return",
                "product_id": self.pipe.id,
                "product_uom": self.pipe.uom_id.id,
                "product_uom_qty": 2,
                "location_id": line.stock_move_id.location_dest_id.id,
                "location_dest_id": self.van.id,
                "origin_returned_move_id": line.stock_move_id.id,
            }
        )
        ret._action_confirm()
        ret.quantity = 2
        ret.picked = True
        ret._action_done()
        # 3 moved to job consumption by hand, with no report
        by_hand = self.env["stock.move"].create(
            {
                "name": "Test by hand",
                "product_id": self.pipe.id,
                "product_uom": self.pipe.uom_id.id,
                "product_uom_qty": 3,
                "location_id": self.van.id,
                "location_dest_id": line.stock_move_id.location_dest_id.id,
            }
        )
        by_hand._action_confirm()
        by_hand._action_assign()
        by_hand.quantity = 3
        by_hand.picked = True
        by_hand._action_done()
        found = drift()
        job_drift = found.filtered(lambda d: d.res_model == "project.project")
        self.assertEqual((job_drift.expected, job_drift.actual), (5, 3))
        move_drift = found.filtered(lambda d: d.res_model == "stock.move")
        self.assertEqual(move_drift.res_id, by_hand.id)


@tagged("post_install", "-at_install")
class TestMaterialConsumptionMultiCompany(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_consumption(cls)
        cls.other = cls.env["res.company"].create({"name": "Test Consumption Co B"})
        cls.env.user.company_ids |= cls.other
        ingest(cls.env, cls.system, cls.flow, [consumed("USE-MC", 2)])
        perform_jobs(cls.env)

    def test_other_company_sees_no_consumption_and_its_system_cannot_use_ours(self):
        Consumption = self.env["construction.material.consumption"]
        ours = Consumption.search([("external_id", "=", "USE-MC")])
        self.assertTrue(ours)
        reader = new_test_user(
            self.env,
            "test_consumption_reader_b",
            groups="stock.group_stock_user",
            company_id=self.other.id,
            company_ids=[Command.set(self.other.ids)],
        )
        self.assertFalse(Consumption.with_user(reader).search([]))
        with self.assertRaises(AccessError):
            ours.with_user(reader).read(["quantity"])
        # the other company's field system names our van and job: refused
        system_b, _key = make_system(
            self.env,
            "field_consume_b",
            self.flow,
            company=self.other,
            groups=CONSUMER_GROUPS,
        )
        mapping = self.env["integration.mapping"]
        mapping._link(system_b, self.job, "JOB-C1")
        mapping._link(system_b, self.van, "VAN-12")
        result = ingest(self.env, system_b, self.flow, [consumed("USE-B", 1)])[0]
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(result["message_id"])
        self.assertNotEqual(message.state, "done")
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(self.pipe, self.van), 18
        )


@tagged("post_install", "-at_install")
class TestMaterialDemand(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_consumption(cls)
        cls.demand_flow = cls.env.ref("ap_matching.flow_material_demand")
        cls.site, _key = make_system(
            cls.env,
            "field_demand_test",
            cls.demand_flow,
            groups=[*CONSUMER_GROUPS, "purchase_request.group_purchase_request_user"],
        )
        mapping = cls.env["integration.mapping"]
        for record, ref in (
            (cls.job, "JOB-C1"),
            (cls.task, "WO-C1"),
            (cls.van, "VAN-12"),
        ):
            mapping._link(cls.site, record, ref)

    def demand(self, ref, quantity, prefix):
        result = ingest(
            self.env,
            self.site,
            self.demand_flow,
            [
                {
                    "external_id": ref,
                    "job_external_id": "JOB-C1",
                    "work_order_external_id": "WO-C1",
                    "location_external_id": "VAN-12",
                    "needed_by": "2026-12-10",
                    "lines": [{"product_code": "T-PIPE-22", "quantity": quantity}],
                }
            ],
            prefix=prefix,
        )[0]
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(result["message_id"])
        message.invalidate_recordset()
        return message

    def test_demand_beyond_the_van_becomes_one_material_request(self):
        covered = self.demand("NEED-1", 15, "a")
        self.assertEqual(covered.state, "done", covered.error_message)
        self.assertFalse(
            self.env["purchase.request"].search([("job_id", "=", self.job.id)])
        )
        short = self.demand("NEED-2", 26, "b")
        self.assertEqual(short.state, "done", short.error_message)
        request = self.env["purchase.request"].search([("job_id", "=", self.job.id)])
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(request.cost_code_id, self.cost_code)
        self.assertEqual(request.line_ids.product_id, self.pipe)
        self.assertEqual(request.line_ids.product_qty, 6)
        again = self.demand("NEED-2", 26, "c")
        self.assertEqual(again.state, "done")
        self.assertEqual(
            len(self.env["purchase.request"].search([("job_id", "=", self.job.id)])),
            1,
        )
