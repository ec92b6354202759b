import json
from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from ..lib.processor import integration_processor
from .common import ingest, make_system, perform_jobs


@tagged("post_install", "-at_install")
class InboxCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.partner_flow = cls.env.ref("integration_queue.flow_partner_upsert")
        cls.system, cls.key = make_system(
            cls.env,
            "pm_test",
            cls.echo | cls.partner_flow,
            groups=["base.group_partner_manager"],
        )
        cls.Message = cls.env["integration.message"]

    def messages_of(self, flow=None):
        domain = [("system_id", "=", self.system.id)]
        if flow:
            domain.append(("flow_id", "=", flow.id))
        return self.Message.search(domain, order="id")


class TestIngest(InboxCase):
    def test_valid_messages_are_stored_and_queued_with_their_job(self):
        results = ingest(self.env, self.system, self.echo, [{}, {"a": 1}])
        self.assertEqual([r["status"] for r in results], [202, 202])
        messages = self.messages_of()
        self.assertEqual(messages.mapped("state"), ["queued", "queued"])
        # batch flow: one job for the chunk, written in the same transaction
        self.assertEqual(len(set(messages.mapped("job_uuid"))), 1)
        job = self.env["queue.job"].search([("uuid", "=", messages[0].job_uuid)])
        self.assertEqual(job.channel, "root.integration")
        self.assertEqual(len(messages[0].payload_hash), 64)

    def test_same_key_same_payload_answers_the_original(self):
        first = ingest(self.env, self.system, self.echo, [{"a": 1, "b": 2}])[0]
        # key order and spacing do not make another payload
        again = self.Message.with_user(self.system.user_id)._ingest(
            self.system,
            self.echo,
            [
                {
                    "idempotency_key": "k-0",
                    "payload": {"b": 2, "a": 1},
                    "raw": '{"b":2,"a":1}',
                }
            ],
        )[0]
        self.assertEqual(again["status"], 200)
        self.assertTrue(again["replayed"])
        self.assertEqual(again["message_id"], first["message_id"])
        self.assertEqual(len(self.messages_of()), 1)

    def test_same_key_other_payload_is_a_conflict(self):
        ingest(self.env, self.system, self.echo, [{"a": 1}])
        result = ingest(self.env, self.system, self.echo, [{"a": 2}])[0]
        self.assertEqual(result["status"], 409)
        self.assertEqual(result["problem_code"], "idempotency_key_reused")
        self.assertEqual(len(self.messages_of()), 1)

    def test_duplicate_keys_inside_one_batch(self):
        items = [
            {"idempotency_key": "dup", "payload": {"a": 1}, "raw": '{"a": 1}'},
            {"idempotency_key": "dup", "payload": {"a": 1}, "raw": '{"a": 1}'},
            {"idempotency_key": "dup", "payload": {"a": 9}, "raw": '{"a": 9}'},
        ]
        results = self.Message.with_user(self.system.user_id)._ingest(
            self.system, self.echo, items
        )
        self.assertEqual([r["status"] for r in results], [202, 200, 409])
        self.assertEqual(len(self.messages_of()), 1)

    def test_schema_violation_is_kept_as_rejected_and_can_be_corrected(self):
        result = ingest(
            self.env, self.system, self.partner_flow, [{"external_id": "P1"}]
        )[0]
        self.assertEqual(result["status"], 422)
        self.assertEqual(
            result["errors"][0]["message"], "'name' is a required property"
        )
        message = self.Message.browse(result["message_id"])
        self.assertEqual(message.state, "rejected")
        self.assertIn("name", json.loads(message.validation_errors)[0]["message"])
        # the same wrong payload again: the same answer, still one message
        again = ingest(
            self.env, self.system, self.partner_flow, [{"external_id": "P1"}]
        )[0]
        self.assertEqual((again["status"], again["message_id"]), (422, message.id))
        # a corrected payload under the same key takes the rejected one's place
        fixed = ingest(
            self.env,
            self.system,
            self.partner_flow,
            [{"external_id": "P1", "name": "Acme"}],
        )[0]
        self.assertEqual((fixed["status"], fixed["message_id"]), (202, message.id))
        self.assertEqual(message.state, "queued")
        self.assertFalse(message.validation_errors)

    def test_service_user_needs_the_service_group(self):
        outsider = self.env["res.users"].create(
            {"name": "Outsider", "login": "outsider_ingest"}
        )
        with self.assertRaises(AccessError):
            self.Message.with_user(outsider)._ingest(
                self.system,
                self.echo,
                [{"idempotency_key": "x", "payload": {}, "raw": "{}"}],
            )


