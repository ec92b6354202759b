from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import make_system, perform_jobs


@tagged("post_install", "-at_install")
class TestWizards(TransactionCase):
    def test_system_setup_creates_service_user_and_shows_key_once(self):
        echo = self.env.ref("integration_queue.flow_echo")
        wizard = self.env["integration.system.setup"].create(
            {"name": "Telematics Co", "code": "telem", "flow_ids": [(6, 0, echo.ids)]}
        )
        action = wizard.action_create()
        system = self.env["integration.system"].search([("code", "=", "telem")])
        self.assertEqual(system.flow_ids, echo)
        user = system.user_id
        self.assertEqual(user.login, "integration-telem")
        self.assertTrue(user.has_group("integration_queue.group_integration_service"))
        self.assertFalse(user.has_group("base.group_system"))
        self.assertEqual(action["res_model"], "res.users.apikeys.show")
        key = action["context"]["default_key"]
        # the key authenticates the service user on the hub only
        self.assertEqual(self.env["integration.system.key"]._authenticate(key), user.id)
        Keys = self.env["res.users.apikeys"]
        self.assertFalse(Keys._check_credentials(scope="rpc", key=key))
        self.assertEqual(system.key_ids.state, "active")

    def test_link_existing_records_before_go_live(self):
        echo = self.env.ref("integration_queue.flow_echo")
        system, _key = make_system(self.env, "golive", echo)
        acme = self.env["res.partner"].create({"name": "Acme Concrete", "ref": "V-001"})
        self.env["res.partner"].create({"name": "Twin", "ref": "V-002"})
        self.env["res.partner"].create({"name": "Twin 2", "ref": "V-002"})
        wizard = self.env["integration.mapping.link"].create(
            {
                "system_id": system.id,
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "match_field_id": self.env.ref("base.field_res_partner__ref").id,
                "lines": "external_id,match_value\n"
                "EXT-1,V-001\nEXT-2,V-002\nEXT-3,V-404",
            }
        )
        wizard.action_link()
        mapping = self.env["integration.mapping"]
        self.assertEqual(mapping._resolve(system, "res.partner", "EXT-1"), acme)
        self.assertFalse(mapping._resolve(system, "res.partner", "EXT-2"))
        self.assertIn("Linked: 1", wizard.result)
        self.assertIn("No match: EXT-3", wizard.result)
        self.assertIn("More than one match: EXT-2", wizard.result)
        # a second run links nothing twice
        wizard.action_link()
        self.assertIn("Already mapped: 1", wizard.result)


@tagged("post_install", "-at_install")
class TestMapping(TransactionCase):
    def test_a_deleted_record_gives_its_external_id_back(self):
        echo = self.env.ref("integration_queue.flow_echo")
        system, _key = make_system(self.env, "remap", echo)
        mapping = self.env["integration.mapping"]
        first = self.env["res.partner"].create({"name": "First"})
        mapping._link(system, first, "EXT-9")
        first.unlink()
        self.assertFalse(mapping._resolve(system, "res.partner", "EXT-9"))
        second = self.env["res.partner"].create({"name": "Second"})
        mapping._link(system, second, "EXT-9")
        self.assertEqual(mapping._resolve(system, "res.partner", "EXT-9"), second)


@tagged("post_install", "-at_install")
class TestSystemActions(TransactionCase):
    def test_send_test_message_goes_through_the_pipeline(self):
        echo = self.env.ref("integration_queue.flow_echo")
        system, _key = make_system(self.env, "pinged", echo)
        action = system.action_send_test_message()
        message = self.env["integration.message"].browse(action["res_id"])
        self.assertEqual((message.state, message.source), ("queued", "ui"))
        perform_jobs(self.env)
        self.assertEqual(message.state, "done")
        system.flow_ids = False
        with self.assertRaises(UserError):
            system.action_send_test_message()

    def test_demo_traffic_is_in_the_inbox(self):
        demo = self.env.ref("integration_queue.demo_system_pm_platform")
        # the hub's own demo traffic (business addons' demo sends more on other flows)
        messages = self.env["integration.message"].search(
            [
                ("system_id", "=", demo.id),
                ("flow_id.code", "in", ["partner.upsert", "echo"]),
            ]
        )
        self.assertEqual(len(messages), 7)
        self.assertEqual(
            messages.filtered(lambda m: m.state == "rejected").idempotency_key,
            "demo-vendors-3",
        )
