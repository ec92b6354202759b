"""The hub under failure, against a real Odoo (prefork workers, queue_job's runner):
the rate limit under concurrency, a worker killed mid-job, the database refusing
connections. setup/test.sh provides the database."""

import configparser
import json
import os
import signal
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psutil
import psycopg2
import pytest
from live_server import LiveOdoo, free_port, live_odoo, live_settings

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


def call(server, method, path, body=None, key=None, headers=None):
    """(status, headers, parsed body or text) of a request; 4xx and 5xx too."""
    all_headers = {"Content-Type": "application/json"}
    if key:
        all_headers["Authorization"] = f"Bearer {key}"
    all_headers.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server.url + API + path, data=data, headers=all_headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, head, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        status, head, raw = err.code, err.headers, err.read()
    try:
        return status, head, json.loads(raw)
    except ValueError:
        return status, head, raw.decode(errors="replace")


def maintenance_connection(dbname="postgres"):
    """A connection to the cluster (its maintenance database unless told), as the
    live server's configuration reaches PostgreSQL: the tests change their own
    database only."""
    config = configparser.ConfigParser()
    config.read(live_settings()[0])
    options = config["options"]
    params = {
        "dbname": dbname,
        "host": options.get("db_host") or None,
        "port": options.get("db_port") or None,
        "user": options.get("db_user") or None,
    }
    connection = psycopg2.connect(**{k: v for k, v in params.items() if v})
    connection.autocommit = True
    return connection


def assert_database_unavailable(status, headers, body):
    assert status == 503, (status, body)
    assert headers["Content-Type"] == "application/problem+json", body
    assert body["code"] == "database_unavailable", body
    assert 1 <= int(headers["Retry-After"]) <= 60


DATABASE_ROUTES = (
    ("GET", "/health", None),
    ("GET", "/openapi.json", None),
    ("POST", "/flows/echo", {}),
    ("GET", "/messages/1", None),
    ("POST", "/messages/1/replay", {}),
    ("GET", "/no/such/route", None),
)


@pytest.fixture(scope="module")
def server():
    with live_odoo(workers=2) as live:
        yield live


def test_rate_limit_holds_exactly_under_concurrency(server):
    """20 threads at once used to get past a limit of 100 a minute with 101 singles,
    110 messages in batches of 10, 200 in batches of 100: each request counted before
    the others' messages were committed."""
    singles = server.new_system("live_rate_1", ["echo"], rate_limit=10)

    def send_single(index):
        return call(
            server,
            "POST",
            "/flows/echo",
            {"n": index},
            singles,
            {"Idempotency-Key": f"rate-{index}"},
        )[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(send_single, range(40)))
    assert statuses.count(202) == 10, statuses
    assert statuses.count(429) == 30, statuses

    for size, accepted in ((10, 10), (100, 1)):
        key = server.new_system(f"live_rate_{size}", ["echo"], rate_limit=100)

        def send_batch(index, key=key, size=size):
            body = [
                {"idempotency_key": f"rb-{index}-{i}", "payload": {"n": i}}
                for i in range(size)
            ]
            return call(server, "POST", "/flows/echo", body, key)[0]

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(send_batch, range(20)))
        assert statuses.count(202) == accepted, (size, statuses)
        assert statuses.count(429) == 20 - accepted, (size, statuses)
    stored = server.rpc(
        "integration.message",
        "search_count",
        [("system_id.code", "in", ["live_rate_1", "live_rate_10", "live_rate_100"])],
    )
    assert stored == 210


def test_database_refusing_connections_answers_503_then_recovers(server):
    """While PostgreSQL refused the hub's database, every route answered Odoo's 404
    HTML page (and a 500 page as connections dropped)."""
    key = server.new_system("live_db_down", ["echo"])
    db = server.db
    # not "with connection": that opens a transaction even in autocommit mode
    connection = maintenance_connection()
    with connection.cursor() as cr:
        cr.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
        try:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s",
                [db],
            )
            # a terminated backend ends a moment later, not at once
            deadline = time.time() + 10
            while time.time() < deadline:
                cr.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [db]
                )
                if not cr.fetchone()[0]:
                    break
                time.sleep(0.1)
            for method, path, body in DATABASE_ROUTES:
                answer = call(
                    server, method, path, body, key, {"Idempotency-Key": "down-1"}
                )
                assert_database_unavailable(*answer)
            health = call(server, "GET", "/health")[2]
            assert "does not accept connections" in health["detail"], health
        finally:
            cr.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    connection.close()
    deadline = time.time() + 30
    while call(server, "GET", "/health")[0] != 200:
        assert time.time() < deadline, "the hub did not recover within 30 s"
        time.sleep(0.5)
    status, _headers, body = call(
        server, "POST", "/flows/echo", {}, key, {"Idempotency-Key": "after-down"}
    )
    assert status == 202, body


def test_unreachable_postgresql_answers_503(tmp_path):
    """A server whose PostgreSQL does not answer at all (nothing listens on its
    port; Odoo then starts only without a database to preload): the health route
    says so."""
    conf, db = live_settings()
    config = configparser.ConfigParser()
    config.read(conf)
    config.remove_option("options", "db_name")
    config.set("options", "db_port", str(free_port()))
    unreachable_conf = tmp_path / "unreachable.conf"
    with unreachable_conf.open("w") as file:
        config.write(file)
    unreachable = LiveOdoo(str(unreachable_conf), db, workers=1)
    unreachable.preload = False
    unreachable.start(ready_status=503)
    try:
        for method, path, body in DATABASE_ROUTES:
            answer = call(
                unreachable, method, path, body, "k" * 40, {"Idempotency-Key": "x"}
            )
            assert_database_unavailable(*answer)
        health = call(unreachable, "GET", "/health")[2]
        assert health["detail"].startswith("PostgreSQL is unreachable"), health
    finally:
        unreachable.stop()