class TestProcessing(InboxCase):
    def test_partner_upsert_creates_once_then_updates_with_lineage(self):
        ingest(
            self.env,
            self.system,
            self.partner_flow,
            [{"external_id": "V-100", "name": "Concrete Co", "city": "Lyon"}],
            prefix="create",
        )
        perform_jobs(self.env)
        message = self.messages_of()[-1]
        self.assertEqual(message.state, "done")
        self.assertEqual(message.attempt_count, 1)
        self.assertTrue(message.processed_at)
        partner = self.env["integration.mapping"]._resolve(
            self.system, "res.partner", "V-100"
        )
        self.assertEqual(partner.name, "Concrete Co")
        self.assertEqual(partner.create_uid, self.system.user_id)
        self.assertEqual(message.lineage_ids.mapped("action"), ["created"])
        self.assertEqual(message.lineage_ids.res_id, partner.id)
        # a later message with another key updates the same partner
        ingest(
            self.env,
            self.system,
            self.partner_flow,
            [{"external_id": "V-100", "name": "Concrete Co", "city": "Paris"}],
            prefix="update",
        )
        perform_jobs(self.env)
        self.assertEqual(partner.city, "Paris")
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "Concrete Co")]), 1
        )
        # lineage reads both ways: from the record back to both messages
        self.assertEqual(len(self.env["integration.lineage"]._messages_for(partner)), 2)

    def test_failure_then_success_makes_one_effect_in_two_attempts(self):
        # the first attempt hits a database constraint (an unexpected error, worth a
        # retry); by the second one the constraint is gone
        self.partner_flow.max_attempts = 5
        ingest(
            self.env,
            self.system,
            self.partner_flow,
            [{"external_id": "V-200", "name": "Steel Ltd"}],
        )
        message = self.messages_of()[-1]
        self.env.cr.execute(
            "ALTER TABLE res_partner "
            "ADD CONSTRAINT tmp_no_steel CHECK (name <> 'Steel Ltd')"
        )
        perform_jobs(self.env)
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.attempt_count, 1)
        self.assertEqual(message.error_code, "unexpected_error")
        self.assertGreater(message.next_attempt_at, fields.Datetime.now())
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Steel Ltd")]),
            "the failed attempt's effects were rolled back",
        )
        self.env.cr.execute("ALTER TABLE res_partner DROP CONSTRAINT tmp_no_steel")
        perform_jobs(self.env, include_future=True)
        self.assertEqual(message.state, "done")
        self.assertEqual(message.attempt_count, 2)
        self.assertEqual(message.attempt_ids.mapped("outcome"), ["failed", "done"])
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "Steel Ltd")]), 1
        )

    def test_retries_then_dead_letter_with_exception_and_activity(self):
        self.echo.write(
            {"max_attempts": 3, "owner_user_id": self.env.ref("base.user_admin").id}
        )
        ingest(
            self.env, self.system, self.echo, [{"fail": "Cost code 99-999 is unknown"}]
        )
        message = self.messages_of()[-1]
        for expected_attempt in (1, 2):
            perform_jobs(self.env, include_future=True)
            self.assertEqual(message.state, "failed")
            self.assertEqual(message.attempt_count, expected_attempt)
        perform_jobs(self.env, include_future=True)
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.attempt_count, 3)
        exception = message.exception_ids
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.reason_code, "echo_failure")
        self.assertEqual(exception.description, "Cost code 99-999 is unknown")
        self.assertEqual(exception.owner_id, self.env.ref("base.user_admin"))
        self.assertAlmostEqual(
            exception.deadline,
            fields.Datetime.now() + timedelta(hours=self.echo.sla_hours),
            delta=timedelta(minutes=5),
        )
        self.assertTrue(exception.activity_ids)
        self.assertEqual(
            exception.activity_ids.user_id, self.env.ref("base.user_admin")
        )

    def test_backoff_grows_per_attempt(self):
        delays = [self.echo._retry_delay(attempt) for attempt in (1, 2, 3, 4)]
        base = self.echo.retry_base_seconds
        for attempt, delay in enumerate(delays, start=1):
            ceiling = min(self.echo.retry_max_seconds, base * 2 ** (attempt - 1))
            self.assertGreaterEqual(delay, ceiling / 2)
            self.assertLessEqual(delay, ceiling)

    def test_crash_mid_batch_loses_nothing_and_doubles_nothing(self):
        """The job dies half way (an error no savepoint catches, as a killed worker):
        its transaction rolls back whole; the requeued job does everything once."""
        self.partner_flow.write({"mode": "batch", "job_batch_size": 50})
        payloads = [{"external_id": f"C-{i}", "name": f"Crash {i}"} for i in range(10)]
        ingest(self.env, self.system, self.partner_flow, payloads)
        messages = self.messages_of()
        self.assertEqual(len(set(messages.mapped("job_uuid"))), 1)

        class WorkerKilled(BaseException):
            pass

        flows = type(self.env["integration.sample.flows"])
        original = flows._process_partner_upsert
        calls = []

        @integration_processor("partner.upsert")
        def dying(model, message, payload):
            calls.append(payload["external_id"])
            if len(calls) == 6:
                raise WorkerKilled()
            return original(model, message, payload)

        self.env.cr.execute("SAVEPOINT before_crash")
        flows._process_partner_upsert = dying
        try:
            with self.assertRaises(WorkerKilled):
                messages._process()
        finally:
            flows._process_partner_upsert = original
        # what the dead worker's transaction did never reaches the database
        self.env.cr.execute("ROLLBACK TO SAVEPOINT before_crash")
        self.env.invalidate_all()
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "like", "Crash %")]), 0
        )
        # queue_job requeues the job; it now runs through
        messages._process()
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "like", "Crash %")]), 10
        )
        self.assertEqual(
            self.env["integration.mapping"].search_count(
                [("system_id", "=", self.system.id)]
            ),
            10,
        )
        # a third run (a duplicate job) finds nothing left to do
        messages._process()
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "like", "Crash %")]), 10
        )

    def test_processor_runs_as_the_service_user(self):
        """Without partner rights the service user cannot create partners: the message
        dies with a business-language reason, nothing is created as superuser."""
        system, _key = make_system(self.env, "no_rights", self.partner_flow)
        system.user_id.groups_id -= self.env.ref("base.group_partner_manager")
        ingest(
            self.env,
            system,
            self.partner_flow,
            [{"external_id": "X", "name": "Nope Inc"}],
        )
        perform_jobs(self.env)
        message = self.Message.search([("system_id", "=", system.id)])
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "access_denied")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Nope Inc")]))

    def test_poison_error_text_fails_alone_in_its_batch(self):
        """A processor error holding a NUL (which PostgreSQL text refuses) used to fail
        the whole chunk's bookkeeping: the job failed, every message stayed queued."""
        self.echo.write({"mode": "batch", "job_batch_size": 50, "max_attempts": 5})
        payloads = [{"n": i} for i in range(6)]
        payloads[2] = {"fail": "cost code 99\x00999 is unknown"}
        ingest(self.env, self.system, self.echo, payloads, prefix="poison")
        messages = self.messages_of(self.echo)
        self.assertEqual(len(set(messages.mapped("job_uuid"))), 1)
        perform_jobs(self.env)
        poison = messages[2]
        self.assertEqual(set((messages - poison).mapped("state")), {"done"})
        self.assertEqual(poison.state, "failed")
        self.assertEqual(poison.error_code, "echo_failure")
        self.assertEqual(poison.error_message, "cost code 99\\u0000999 is unknown")
        self.assertEqual(poison.attempt_ids.error_message, poison.error_message)

    def test_result_the_database_refuses_fails_only_its_message(self):
        """Bookkeeping that still fails (here a processor returns a record id the
        lineage cannot store) reruns the chunk message by message: the others are
        done with their effects, the poison fails with the database's reason and
        its effects rolled back."""
        self.partner_flow.write({"mode": "batch", "job_batch_size": 50})
        flows = type(self.env["integration.sample.flows"])
        original = flows._process_partner_upsert

        @integration_processor("partner.upsert")
        def buggy(model, message, payload):
            record = original(model, message, payload)
            if payload["external_id"] == "P-2":
                return model.env["res.partner"].browse(2**40)
            return record

        payloads = [{"external_id": f"P-{i}", "name": f"Poison {i}"} for i in range(4)]
        ingest(self.env, self.system, self.partner_flow, payloads, prefix="bk")
        messages = self.messages_of(self.partner_flow)
        flows._process_partner_upsert = buggy
        try:
            perform_jobs(self.env)
        finally:
            flows._process_partner_upsert = original
        poison = messages[2]
        self.assertEqual(set((messages - poison).mapped("state")), {"done"})
        self.assertEqual(poison.state, "failed")
        self.assertEqual(poison.error_code, "bookkeeping_failed")
        self.assertIn("out of range", poison.error_message)
        self.assertEqual(
            sorted(
                self.env["res.partner"]
                .search([("name", "like", "Poison %")])
                .mapped("name")
            ),
            ["Poison 0", "Poison 1", "Poison 3"],
        )
        self.assertEqual(len((messages - poison).lineage_ids), 3)


