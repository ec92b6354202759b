import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from odoo.tests import TransactionCase, tagged

from ..lib.signature import verify
from .common import make_system, perform_jobs


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver on loopback that answers with the status it is told."""

    answers = []
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        status = Receiver.answers.pop(0) if Receiver.answers else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestOutbox(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = HTTPServer(("127.0.0.1", 0), Receiver)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.addClassCleanup(cls.server.shutdown)
        cls.system, _key = make_system(cls.env, "erp_out", cls.env["integration.flow"])
        cls.subscription = cls.env["integration.webhook.subscription"].create(
            {
                "name": "Change orders to PM",
                "system_id": cls.system.id,
                "url": f"http://127.0.0.1:{cls.server.server_port}/hooks",
                "event_types": "change_order.*, bill.posted",
                "max_attempts": 3,
            }
        )

    def setUp(self):
        super().setUp()
        Receiver.answers = []
        Receiver.received = []

    def test_event_is_delivered_signed_as_a_cloudevent(self):
        partner = self.env.ref("base.res_partner_1")
        events = self.env["integration.outbox"]._emit(
            "change_order.approved", partner, {"number": "CO-7", "amount": 1250.0}
        )
        self.assertEqual(len(events), 1)
        self.assertFalse(
            self.env["integration.outbox"]._emit("timesheet.posted", partner, {})
        )
        perform_jobs(self.env, model="integration.outbox")
        self.assertEqual(events.state, "delivered")
        headers, body = Receiver.received[0]
        event = json.loads(body)
        self.assertEqual(event["specversion"], "1.0")
        self.assertEqual(event["type"], "change_order.approved")
        self.assertEqual(event["id"], events.event_id)
        self.assertEqual(event["data"], {"number": "CO-7", "amount": 1250.0})
        self.assertEqual(event["subject"], f"res.partner,{partner.id}")
        self.assertTrue(
            verify(
                self.subscription.secret,
                headers["webhook-id"],
                headers["webhook-timestamp"],
                headers["webhook-signature"],
                body,
            )
        )

    def test_failures_retry_with_backoff_and_are_never_discarded(self):
        Receiver.answers = [500, 503, 500]
        event = self.env["integration.outbox"]._emit(
            "bill.posted", None, {"bill": "B-1"}
        )
        perform_jobs(self.env, model="integration.outbox")
        self.assertEqual(event.state, "retrying")
        self.assertTrue(event.next_attempt_at)
        self.assertEqual(event.last_status_code, 500)
        perform_jobs(self.env, model="integration.outbox", include_future=True)
        perform_jobs(self.env, model="integration.outbox", include_future=True)
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.attempt_count, 3)
        self.assertEqual(event.attempt_ids.mapped("status_code"), [500, 503, 500])
        self.assertTrue(event.exists())
        # manual redelivery once the receiver is back
        event.action_redeliver()
        perform_jobs(self.env, model="integration.outbox")
        self.assertEqual(event.state, "delivered")
        self.assertEqual(len(Receiver.received), 4)

    def test_unreachable_receiver_is_logged_in_plain_words(self):
        self.subscription.url = "http://127.0.0.1:9/closed"
        event = self.env["integration.outbox"]._emit("bill.posted", None, {})
        perform_jobs(self.env, model="integration.outbox")
        self.assertEqual(event.state, "retrying")
        self.assertIn("could not be reached", event.last_error)
