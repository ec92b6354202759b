"""The hub through real HTTP against a running Odoo: prefork workers, queue_job's job
runner, real commits and real concurrency (setup/test.sh provides the database)."""

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from live_server import live_odoo, live_settings

pytestmark = pytest.mark.skipif(
    not all(live_settings()),
    reason="needs CHUB_LIVE_CONF and CHUB_LIVE_DB (setup/test.sh sets them)",
)
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