class TestReplay(InboxCase):
    def test_replay_of_done_message_needs_force_and_a_manager(self):
        ingest(
            self.env,
            self.system,
            self.partner_flow,
            [{"external_id": "R-1", "name": "Replay Co"}],
        )
        perform_jobs(self.env)
        message = self.messages_of()[-1]
        self.assertEqual(message.state, "done")
        with self.assertRaises(UserError):
            message.action_replay()
        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "integration_clerk",
                "groups_id": [
                    (
                        6,
                        0,
                        [self.env.ref("integration_queue.group_integration_user").id],
                    )
                ],
            }
        )
        with self.assertRaises(AccessError):
            message.with_user(clerk).action_replay(force=True)
        message.action_replay(force=True)
        self.assertEqual(message.state, "queued")
        self.assertEqual(message.replay_count, 1)
        perform_jobs(self.env)
        self.assertEqual(message.state, "done")
        # idempotent at the record level: updated, not created again
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "Replay Co")]), 1
        )
        self.assertEqual(message.lineage_ids.mapped("action"), ["updated", "created"])

    def test_bulk_replay_of_dead_messages(self):
        self.echo.max_attempts = 1
        ingest(self.env, self.system, self.echo, [{"fail": True}, {"fail": True}])
        perform_jobs(self.env)
        dead = self.messages_of()
        self.assertEqual(set(dead.mapped("state")), {"dead"})
        dead.action_replay()
        self.assertEqual(set(dead.mapped("state")), {"queued"})
        self.assertEqual(set(dead.mapped("attempt_count")), {0})

    def test_dead_letter_exception_closes_when_the_replay_goes_through(self):
        ingest(
            self.env,
            self.system,
            self.partner_flow,
            [{"external_id": "P-ZZ", "name": "Zed Co", "country_code": "zz"}],
        )
        perform_jobs(self.env)
        message = self.messages_of()
        self.assertEqual(
            (message.state, message.error_code), ("dead", "unknown_country")
        )
        dead_letter = message.exception_ids
        self.assertEqual((dead_letter.state, dead_letter.dead_letter), ("open", True))
        # someone fixes the cause, then replays
        self.env["res.country"].create({"name": "Zedland", "code": "ZZ"})
        message.action_replay()
        perform_jobs(self.env)
        message.invalidate_recordset()
        self.assertEqual(message.state, "done")
        self.assertEqual(dead_letter.state, "resolved")
        self.assertIn("replay", dead_letter.resolution_note)

    def test_rejected_message_replays_once_the_schema_accepts_it(self):
        result = ingest(
            self.env, self.system, self.partner_flow, [{"external_id": "S-1"}]
        )[0]
        message = self.Message.browse(result["message_id"])
        with self.assertRaises(UserError):
            message.action_replay()
        schema = json.loads(self.partner_flow.json_schema)
        schema["required"] = ["external_id"]
        self.partner_flow.json_schema = json.dumps(schema)
        self.partner_flow.flush_recordset()
        message.action_replay()
        self.assertEqual(message.state, "queued")


