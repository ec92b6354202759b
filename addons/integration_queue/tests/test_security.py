from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import ingest, make_system


@tagged("post_install", "-at_install")
class TestSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Builder B"})
        cls.system_a, _ka = make_system(cls.env, "sys_a", cls.echo)
        cls.system_a2, _ka2 = make_system(cls.env, "sys_a2", cls.echo)
        cls.system_b, _kb = make_system(
            cls.env, "sys_b", cls.echo, company=cls.company_b
        )
        for system in (cls.system_a, cls.system_a2, cls.system_b):
            ingest(cls.env, system, cls.echo, [{}], prefix=system.code)
        cls.user_a = cls.env["res.users"].create(
            {
                "name": "Integration user A",
                "login": "integration_user_a",
                "company_id": cls.company_a.id,
                "company_ids": [(6, 0, cls.company_a.ids)],
                "groups_id": [
                    (
                        6,
                        0,
                        [cls.env.ref("integration_queue.group_integration_manager").id],
                    )
                ],
            }
        )

    def test_records_of_another_company_are_invisible(self):
        Message = self.env["integration.message"].with_user(self.user_a)
        systems = Message.search([]).system_id
        self.assertIn(self.system_a, systems)
        self.assertNotIn(self.system_b, systems)
        self.assertNotIn(
            self.system_b,
            self.env["integration.system"].with_user(self.user_a).search([]),
        )
        message_b = self.env["integration.message"].search(
            [("system_id", "=", self.system_b.id)]
        )
        with self.assertRaises(AccessError):
            message_b.with_user(self.user_a).read(["state"])

    def test_a_service_user_sees_only_its_own_messages(self):
        Message = self.env["integration.message"].with_user(self.system_a.user_id)
        self.assertEqual(Message.search([]).system_id, self.system_a)
        # and cannot change them, nor touch configuration
        with self.assertRaises(AccessError):
            Message.search([]).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["integration.flow"].with_user(self.system_a.user_id).search([])

    def test_nobody_writes_the_inbox_through_rpc(self):
        """Messages are the hub's audit trail: even an integration manager cannot
        create one outside the inbox (marked done, or on a flow its system does not
        have), nor rewrite one; replays and test messages go through the hub."""
        Message = self.env["integration.message"].with_user(self.user_a)
        with self.assertRaises(AccessError):
            Message.create(
                {
                    "system_id": self.system_a.id,
                    "flow_id": self.echo.id,
                    "idempotency_key": "forged",
                    "payload": "{}",
                    "state": "done",
                }
            )
        with self.assertRaises(AccessError):
            Message.search([("system_id", "=", self.system_a.id)]).write(
                {"state": "queued"}
            )

    def test_secrets_are_for_managers_only(self):
        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "integration_clerk_sec",
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
            self.system_a.with_user(clerk).read(["webhook_secret"])

    def test_api_keys_are_stored_hashed(self):
        _system, key = make_system(self.env, "hashed", self.echo)
        self.env.cr.execute(
            "SELECT key FROM res_users_apikeys WHERE user_id = %s", [_system.user_id.id]
        )
        stored = self.env.cr.fetchone()[0]
        self.assertNotEqual(stored, key)
        self.assertTrue(stored.startswith("$pbkdf2"))
