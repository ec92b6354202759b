import csv
import io
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    ingest,
    make_system,
    perform_jobs,
)

from .common import JobCase

API = "/api/construction/v1"
SUPERVISOR = "base.group_user,construction_project_sync.group_project_manager"
CONTROLLER = "base.group_user,construction_project_sync.group_project_controller"


@tagged("post_install", "-at_install")
class TestFieldTimeFlowOverHttp(FlowHttpMixin, HttpCase):
    """timesheet.batch through the real API: staging, bad payloads, resubmission."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.flow = env.ref("construction_project_sync.flow_timesheet_batch")
        cls.system, cls.key = make_system(
            env,
            "fieldapp_test",
            cls.flow,
            groups=["construction_project_sync.group_project_manager"],
        )
        cls.job = env["project.project"].create(
            {"name": "Field Hall", "is_job": True, "job_number": "FT-001"}
        )
        cls.phase = env["construction.phase"].create(
            {"job_id": cls.job.id, "code": "10", "name": "Slab"}
        )
        cls.cost_code = env["construction.cost.code"].create(
            {"code": "FT-03310", "name": "Placing", "cost_type": "labor"}
        )
        cls.mapped_employee = env["hr.employee"].create(
            {"name": "Mapped Worker", "hourly_cost": 40}
        )
        cls.badge_employee = env["hr.employee"].create(
            {"name": "Badge Worker", "hourly_cost": 30, "barcode": "FT9002"}
        )
        mapping = env["integration.mapping"]
        mapping._link(cls.system, cls.job, "PRJ-FT")
        mapping._link(cls.system, cls.mapped_employee, "EMP-1")
        cls.supervisor = new_test_user(env, "ft_supervisor_http", groups=SUPERVISOR)

    def post(self, payload, key):
        return self.post_flow("timesheet.batch", payload, key)

    def sync(self, payload, key, expect=202):
        return self.sync_flow("timesheet.batch", payload, key, expect)

    @staticmethod
    def batch(batch_id="B-1", **changes):
        lines = [
            {
                "line_id": "L-1",
                "employee_external_id": "EMP-1",
                "job_external_id": "PRJ-FT",
                "cost_code": "FT-03310",
                "date": "2026-11-16",
                "hours": 8,
                "note": "Placing slab",
            },
            {
                "line_id": "L-2",
                "employee_external_id": "FT9002",
                "job_number": "FT-001",
                "phase_code": "10",
                "cost_code": "FT-03310",
                "date": "2026-11-16",
                "hours": 7.5,
                "equipment_ref": "PUMP-7",
            },
        ]
        for line in lines:
            line.update(changes.get(line["line_id"], {}))
        return {"batch_id": batch_id, "lines": lines}

    def field_time(self):
        return self.env["construction.field.time"].search(
            [("job_id", "=", self.job.id)], order="line_ref"
        )

    def timesheet_count(self):
        return self.env["account.analytic.line"].search_count(
            [("project_id", "=", self.job.id)]
        )

    def test_batch_is_staged_and_resubmission_creates_nothing_twice(self):
        message = self.sync(self.batch(), "ft-1")
        self.assertEqual(message.state, "done", message.error_message)
        lines = self.field_time()
        self.assertEqual(lines.mapped("line_ref"), ["L-1", "L-2"])
        self.assertEqual(set(lines.mapped("state")), {"submitted"})
        self.assertEqual(set(lines.mapped("batch_ref")), {"B-1"})
        first, second = lines
        # the employee by the system's mapping, or else by badge id; the job by
        # external id or by number
        self.assertEqual(first.employee_id, self.mapped_employee)
        self.assertEqual(second.employee_id, self.badge_employee)
        self.assertEqual((first.job_id, second.job_id), (self.job, self.job))
        self.assertEqual(second.phase_id, self.phase)
        self.assertEqual(second.equipment_ref, "PUMP-7")
        self.assertEqual(first.company_id, self.system.company_id)
        self.assertEqual(
            sorted(message.lineage_ids.mapped("res_id")), sorted(lines.ids)
        )
        self.assertEqual(set(message.lineage_ids.mapped("action")), {"created"})
        # staged only: nothing is posted before a supervisor approves
        self.assertEqual(self.timesheet_count(), 0)
        self.assertFalse(lines.sudo().timesheet_id)

        # the same key and payload: the API answers as before, nothing runs again
        again = self.post(self.batch(), "ft-1")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        # the same batch under another key: processed, nothing created twice
        message = self.sync(self.batch(), "ft-1-resent")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.field_time(), lines)
        self.assertEqual(set(message.lineage_ids.mapped("action")), {"linked"})
        # a corrected submitted line is updated in place
        message = self.sync(self.batch(**{"L-1": {"hours": 9}}), "ft-2")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.field_time(), lines)
        self.assertEqual(first.hours, 9)

        # approved time: an identical resubmission is fine, a change is refused
        first.with_user(self.supervisor).action_approve()
        self.assertEqual(first.state, "posted")
        self.assertEqual(self.timesheet_count(), 1)
        message = self.sync(self.batch(**{"L-1": {"hours": 9}}), "ft-3")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.timesheet_count(), 1)
        message = self.sync(self.batch(**{"L-1": {"hours": 10}}), "ft-4")
        self.assertEqual(
            (message.state, message.error_code), ("dead", "field_time_locked")
        )
        self.assertIn("already approved", message.error_message)
        self.assertIn("L-1", message.error_message)
        self.assertTrue(message.exception_ids)
        self.assertEqual(first.hours, 9)
        self.assertEqual(len(self.field_time()), 2)
        self.assertEqual(self.timesheet_count(), 1)

    def test_bad_payloads(self):
        for index, payload in enumerate(
            (
                {"batch_id": "X"},  # no lines
                {"batch_id": "X", "lines": []},
                self.batch(**{"L-1": {"hours": 0}}),
                self.batch(**{"L-2": {"hours": 25}}),
                self.batch(**{"L-1": {"date": "16/11/2026"}}),
                {"batch_id": "X", "lines": [{"line_id": "1", "cost_code": "FT-03310"}]},
            )
        ):
            response = self.post(payload, f"bad-{index}")
            self.assertEqual(response.status_code, 422, payload)
            self.assertEqual(response.json()["code"], "schema_validation_failed")
        # a line without a job (neither external id nor number)
        no_job = self.batch()
        del no_job["lines"][0]["job_external_id"]
        self.assertEqual(self.post(no_job, "bad-no-job").status_code, 422)
        self.assertFalse(self.field_time())

        # an employee Odoo does not know yet waits and retries; nothing is staged
        unknown = self.batch(**{"L-2": {"employee_external_id": "FT9999"}})
        message = self.sync(unknown, "unknown-employee")
        self.assertEqual(
            (message.state, message.error_code), ("failed", "unknown_employee")
        )
        self.assertIn("FT9999", message.error_message)
        self.assertFalse(self.field_time())
        self.badge_employee.barcode = "FT9999"
        perform_jobs(self.env, include_future=True)
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(len(self.field_time()), 2)

        # the same line twice in one batch is refused for good
        twice = self.batch("B-2")
        twice["lines"][1]["line_id"] = "L-1"
        message = self.sync(twice, "twice")
        self.assertEqual(
            (message.state, message.error_code), ("dead", "duplicate_line")
        )
        self.assertEqual(len(self.field_time()), 2)

    def test_rejected_line_corrected_by_resubmission(self):
        self.sync(self.batch(), "rej-1")
        first = self.field_time()[0]
        first.with_user(self.supervisor).action_reject("Wrong cost code")
        # resent unchanged: still rejected, the reason kept
        self.sync(self.batch(), "rej-2")
        self.assertEqual(
            (first.state, first.rejection_reason), ("rejected", "Wrong cost code")
        )
        # corrected: submitted again, the earlier reason still readable
        message = self.sync(self.batch(**{"L-1": {"hours": 6}}), "rej-3")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual((first.state, first.hours), ("submitted", 6))
        self.assertEqual(first.rejection_reason, "Wrong cost code")
        self.assertIn("submitted again", " ".join(first.message_ids.mapped("body")))
        self.assertEqual(self.timesheet_count(), 0)


@tagged("post_install", "-at_install")
class TestFieldTimeApproval(JobCase):
    """Approval rules, posting to job cost, payroll export, reconciliation,
    multi-company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.worker = env["hr.employee"].create(
            {"name": "Worker One", "hourly_cost": 50, "barcode": "W0001"}
        )
        cls.other_worker = env["hr.employee"].create(
            {"name": "Worker Two", "hourly_cost": 40, "barcode": "W0002"}
        )
        cls.supervisor = new_test_user(env, "ft_supervisor", groups=SUPERVISOR)
        cls.controller = new_test_user(env, "ft_controller", groups=CONTROLLER)
        cls.clerk = new_test_user(env, "ft_clerk", groups="base.group_user")
        cls.service = new_test_user(
            env,
            "ft_service",
            groups=SUPERVISOR + ",integration_queue.group_integration_service",
        )
        cls.phase = env["construction.phase"].create(
            {"job_id": cls.job.id, "code": "10", "name": "Slab"}
        )

    def line(self, hours=8.0, employee=None, day=16, **extra):
        return self.env["construction.field.time"].create(
            {
                "job_id": self.job.id,
                "cost_code_id": self.labor.id,
                "employee_id": (employee or self.worker).id,
                "date": date(2025, 3, day),
                "hours": hours,
                **extra,
            }
        )

    @staticmethod
    def chatter(record):
        return " ".join(str(body) for body in record.message_ids.mapped("body"))

    def job_timesheets(self):
        return self.env["account.analytic.line"].search(
            [("project_id", "=", self.job.id)]
        )

    def test_unapproved_time_never_posts_and_rejection_keeps_its_reason(self):
        line = self.line()
        self.assertEqual(line.state, "submitted")
        line._post()
        self.assertFalse(line.timesheet_id or self.job_timesheets())
        action = line.with_user(self.supervisor).action_open_reject_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.supervisor)
            .with_context(**action["context"])
            .create({"reason": "Not on site that day"})
        )
        self.assertIn("Worker One", wizard.documents)
        wizard.action_reject()
        self.assertEqual(
            (line.state, line.rejection_reason), ("rejected", "Not on site that day")
        )
        self.assertIn("Not on site that day", self.chatter(line))
        line._post()
        with self.assertRaises(UserError):
            line.with_user(self.supervisor).action_approve()
        with self.assertRaises(UserError):
            line.with_user(self.supervisor).action_reject("   ")
        self.assertFalse(self.job_timesheets())
        # a supervisor may take the rejection back; the line then waits again
        line.with_user(self.supervisor).action_reset_to_submitted()
        self.assertEqual(line.state, "submitted")
        self.assertFalse(self.job_timesheets())

    def test_field_time_menu_and_views(self):
        menu = self.env.ref("construction_project_sync.menu_field_time")
        self.assertEqual(
            menu.action,
            self.env.ref("construction_project_sync.action_construction_field_time"),
        )
        for user in (self.supervisor, self.controller):
            views = (
                self.env["construction.field.time"]
                .with_user(user)
                .get_views([(False, "list"), (False, "form"), (False, "search")])
            )
            self.assertEqual(set(views["views"]), {"list", "form", "search"})
        form = views["views"]["form"]["arch"]
        self.assertIn('name="timesheet_id"', form)  # controllers see the posting
        # what the list and the form read, as a supervisor and as a controller
        lines = self.line(note="a") | self.line(employee=self.other_worker)
        lines[0].with_user(self.supervisor).action_approve()
        related = {"fields": {"display_name": {}}}
        spec = {
            name: related
            if self.env["construction.field.time"]._fields[name].relational
            else {}
            for name in (
                "date",
                "employee_id",
                "job_id",
                "phase_id",
                "cost_code_id",
                "hours",
                "state",
                "rejection_reason",
                "approved_by_id",
                "company_id",
                "display_name",
            )
        }
        result = (
            self.env["construction.field.time"]
            .with_user(self.supervisor)
            .web_search_read([("id", "in", lines.ids)], spec)
        )
        self.assertEqual(result["length"], 2)
        self.assertEqual(
            {rec["employee_id"]["display_name"] for rec in result["records"]},
            {"Worker One", "Worker Two"},
        )
        record = (
            lines[0]
            .with_user(self.controller)
            .web_read(dict(spec, timesheet_id=related))
        )
        self.assertEqual(record[0]["timesheet_id"]["id"], lines[0].timesheet_id.id)
        self.assertIn(
            self.env.ref("construction_project_sync.action_server_field_time_approve"),
            self.env["ir.actions.server"].search(
                [("binding_model_id.model", "=", "construction.field.time")]
            ),
        )

    def test_who_may_approve(self):
        line = self.line()
        for user in (self.clerk, self.service):
            with self.assertRaises(UserError):
                line.with_user(user).action_approve()
        # nobody approves their own time
        self.worker.user_id = self.supervisor
        with self.assertRaises(UserError):
            line.with_user(self.supervisor).action_approve()
        # the state moves only through approval, rejection and posting
        with self.assertRaises(UserError):
            line.with_user(self.supervisor).write({"state": "approved"})
        self.assertEqual(line.state, "submitted")
        self.assertFalse(self.job_timesheets())

    def test_bulk_approval_posts_labor_to_job_cost(self):
        self.budget([(self.labor, 2000)])
        lines = self.line(8.0, note="Forming", phase_id=self.phase.id) | self.line(
            4.5, employee=self.other_worker, equipment_ref="EX-1"
        )
        lines.with_user(self.supervisor).action_approve()
        self.assertEqual(set(lines.mapped("state")), {"posted"})
        self.assertEqual(lines.approved_by_id, self.supervisor)
        timesheets = self.job_timesheets()
        self.assertEqual(timesheets, lines.timesheet_id)
        first = lines[0].timesheet_id
        self.assertEqual(first.employee_id, self.worker)
        self.assertEqual(first.unit_amount, 8.0)
        self.assertEqual(first.account_id, self.job.account_id)
        self.assertEqual(first[self.cc_column], self.labor.analytic_account_id)
        self.assertEqual(first.construction_cost_type, "labor")
        self.assertEqual(first.amount, -400.0)  # 8 h × 50 hourly cost
        self.assertIn("Forming", first.name)
        self.assertEqual(lines[1].timesheet_id.amount, -180.0)  # 4.5 h × 40
        row = self.job_cost()[self.labor, "labor"]
        self.assertEqual((row.revised_budget, row.actual), (2000, 580))
        self.assertEqual(row.remaining, 1420)

    def test_posted_lines_are_locked(self):
        line = self.line()
        line.with_user(self.controller).write({"hours": 7.0})  # still submitted
        line.with_user(self.supervisor).action_approve()
        for vals in (
            {"hours": 10},
            {"job_id": False},
            {"cost_code_id": self.concrete.id},
        ):
            with self.assertRaises(UserError):
                line.with_user(self.controller).write(vals)
        with self.assertRaises(UserError):
            line.with_user(self.controller).unlink()
        with self.assertRaises(UserError):
            line.with_user(self.supervisor).action_approve()
        # its timesheet cannot be deleted from under it (see test_timesheet_lock)
        with self.assertRaisesRegex(UserError, "approved and posted"):
            line.timesheet_id.unlink()
        self.assertEqual((line.state, line.hours), ("posted", 7.0))
        self.assertEqual(len(self.job_timesheets()), 1)

    def test_a_controller_takes_posted_time_back_out_of_job_cost(self):
        line = self.line(hours=9.0)
        line.with_user(self.supervisor).action_approve()
        self.assertEqual(len(self.job_timesheets()), 1)
        # not the supervisor, not a clerk, not a system, and never without a reason
        for user in (self.supervisor, self.clerk, self.service):
            with self.assertRaises(UserError):
                line.with_user(user).action_reject("Wrong job")
        with self.assertRaises(UserError):
            line.with_user(self.controller).action_reject("  ")
        # a controller who changed the line prepared it: not theirs to unpost
        prepared = self.line(hours=4.0, employee=self.other_worker)
        prepared.with_user(self.controller).write({"hours": 5.0})
        prepared.with_user(self.supervisor).action_approve()
        with self.assertRaises(UserError):
            prepared.with_user(self.controller).action_reject("Mine")
        # a frozen period keeps it posted
        freeze = self.env["integration.freeze"].create(
            {"name": "March close", "date_from": "2025-03-01", "date_to": "2025-03-31"}
        )
        with self.assertRaises(UserError):
            line.with_user(self.controller).action_reject("Wrong job")
        self.assertEqual(line.state, "posted")
        self.assertTrue(line.timesheet_id)
        freeze.unlink()
        action = line.with_user(self.controller).action_open_reject_wizard()
        (
            self.env[action["res_model"]]
            .with_user(self.controller)
            .with_context(**action["context"])
            .create({"reason": "Booked to the wrong job"})
            .action_reject()
        )
        self.assertEqual(
            (line.state, line.rejection_reason), ("rejected", "Booked to the wrong job")
        )
        self.assertFalse(line.timesheet_id)
        self.assertEqual(self.job_timesheets(), prepared.timesheet_id)
        self.assertIn("Unposted by", self.chatter(line))
        # the rejection taken back: approval again, then posted once more
        line.with_user(self.supervisor).action_reset_to_submitted()
        line.with_user(self.supervisor).action_approve()
        self.assertEqual(line.state, "posted")
        self.assertEqual(len(self.job_timesheets()), 2)

    def test_reconciliation_posts_approved_but_unposted_time(self):
        check = self.env.ref(
            "construction_project_sync.reconciliation_check_field_time_posted"
        )
        good = self.line(6.0)
        # posting fails for a line whose employee left: it stays approved
        leaver = self.env["hr.employee"].create({"name": "Leaver", "hourly_cost": 20})
        stuck = self.line(5.0, employee=leaver)
        leaver.active = False
        result = (good | stuck).with_user(self.supervisor).action_approve()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertEqual((good.state, stuck.state), ("posted", "approved"))
        self.assertFalse(stuck.timesheet_id)
        self.assertIn("not posted", self.chatter(stuck))

        run = check._run(self.env.company)
        self.assertEqual(run.state, "done", run.error)
        drift = run.drift_ids
        self.assertEqual(drift.mapped("res_id"), stuck.ids)
        self.assertTrue(all(drift.mapped("fixable")))
        self.assertEqual(drift.mapped("difference"), [-5.0])
        # the fix posts as whoever runs it: a supervisor who reads reconciliations
        fixer = new_test_user(
            self.env,
            "ft_fixer",
            groups=SUPERVISOR + ",integration_queue.group_integration_user",
        )
        # it fails, and says why, while the employee is archived
        with self.assertRaises(UserError), self.cr.savepoint():
            drift.with_user(fixer).action_fix()
        leaver.active = True
        drift.with_user(fixer).action_fix()
        self.assertEqual(set(drift.mapped("state")), {"fixed"})
        self.assertEqual(stuck.state, "posted")
        self.assertEqual(len(self.job_timesheets()), 2)
        self.assertEqual(check._run(self.env.company).drift_count, 0)

    def test_payroll_export_csv(self):
        approved = self.line(8.0, day=16, phase_id=self.phase.id)
        other = self.line(4.25, employee=self.other_worker, day=17)
        waiting = self.line(2.0, day=18)
        rejected = self.line(3.0, day=18)
        outside = self.line(9.0, day=25)
        (approved | other | outside).with_user(self.supervisor).action_approve()
        rejected.with_user(self.supervisor).action_reject("Duplicate")
        self.assertEqual(waiting.state, "submitted")
        # approved, but not posted: the 20th is in a frozen period
        self.env["integration.freeze"].create(
            {
                "name": "Payroll run",
                "company_id": self.env.company.id,
                "date_from": "2025-03-20",
                "date_to": "2025-03-20",
            }
        )
        self.line(1.0, employee=self.other_worker, day=20).with_user(
            self.supervisor
        ).action_approve()
        wizard = (
            self.env["construction.field.time.payroll.export"]
            .with_user(self.controller)
            .create({"date_from": "2025-03-16", "date_to": "2025-03-22"})
        )
        action = wizard.action_export()
        self.assertTrue(action["url"].endswith("?download=true"))
        attachment_id = int(action["url"].split("/")[-1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        rows = list(csv.reader(io.StringIO(attachment.raw.decode())))
        self.assertEqual(
            rows,
            [
                [
                    "employee",
                    "badge_id",
                    "date",
                    "job_number",
                    "cost_code",
                    "phase",
                    "hours",
                    "state",
                ],
                [
                    "Worker One",
                    "W0001",
                    "2025-03-16",
                    "T-001",
                    "T-03310",
                    "10",
                    "8.00",
                    "posted",
                ],
                [
                    "Worker Two",
                    "W0002",
                    "2025-03-17",
                    "T-001",
                    "T-03310",
                    "",
                    "4.25",
                    "posted",
                ],
                [
                    "Worker Two",
                    "W0002",
                    "2025-03-20",
                    "T-001",
                    "T-03310",
                    "",
                    "1.00",
                    "approved",
                ],
            ],
        )
        self.assertIn("payroll_2025-03-16_2025-03-22", attachment.name)
        # another job only: nothing to export
        other_job = self.env["project.project"].create(
            {"name": "Other", "is_job": True, "job_number": "T-002"}
        )
        wizard.job_id = other_job
        with self.assertRaises(UserError):
            wizard.action_export()
        # payroll export is a controller's tool
        with self.assertRaises(AccessError):
            self.env["construction.field.time.payroll.export"].with_user(
                self.supervisor
            ).create({"date_from": "2025-03-16", "date_to": "2025-03-22"})

    def test_multi_company_isolation(self):
        mine = self.line()
        company_b = self.env["res.company"].create({"name": "Field Co B"})
        env_b = self.env(
            context=dict(self.env.context, allowed_company_ids=company_b.ids)
        )
        job_b = env_b["project.project"].create(
            {"name": "B Job", "is_job": True, "job_number": "B-001"}
        )
        self.assertEqual(job_b.company_id, company_b)
        code_b = env_b["construction.cost.code"].create(
            {"code": "B-100", "name": "B labor", "cost_type": "labor"}
        )
        worker_b = env_b["hr.employee"].create(
            {"name": "B Worker", "company_id": company_b.id, "hourly_cost": 10}
        )
        theirs = env_b["construction.field.time"].create(
            {
                "job_id": job_b.id,
                "cost_code_id": code_b.id,
                "employee_id": worker_b.id,
                "date": "2026-11-16",
                "hours": 4,
            }
        )
        self.assertEqual(theirs.company_id, company_b)
        # a cost code of company B cannot carry time of company A's job
        with self.assertRaises(UserError):
            self.line(cost_code_id=code_b.id)
        FieldTime = self.env["construction.field.time"].with_user(self.supervisor)
        both_jobs = [("job_id", "in", (self.job | job_b).ids)]
        self.assertEqual(FieldTime.search(both_jobs), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.supervisor).read(["hours"])
        with self.assertRaises(AccessError):
            theirs.with_user(self.supervisor).action_approve()
        # a supervisor of both companies sees only the companies selected
        self.supervisor.company_ids = [(4, company_b.id)]
        self.assertEqual(
            FieldTime.with_context(allowed_company_ids=company_b.ids).search(both_jobs),
            theirs,
        )
        self.assertEqual(
            FieldTime.with_context(
                allowed_company_ids=(self.env.company | company_b).ids
            ).search(both_jobs),
            mine | theirs,
        )
        # posting in company B lands in company B
        theirs.with_user(self.supervisor).with_context(
            allowed_company_ids=company_b.ids
        ).action_approve()
        self.assertEqual(theirs.timesheet_id.company_id, company_b)


@tagged("post_install", "-at_install")
class TestFieldTimeStagingScales(TransactionCase):
    """Staging costs the same number of queries for 6 lines as for 60: nothing on
    the processor's path is done line by line in SQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.flow = env.ref("construction_project_sync.flow_timesheet_batch")
        cls.system, _key = make_system(
            env,
            "fieldapp_scale",
            cls.flow,
            groups=["construction_project_sync.group_project_manager"],
        )
        env["project.project"].create(
            {"name": "Scale Hall", "is_job": True, "job_number": "SC-001"}
        )
        env["construction.cost.code"].create(
            {"code": "SC-03310", "name": "Placing", "cost_type": "labor"}
        )
        cls.badges = [f"SC{i}" for i in range(5)]
        env["hr.employee"].create(
            [{"name": f"Crew {b}", "barcode": b, "hourly_cost": 40} for b in cls.badges]
        )

    def stage(self, batch_id, count):
        lines = [
            {
                "line_id": f"{batch_id}-{i}",
                "employee_external_id": self.badges[i % 5],
                "job_number": "SC-001",
                "cost_code": "SC-03310",
                # one line a worker a day: plausible days (a long one is an
                # exception of its own, see test_field_time_anomaly)
                "date": f"2026-10-{1 + i // 5:02d}",
                "hours": 1 + i % 8,
            }
            for i in range(count)
        ]
        ingest(
            self.env,
            self.system,
            self.flow,
            [{"batch_id": batch_id, "lines": lines}],
            prefix=batch_id,
        )
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        perform_jobs(self.env)
        queries = self.env.cr.sql_log_count - before
        staged = self.env["construction.field.time"].search(
            [("batch_ref", "=", batch_id)]
        )
        self.assertEqual(len(staged), count)
        self.assertEqual(staged.mapped("state"), ["submitted"] * count)
        return queries

    def test_staging_queries_do_not_grow_with_the_lines(self):
        self.stage("W", 3)  # caches warm
        small = self.stage("S", 6)
        large = self.stage("L", 60)
        self.assertLessEqual(large, small, "a query per line crept back in")
        mappings = self.env["integration.mapping"].search(
            [
                ("system_id", "=", self.system.id),
                ("res_model", "=", "construction.field.time"),
            ]
        )
        self.assertEqual(len(mappings), 69)