class TestFreeze(InboxCase):
    def test_frozen_period_defers_then_releases_when_lifted(self):
        self.partner_flow.accounting_date_key = "date"
        schema = json.loads(self.partner_flow.json_schema)
        schema["properties"]["date"] = {"type": "string", "format": "date"}
        self.partner_flow.json_schema = json.dumps(schema)
        freeze = self.env["integration.freeze"].create(
            {
                "name": "October close",
                "date_from": date(2026, 10, 1),
                "date_to": date(2026, 10, 31),
            }
        )
        ingest(
            self.env,
            self.system,
            self.partner_flow,
            [{"external_id": "F-1", "name": "Frozen Co", "date": "2026-10-15"}],
        )
        perform_jobs(self.env)
        message = self.messages_of()[-1]
        self.assertEqual(message.state, "deferred")
        self.assertIn("October close", message.error_message)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Frozen Co")]))
        self.assertEqual(self.Message._cron_release_deferred(), 0, "still frozen")
        freeze.action_lift()
        self.assertEqual(message.state, "queued")
        perform_jobs(self.env)
        self.assertEqual(message.state, "done")
        self.assertTrue(self.env["res.partner"].search([("name", "=", "Frozen Co")]))


class TestOwnership(InboxCase):
    def _upsert(self, key, payload):
        ingest(self.env, self.system, self.partner_flow, [payload], prefix=key)
        perform_jobs(self.env)
        return self.messages_of()[-1]

    def test_write_to_a_field_odoo_owns_is_refused_with_a_reason(self):
        self.env["integration.ownership"].create(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "field_ids": [(6, 0, [self.env.ref("base.field_res_partner__ref").id])],
                "on_conflict": "refuse",
            }
        )
        created = self._upsert(
            "o1", {"external_id": "O-1", "name": "Owned", "ref": "C-1"}
        )
        self.assertEqual(created.state, "done", "creation takes every value")
        refused = self._upsert(
            "o2", {"external_id": "O-1", "name": "Owned", "ref": "C-2"}
        )
        self.assertEqual(refused.state, "dead", "retrying cannot help")
        self.assertEqual(refused.error_code, "field_owned_by_other_system")
        self.assertIn("Odoo is the system of record", refused.error_message)
        self.assertIn("ref", refused.error_message)
        partner = self.env["integration.mapping"]._resolve(
            self.system, "res.partner", "O-1"
        )
        self.assertEqual(partner.ref, "C-1")
        self.assertTrue(refused.exception_ids)

    def test_ignored_fields_are_dropped_and_an_exception_opened(self):
        self.env["integration.ownership"].create(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "field_ids": [
                    (6, 0, [self.env.ref("base.field_res_partner__phone").id])
                ],
                "on_conflict": "ignore",
                "raise_exception": True,
            }
        )
        self._upsert("i1", {"external_id": "I-1", "name": "Ignore Co", "phone": "111"})
        message = self._upsert(
            "i2",
            {"external_id": "I-1", "name": "Ignore Co", "phone": "222", "city": "Nice"},
        )
        self.assertEqual(message.state, "done")
        partner = self.env["integration.mapping"]._resolve(
            self.system, "res.partner", "I-1"
        )
        self.assertEqual((partner.phone, partner.city), ("111", "Nice"))
        self.assertEqual(message.attempt_ids.error_code, "fields_ignored")
        self.assertIn("phone", message.attempt_ids.error_message)
        exception = self.env["integration.exception"].search(
            [
                ("reason_code", "=", "field_owned_by_other_system"),
                ("res_id", "=", partner.id),
            ]
        )
        self.assertEqual(len(exception), 1)

    def test_owning_system_may_write(self):
        self.env["integration.ownership"].create(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "owner_system_id": self.system.id,
                "on_conflict": "refuse",
            }
        )
        self._upsert("w1", {"external_id": "W-1", "name": "Mine"})
        message = self._upsert(
            "w2", {"external_id": "W-1", "name": "Mine", "city": "Metz"}
        )
        self.assertEqual(message.state, "done")