def test_processing_resumes_within_seconds_after_a_worker_is_killed(server):
    """Both job slots held by jobs whose workers were killed (kill -9): queue_job's
    runner noticed only after its 60 s wait, and nothing ran until then."""
    key = server.new_system(
        "live_kill", ["echo", "partner.upsert"], groups=["base.group_partner_manager"]
    )
    partner = server.rpc("res.partner", "create", {"name": "Held Co"})
    server.rpc(
        "integration.mapping",
        "create",
        {
            "system_id": server.rpc(
                "integration.system", "search", [("code", "=", "live_kill")]
            )[0],
            "res_model": "res.partner",
            "res_id": partner,
            "external_id": "HELD",
        },
    )
    connection = maintenance_connection()
    holder = psycopg2.connect(
        connection.dsn.replace("dbname=postgres", f"dbname={server.db}")
    )
    connection.close()
    try:
        # a transaction of our own holds the partner: both jobs wait for it
        with holder.cursor() as cr:
            cr.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", [partner])
        held = [
            call(
                server,
                "POST",
                "/flows/partner.upsert",
                {"external_id": "HELD", "name": f"Held {i}"},
                key,
                {"Idempotency-Key": f"held-{i}"},
            )[2]["message_id"]
            for i in range(2)
        ]
        workers = waiting_workers(server, holder, count=2)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.time()
    finally:
        # the killed workers' transactions end once they get the lock and find their
        # client gone
        holder.rollback()
        holder.close()
    status, _headers, body = call(
        server, "POST", "/flows/echo", {}, key, {"Idempotency-Key": "after-kill"}
    )
    assert status == 202, body
    fresh = body["message_id"]
    deadline = killed_at + 90
    while message_state(server, key, fresh) != "done":
        assert time.time() < deadline, "nothing was processed for 90 s"
        time.sleep(0.2)
    resumed_after = time.time() - killed_at
    print(f"processing resumed {resumed_after:.1f} s after the workers were killed")
    assert resumed_after < 15, resumed_after
    # the dead jobs ran again: their messages are done once, not lost
    while {message_state(server, key, m) for m in held} != {"done"}:
        assert time.time() < deadline, "the killed jobs were not requeued"
        time.sleep(0.2)


def waiting_workers(server, holder, count, timeout=30):
    """Process ids of the Odoo workers whose database session waits for a lock
    (found by the session's client port among the server's child processes)."""
    deadline = time.time() + timeout
    probe = psycopg2.connect(holder.dsn)
    probe.autocommit = True
    try:
        while time.time() < deadline:
            with probe.cursor() as cr:
                cr.execute(
                    "SELECT client_port FROM pg_stat_activity WHERE datname = %s "
                    "AND wait_event_type = 'Lock'",
                    [server.db],
                )
                ports = {port for (port,) in cr.fetchall()}
            children = psutil.Process(server.proc.pid).children(recursive=True)
            pids = [
                child.pid
                for child in children
                for connection in child.connections(kind="tcp")
                if connection.laddr and connection.laddr.port in ports
            ]
            if len(pids) >= count:
                return pids
            time.sleep(0.2)
    finally:
        probe.close()
    raise AssertionError(
        f"{count} workers did not wait for the lock within {timeout} s"
    )


def message_state(server, key, message_id):
    return call(server, "GET", f"/messages/{message_id}", key=key)[2]["state"]


def test_connection_lost_during_a_request_answers_503(server):
    """A request whose database connection dies under it (here: terminated while it
    waits for the rate limit's lock) used to get Odoo's 500 HTML page."""
    key = server.new_system("live_conn_lost", ["echo"], rate_limit=100)
    system_id = server.rpc(
        "integration.system", "search", [("code", "=", "live_conn_lost")]
    )[0]
    holder = maintenance_connection(server.db)
    holder.autocommit = False
    try:
        with holder.cursor() as cr:
            # the system's rate-limit lock (RATE_LOCK_CLASS in controllers/api.py)
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x1A7E, system_id])
        with ThreadPoolExecutor(max_workers=1) as pool:
            answer = pool.submit(
                call,
                server,
                "POST",
                "/flows/echo",
                {},
                key,
                {"Idempotency-Key": "conn-lost"},
            )
            with holder.cursor() as cr:
                deadline = time.time() + 30
                terminated = []
                while not terminated and time.time() < deadline:
                    cr.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND wait_event_type = 'Lock' "
                        "AND pid <> pg_backend_pid()",
                        [server.db],
                    )
                    terminated = cr.fetchall()
                    time.sleep(0.1)
            assert terminated, "the request never waited for the lock"
            status, headers, body = answer.result(timeout=60)
    finally:
        holder.rollback()
        holder.close()
    assert_database_unavailable(status, headers, body)
    # the next request gets a fresh connection
    status, _headers, body = call(
        server, "POST", "/flows/echo", {}, key, {"Idempotency-Key": "conn-back"}
    )
    assert status == 202, body
