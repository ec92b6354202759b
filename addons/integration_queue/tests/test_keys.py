"""A system's key opens the hub's API and nothing else; service users cannot be
abused. Each test is written as the attack it stops."""

import json
import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import make_system

API = "/api/construction/v1"


def shift_key_dates(env, key, days):
    """Time passing: the key (register and Odoo's key store) expires ``days``
    earlier."""
    env.cr.execute(
        "UPDATE res_users_apikeys SET expiration_date = expiration_date - %s "
        "WHERE id = %s",
        [timedelta(days=days), key.apikey_id],
    )
    key.sudo().write({"expiration_date": key.expiration_date - timedelta(days=days)})


@tagged("post_install", "-at_install")
class TestHubKeysOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.system, cls.key = make_system(cls.env, "keys_http", cls.echo)
        cls.user = cls.system.user_id

    def post_echo(self, key, idempotency_key="k-1"):
        return self.url_open(
            f"{API}/flows/echo",
            data=b"{}",
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": idempotency_key,
            },
        )

    def assertRefused(self, response):
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        self.assertEqual(response.json()["code"], "unauthenticated")

    def jsonrpc(self, route, params):
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_hub_key_is_accepted_by_the_hub(self):
        response = self.post_echo(self.key)
        self.assertEqual(response.status_code, 202, response.text)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        self.assertEqual(message.create_uid, self.user)

    def test_hub_key_is_refused_by_xmlrpc(self):
        db = self.env.cr.dbname
        login = self.user.login
        self.assertFalse(self.xmlrpc_common.authenticate(db, login, self.key, {}))
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc_object.execute_kw(
                db, self.user.id, self.key, "res.partner", "search", [[]]
            )
        # the same call works with a person's global key: the refusal is the key's
        person = new_test_user(self.env, "keys_person", groups="base.group_user")
        person_key = (
            self.env["res.users.apikeys"]
            .with_user(person)
            .sudo()
            ._generate(None, "person", None)
        )
        self.assertEqual(
            self.xmlrpc_common.authenticate(db, person.login, person_key, {}), person.id
        )

    def test_hub_key_is_refused_by_jsonrpc(self):
        db = self.env.cr.dbname
        login = self.user.login
        answer = self.jsonrpc(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": self.key},
        )
        self.assertIn("AccessDenied", answer["error"]["data"]["name"])
        answer = self.jsonrpc(
            "/jsonrpc",
            {
                "service": "object",
                "method": "execute_kw",
                "args": [db, self.user.id, self.key, "res.partner", "search", [[]]],
            },
        )
        self.assertIn("error", answer)
        self.assertIn("AccessDenied", answer["error"]["data"]["name"])

    def test_service_user_has_no_other_way_in(self):
        """A global key or a password given to a service user (by an administrator,
        or left from before keys were scoped) opens nothing."""
        global_key = (
            self.env["res.users.apikeys"]
            .with_user(self.user)
            .sudo()
            ._generate(None, "legacy global", None)
        )
        self.user.sudo().password = "a-password-0123"
        db = self.env.cr.dbname
        for secret in (global_key, "a-password-0123"):
            self.assertFalse(
                self.xmlrpc_common.authenticate(db, self.user.login, secret, {})
            )
            answer = self.jsonrpc(
                "/web/session/authenticate",
                {"db": db, "login": self.user.login, "password": secret},
            )
            self.assertIn("AccessDenied", answer["error"]["data"]["name"])
        self.assertRefused(self.post_echo(global_key))

    def test_expired_key_is_refused(self):
        key = self.system.key_ids
        shift_key_dates(self.env, key, 366)
        self.assertEqual(key.state, "expired")
        self.assertRefused(self.post_echo(self.key))

    def test_rotated_key_works_during_grace_then_stops(self):
        old = self.system.key_ids
        self.system.key_grace_days = 3
        new_key = self.system.action_new_api_key()["context"]["default_key"]
        self.assertEqual(old.state, "rotating")
        self.assertLessEqual(
            old.expiration_date, fields.Datetime.now() + timedelta(days=3)
        )
        self.assertEqual(self.post_echo(self.key, "old-1").status_code, 202)
        self.assertEqual(self.post_echo(new_key, "new-1").status_code, 202)
        shift_key_dates(self.env, old, 4)  # the grace has passed
        self.assertRefused(self.post_echo(self.key, "old-2"))
        self.assertEqual(self.post_echo(new_key, "new-2").status_code, 202)

    def test_rotation_without_grace_stops_the_old_key_at_once(self):
        self.system.key_grace_days = 0
        new_key = self.system.action_new_api_key()["context"]["default_key"]
        self.assertRefused(self.post_echo(self.key))
        self.assertEqual(self.post_echo(new_key).status_code, 202)

    def test_revoked_key_is_refused_at_once(self):
        self.assertEqual(self.post_echo(self.key, "r-1").status_code, 202)
        self.system.key_ids.action_revoke()
        self.assertEqual(self.system.key_ids.state, "revoked")
        self.assertRefused(self.post_echo(self.key, "r-2"))

    def test_a_key_deleted_in_odoos_user_settings_shows_as_deleted(self):
        key = self.system.key_ids
        self.assertEqual(key.state, "active")
        # an administrator removes it from the service user's API keys in Odoo
        self.env["res.users.apikeys"].browse(key.apikey_id).sudo()._remove()
        key.invalidate_recordset(["state"])
        self.assertEqual(key.state, "deleted")
        self.assertRefused(self.post_echo(self.key, "d-1"))

    def test_archived_system_or_user_key_is_refused(self):
        self.system.active = False
        self.assertRefused(self.post_echo(self.key, "a-1"))
        self.system.active = True
        self.assertEqual(self.post_echo(self.key, "a-2").status_code, 202)
        self.user.sudo().active = False
        self.assertRefused(self.post_echo(self.key, "a-3"))

    def test_last_use_is_recorded_at_most_once_a_minute(self):
        key = self.system.key_ids
        self.assertFalse(key.last_used)
        self.post_echo(self.key, "u-1")
        key.invalidate_recordset()
        first = key.last_used
        self.assertTrue(first)
        self.post_echo(self.key, "u-2")
        key.invalidate_recordset()
        self.assertEqual(key.last_used, first)


