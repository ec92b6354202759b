"""The hub under failure, against a real Odoo (prefork workers, queue_job's runner):
the rate limit under concurrency, a worker killed mid-job, the database refusing
connections. setup/test.sh provides the database."""

import configparser
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
from live_server import LiveOdoo, free_port, live_odoo, live_settings

pytestmark = pytest.mark.skipif(
    not all(live_settings()),
    reason="needs CHUB_LIVE_CONF and CHUB_LIVE_DB (setup/test.sh sets them)",
)
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


def maintenance_connection():
    """A connection to the cluster's maintenance database, as the live server's
    configuration reaches PostgreSQL: the test changes its own database only."""
    config = configparser.ConfigParser()
    config.read(live_settings()[0])
    options = config["options"]
    params = {
        "dbname": "postgres",
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
            assert "refuses connections" in health["detail"], health
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
