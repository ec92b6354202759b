import json

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

APPROVER = "base.group_user,construction_project_sync.group_project_approver"


@tagged("post_install", "-at_install")
class TestProgressQuantitiesOverHttp(FlowHttpMixin, HttpCase):
    """progress.quantities over real HTTP: cumulative quantities, one per job ×
    cost code × day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flow = cls.env.ref("construction_project_sync.flow_progress_quantities")
        cls.system, cls.key = make_system(
            cls.env,
            "field_qty",
            flow,
            groups=["construction_project_sync.group_project_manager"],
        )
        cls.job = cls.env["project.project"].create(
            {"name": "Pipe Job", "is_job": True, "job_number": "Q-001"}
        )
        CostCode = cls.env["construction.cost.code"]
        cls.pipe = CostCode.create({"code": "Q-33100", "name": "Water main"})
        cls.concrete = CostCode.create({"code": "Q-03300", "name": "Concrete"})
        cls.metre = cls.env.ref("uom.product_uom_meter")
        cls.m3 = cls.env.ref("uom.product_uom_cubic_meter")
        budget = cls.env["construction.budget"].create(
            {
                "job_id": cls.job.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "cost_code_id": cls.pipe.id,
                            "quantity": 800,
                            "uom_id": cls.metre.id,
                            "unit_cost": 150,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "cost_code_id": cls.concrete.id,
                            "quantity": 200,
                            "uom_id": cls.m3.id,
                            "unit_cost": 180,
                        },
                    ),
                ],
            }
        )
        approver = new_test_user(cls.env, "qty_approver", groups=APPROVER)
        budget.with_user(approver).action_approve()

    def report(self, day, lines, key, expect=202):
        return self.sync_flow(
            "progress.quantities",
            {"job_number": "Q-001", "report_date": day, "lines": lines},
            key,
            expect,
        )

    def installed(self, cost_code, day):
        self.env.flush_all()
        return (
            self.env["construction.earned.value"]
            .with_context(progress_date=day)
            .search([("job_id", "=", self.job.id), ("cost_code_id", "=", cost_code.id)])
        )

    def records(self, cost_code=None):
        return self.env["construction.installed.quantity"].search(
            [
                ("job_id", "=", self.job.id),
                ("cost_code_id", "=", (cost_code or self.pipe).id),
            ]
        )

    def test_same_report_twice_counts_once(self):
        lines = [
            {"cost_code": "Q-33100", "quantity_to_date": 200, "uom": "m"},
            {"cost_code": "Q-03300", "quantity_to_date": 50},
        ]
        message = self.report("2026-11-10", lines, "qty-1")
        self.assertEqual(message.state, "done", message.error_message)
        record = self.records()
        self.assertRecordValues(
            record, [{"quantity_to_date": 200, "uom_id": self.metre.id}]
        )
        self.assertEqual(
            message.lineage_ids.filtered(
                lambda link: link.res_model == record._name
            ).mapped("res_id"),
            (self.records(self.concrete) + record).ids,
        )
        # the same key again: the stored answer, nothing processed twice
        again = self.post_flow(
            "progress.quantities",
            {"job_number": "Q-001", "report_date": "2026-11-10", "lines": lines},
            "qty-1",
        )
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        # the field app resends it under a new key: cumulative, so still 200 m
        resent = self.report("2026-11-10", lines, "qty-1-resent")
        self.assertEqual(resent.state, "done")
        self.assertEqual(len(self.records()), 1)
        row = self.installed(self.pipe, "2026-11-10")
        self.assertEqual(
            (row.installed_quantity, row.percent_complete, row.earned_value),
            (200, 25, 30000),
        )

    def test_out_of_order_reports_keep_each_day(self):
        self.report(
            "2026-11-20", [{"cost_code": "Q-33100", "quantity_to_date": 500}], "late"
        )
        # the 10 November report arrives after the 20 November one
        early = self.report(
            "2026-11-10", [{"cost_code": "Q-33100", "quantity_to_date": 200}], "early"
        )
        self.assertEqual(early.state, "done")
        self.assertEqual(len(self.records()), 2)
        self.assertEqual(
            self.installed(self.pipe, "2026-11-25").installed_quantity, 500
        )
        self.assertEqual(
            self.installed(self.pipe, "2026-11-15").installed_quantity, 200
        )
        # a new figure for a day already reported corrects it, with a note
        fix = self.report(
            "2026-11-10", [{"cost_code": "Q-33100", "quantity_to_date": 210}], "fix"
        )
        self.assertIn("corrected to 210", fix.attempt_ids.error_message)
        self.assertEqual(
            self.installed(self.pipe, "2026-11-15").installed_quantity, 210
        )

    def test_units_are_converted_to_the_budget_unit(self):
        message = self.report(
            "2026-11-10",
            [{"cost_code": "Q-33100", "quantity_to_date": 0.25, "uom": "km"}],
            "km",
        )
        self.assertEqual(message.state, "done", message.error_message)
        self.assertRecordValues(
            self.records(), [{"quantity_to_date": 250, "uom_id": self.metre.id}]
        )
        wrong = self.report(
            "2026-11-11",
            [{"cost_code": "Q-33100", "quantity_to_date": 3, "uom": "m³"}],
            "wrong-kind",
        )
        self.assertEqual((wrong.state, wrong.error_code), ("dead", "unit_mismatch"))
        self.assertEqual(len(self.records()), 1)

    def test_bad_input_is_refused_kept_and_replayable(self):
        bad = self.post_flow(
            "progress.quantities",
            {
                "job_number": "Q-001",
                "report_date": "2026-11-10",
                "lines": [{"cost_code": "Q-33100", "quantity_to_date": -5}],
            },
            "bad-1",
        )
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(bad.headers["Content-Type"], "application/problem+json")
        problem = bad.json()
        self.assertEqual(problem["code"], "schema_validation_failed")
        rejected = self.env["integration.message"].browse(problem["message_id"])
        self.assertEqual(rejected.state, "rejected")
        # the corrected report under the same key takes its place
        fixed = self.report(
            "2026-11-10", [{"cost_code": "Q-33100", "quantity_to_date": 5}], "bad-1"
        )
        self.assertEqual((fixed.id, fixed.state), (rejected.id, "done"))

        not_a_date = self.post_flow(
            "progress.quantities",
            {"job_number": "Q-001", "report_date": "10/11/2026", "lines": []},
            "bad-2",
        )
        self.assertEqual(not_a_date.status_code, 422)
        self.assertEqual(len(json.loads(not_a_date.text)["errors"]), 2, not_a_date.text)

        # a cost code Odoo does not know yet: kept, retried, done once it exists
        early = self.report(
            "2026-11-10",
            [{"cost_code": "Q-02200", "quantity_to_date": 40}],
            "unknown-cc",
        )
        self.assertEqual(
            (early.state, early.error_code), ("failed", "unknown_cost_code")
        )
        earthwork = self.env["construction.cost.code"].create(
            {"code": "Q-02200", "name": "Earthwork"}
        )
        perform_jobs(self.env, include_future=True)
        early.invalidate_recordset()
        self.assertEqual(early.state, "done")
        self.assertEqual(self.records(earthwork).quantity_to_date, 40)

        # a unit Odoo does not have: dead letter, replayed once the unit exists
        unknown = self.report(
            "2026-11-11",
            [{"cost_code": "Q-33100", "quantity_to_date": 12, "uom": "lm"}],
            "unknown-unit",
        )
        self.assertEqual((unknown.state, unknown.error_code), ("dead", "unknown_unit"))
        self.env["uom.uom"].create(
            {
                "name": "lm",
                "category_id": self.metre.category_id.id,
                "uom_type": "bigger",
                "factor_inv": 1.0,
            }
        )
        unknown.action_replay()
        perform_jobs(self.env)
        unknown.invalidate_recordset()
        self.assertEqual(unknown.state, "done", unknown.error_message)
        self.assertEqual(
            self.records()
            .filtered(lambda r: str(r.date) == "2026-11-11")
            .quantity_to_date,
            12,
        )

    def test_an_implausible_jump_stands_and_is_raised_once(self):
        self.report(
            "2026-11-10", [{"cost_code": "Q-33100", "quantity_to_date": 200}], "d1"
        )
        # 240 m meant, 2400 typed
        slip = self.report(
            "2026-11-11", [{"cost_code": "Q-33100", "quantity_to_date": 2400}], "d2"
        )
        self.assertEqual(slip.state, "done", slip.error_message)
        exceptions = self.env["integration.exception"].search(
            [("reason_code", "=", "anomaly_quantity_jump")]
        )
        self.assertEqual(len(exceptions), 1)
        self.assertIn("12.0× the 200 measured on 2026-11-10", exceptions.description)
        self.assertEqual(exceptions.scope_id, self.job.id)
        self.assertEqual(exceptions.message_id, slip)
        self.report(
            "2026-11-11",
            [{"cost_code": "Q-33100", "quantity_to_date": 2400}],
            "d2-resent",
        )
        self.assertEqual(
            self.env["integration.exception"].search_count(
                [("reason_code", "=", "anomaly_quantity_jump")]
            ),
            1,
        )
        # real progress is no slip
        self.report(
            "2026-11-12", [{"cost_code": "Q-33100", "quantity_to_date": 2600}], "d3"
        )
        self.assertEqual(
            self.env["integration.exception"].search_count(
                [("reason_code", "=", "anomaly_quantity_jump")]
            ),
            1,
        )

    def test_one_figure_per_cost_code_in_a_report(self):
        twice = self.report(
            "2026-11-10",
            [
                {"cost_code": "Q-33100", "quantity_to_date": 5},
                {"cost_code": "Q-33100", "quantity_to_date": 6},
            ],
            "twice",
        )
        self.assertEqual((twice.state, twice.error_code), ("dead", "duplicate_line"))
        self.assertFalse(self.records())

    def test_flow_is_in_the_openapi_document(self):
        document = self.url_open("/api/construction/v1/openapi.json").json()
        operation = document["paths"]["/flows/progress.quantities"]["post"]
        self.assertIn("Cumulative", json.dumps(document))
        self.assertTrue(operation)