@tagged("post_install", "-at_install")
class TestServiceUsers(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.system, cls.key = make_system(cls.env, "keys_orm", cls.echo)
        cls.manager = new_test_user(
            cls.env,
            "keys_manager",
            groups="base.group_user,integration_queue.group_integration_manager",
        )
        cls.clerk = new_test_user(
            cls.env,
            "keys_clerk",
            groups="base.group_user,integration_queue.group_integration_user",
        )
        cls.admin = cls.env.ref("base.user_admin")

    def setup_wizard(self, **vals):
        return (
            self.env["integration.system.setup"]
            .with_user(self.manager)
            .create({"name": "New", "code": "keys_new", **vals})
        )

    def test_manager_cannot_make_the_admin_a_service_user(self):
        with self.assertRaises(UserError):
            self.system.with_user(self.manager).write({"user_id": self.admin.id})
        with self.assertRaises(ValidationError):
            self.env["integration.system"].with_user(self.manager).create(
                {"name": "Evil", "code": "evil", "user_id": self.admin.id}
            )
        other, _key = make_system(self.env, "keys_other", self.echo)
        with self.assertRaises(UserError):
            other.with_user(self.manager).write({"user_id": self.system.user_id.id})
        self.assertEqual(self.system.user_id.login, "integration-keys_orm")

    def test_wizard_refuses_administration_and_unlisted_groups(self):
        for xmlid in (
            "base.group_system",
            "base.group_erp_manager",
            "integration_queue.group_integration_manager",
            "base.group_multi_company",  # not on the allow-list
        ):
            wizard = self.setup_wizard(
                group_ids=[(6, 0, self.env.ref(xmlid).ids)], code=xmlid[-10:]
            )
            with self.assertRaises(UserError):
                wizard.action_create()
        # an allow-listed group is granted
        self.setup_wizard(
            group_ids=[(6, 0, self.env.ref("base.group_partner_manager").ids)]
        ).action_create()
        user = (
            self.env["integration.system"].search([("code", "=", "keys_new")]).user_id
        )
        self.assertTrue(user.has_group("base.group_partner_manager"))
        self.assertFalse(user.has_group("base.group_system"))

    def test_no_group_leading_to_administration_is_grantable(self):
        sneaky = self.env["res.groups"].create(
            {
                "name": "Sneaky",
                "implied_ids": [(4, self.env.ref("base.group_system").id)],
            }
        )
        with self.assertRaises(ValidationError):
            sneaky.integration_service_grantable = True

    def test_service_user_never_holds_administration(self):
        with self.assertRaises(ValidationError):
            self.system.user_id.groups_id = [(4, self.env.ref("base.group_system").id)]

    def test_new_api_key_refuses_a_human_user(self):
        # a system pointing at a person (as before this control, or by SQL)
        self.env.cr.execute(
            "UPDATE integration_system SET user_id = %s WHERE id = %s",
            [self.admin.id, self.system.id],
        )
        self.system.invalidate_recordset(["user_id"])
        with self.assertRaises(ValidationError):
            self.system.with_user(self.manager).action_new_api_key()
        self.assertFalse(self.admin.api_key_ids)

    def test_only_managers_issue_and_revoke_keys(self):
        with self.assertRaises(AccessError):
            self.system.with_user(self.clerk).action_new_api_key()
        with self.assertRaises(AccessError):
            self.system.key_ids.with_user(self.clerk).action_revoke()
        # refused before anything was made or removed
        self.env.invalidate_all()
        self.assertEqual(self.system.key_ids.mapped("state"), ["active"])
        self.system.with_user(self.manager).action_new_api_key()
        self.assertEqual(
            sorted(self.system.key_ids.mapped("state")), ["active", "rotating"]
        )

    def test_nobody_forges_the_key_register(self):
        key = self.system.key_ids
        Keys = self.env["integration.system.key"].with_user(self.manager)
        with self.assertRaises(AccessError):
            key.with_user(self.manager).write({"expiration_date": "2099-01-01"})
        with self.assertRaises(AccessError):
            Keys.create(
                {
                    "name": "forged",
                    "system_id": self.system.id,
                    "apikey_id": key.apikey_id,
                    "expiration_date": "2099-01-01",
                }
            )
        with self.assertRaises(AccessError):
            self.system.with_user(self.manager).write(
                {"key_ids": [(1, key.id, {"expiration_date": "2099-01-01"})]}
            )
        with self.assertRaises(AccessError):
            self.system.with_user(self.manager).write({"key_ids": [(2, key.id)]})
        with self.assertRaises(AccessError):
            key.with_user(self.clerk).read(["name"])

    def test_service_user_cannot_write_hub_records(self):
        Message = self.env["integration.message"].with_user(self.system.user_id)
        with self.assertRaises(AccessError):
            Message.create(
                {
                    "system_id": self.system.id,
                    "flow_id": self.echo.id,
                    "idempotency_key": "forged",
                    "payload": "{}",
                    "state": "done",
                }
            )
        other, _key = make_system(self.env, "keys_victim", self.echo)
        with self.assertRaises(AccessError):
            Message._ingest(
                other, self.echo, [{"idempotency_key": "x", "payload": {}, "raw": "{}"}]
            )
        with self.assertRaises(AccessError):
            self.system.with_user(self.system.user_id).write({"rate_limit": 0})

    def test_deleting_a_system_deletes_its_keys(self):
        apikey_id = self.system.key_ids.apikey_id
        self.system.with_user(self.manager).unlink()
        self.assertFalse(self.env["res.users.apikeys"].browse(apikey_id).exists())
