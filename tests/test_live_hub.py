"""The hub through real HTTP against a running Odoo: prefork workers, queue_job's job
runner, real commits and real concurrency (setup/test.sh provides the database)."""

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from live_server import live_odoo, live_settings

pytestmark = [
    pytest.mark.skipif(
        not all(live_settings()),
        reason="needs CHUB_LIVE_CONF and CHUB_LIVE_DB (setup/test.sh sets them)",
    ),
    # one live database for all live tests: with pytest-xdist (--dist loadgroup)
    # they run one after another on one worker
    pytest.mark.xdist_group("live_server"),
]
API = "/api/construction/v1"


def post(server, path, body, key, idempotency_key=None):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    request = urllib.request.Request(
        server.url + API + path, data=json.dumps(body).encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def get(server, path, key):
    request = urllib.request.Request(
        server.url + API + path, headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def wait_done(server, key, message_ids, timeout=90):
    deadline = time.time() + timeout
    pending = set(message_ids)
    while pending and time.time() < deadline:
        for message_id in list(pending):
            if get(server, f"/messages/{message_id}", key)["state"] in ("done", "dead"):
                pending.discard(message_id)
        time.sleep(0.3)
    return pending


@pytest.fixture(scope="module")
def server():
    with live_odoo(workers=2) as live:
        yield live


def test_duplicate_storm_under_real_concurrency(server):
    key = server.new_system(
        "live_storm", ["partner.upsert"], groups=["base.group_partner_manager"]
    )
    body = {"external_id": "LIVE-STORM", "name": "Live Storm Co"}

    def send(_i):
        return post(server, "/flows/partner.upsert", body, key, "storm-live-1")

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(send, range(48)))
    statuses = [status for status, _body in answers]
    assert statuses.count(202) == 1, answers
    assert statuses.count(200) == 47, statuses
    ids = {body["message_id"] for _status, body in answers}
    assert len(ids) == 1
    assert not wait_done(server, key, ids), "the job runner did not process the message"
    assert (
        server.rpc("res.partner", "search_count", [("name", "=", "Live Storm Co")]) == 1
    )
    view = get(server, f"/messages/{ids.pop()}", key)
    assert view["state"] == "done" and view["attempts"] == 1
    assert view["records"][0]["action"] == "created"


def test_health_finds_the_runner_of_a_prefork_server(server):
    # the runner lives in its own process, not in the worker answering; it takes
    # its lock a moment after the server answers (seconds on a loaded machine)
    deadline = time.time() + 60
    while True:
        request = urllib.request.Request(server.url + API + "/health")
        with urllib.request.urlopen(request, timeout=60) as response:
            runner = json.loads(response.read())["queue"]["job_runner"]
        if runner["present"] or time.time() > deadline:
            break
        time.sleep(0.5)
    assert runner["present"] is True and runner["state"] != "absent", runner


def test_batch_through_the_job_runner(server):
    key = server.new_system(
        "live_batch", ["echo", "partner.upsert"], groups=["base.group_partner_manager"]
    )
    batch = [{"idempotency_key": f"e-{i}", "payload": {"n": i}} for i in range(300)]
    status, body = post(server, "/flows/echo", batch, key)
    assert status == 202
    ids = [item["message_id"] for item in body["items"]]
    assert len(set(ids)) == 300
    # a failing message retries then dies while the others are done
    status, failing = post(server, "/flows/echo", {"fail": "boom"}, key, "fail-1")
    assert status == 202
    assert not wait_done(server, key, ids), "echo batch not processed"
    # resending the whole batch creates nothing new
    status, again = post(server, "/flows/echo", batch, key)
    assert status == 202 and {i["status"] for i in again["items"]} == {200}
    assert (
        server.rpc(
            "integration.message",
            "search_count",
            [("system_id.code", "=", "live_batch")],
        )
        == 301
    )
    first_attempt = get(server, f"/messages/{failing['message_id']}", key)
    assert first_attempt["error"]["code"] == "echo_failure"


def test_approved_change_order_reaches_a_subscriber_signed(server):
    """Outbound: a business event in Odoo → outbox (same transaction) → job runner →
    a signed CloudEvent on a receiver on loopback."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        server.new_system("live_out", ["echo"])
        system_id = server.rpc(
            "integration.system", "search", [("code", "=", "live_out")]
        )[0]
        subscription = server.rpc(
            "integration.webhook.subscription",
            "create",
            {
                "name": "CO events",
                "system_id": system_id,
                "url": f"http://127.0.0.1:{receiver.server_port}/hooks",
                "event_types": "change_order.approved",
            },
        )
        secret = server.rpc(
            "integration.webhook.subscription", "read", [subscription], ["secret"]
        )[0]["secret"]
        job = server.rpc(
            "project.project",
            "create",
            {"name": "Live job", "is_job": True, "job_number": "LJ-1"},
        )
        code = server.rpc(
            "construction.cost.code", "create", {"code": "LIVE-1", "name": "Live code"}
        )
        # a project controller prepares and submits, the admin approves (a
        # preparer never approves their own change order)
        controller_group = server.rpc(
            "ir.model.data",
            "check_object_reference",
            "construction_project_sync",
            "group_project_controller",
        )[1]
        preparer = server.rpc(
            "res.users",
            "create",
            {
                "name": "Live PM",
                "login": "live_pm",
                "password": "live-pm-password",
                "groups_id": [(6, 0, [controller_group])],
            },
        )
        change_order = server.rpc_as(
            preparer,
            "live-pm-password",
            "construction.change.order",
            "create",
            {
                "job_id": job,
                "number": "LCO-1",
                "name": "Live change",
                "line_ids": [
                    (
                        0,
                        0,
                        {"cost_code_id": code, "cost_amount": 10, "price_amount": 12},
                    )
                ],
            },
        )
        server.rpc_as(
            preparer,
            "live-pm-password",
            "construction.change.order",
            "action_submit",
            [change_order],
        )
        server.rpc("construction.change.order", "action_approve", [change_order])
        deadline = time.time() + 60
        while not received and time.time() < deadline:
            time.sleep(0.3)
        assert received, "the job runner did not deliver the event"
        headers, body = received[0]
        event = json.loads(body)
        assert event["type"] == "change_order.approved"
        assert event["data"]["number"] == "LCO-1"
        from signature_check import verify_standard_webhook

        assert verify_standard_webhook(secret, headers, body)
        state = server.rpc(
            "integration.outbox",
            "search_read",
            [("res_id", "=", change_order)],
            ["state"],
        )
        assert state and state[0]["state"] == "delivered"
    finally:
        receiver.shutdown()
