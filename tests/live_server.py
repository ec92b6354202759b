"""A real Odoo server (prefork workers and queue_job's runner) on loopback, for the
live tests and the benchmarks. The database is a copy made by setup/test.sh (or
given by CHUB_LIVE_DB / CHUB_LIVE_CONF), so the live server's commits never meet the
transactions of the in-process tests."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ADMIN = ("admin", "admin")
ODOO_BIN = Path(__file__).resolve().parent.parent / "setup" / "odoo-bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveOdoo:
    def __init__(self, conf, db, workers=2, log_path=None):
        self.conf, self.db, self.workers = conf, db, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or f"/tmp/chub-live-{self.port}.log"
        self.proc = None
        self.extra_args = []
        # -d: load the database at startup (Odoo then needs PostgreSQL to start)
        self.preload = True
        # the job runner comes with queue_job loaded server-wide; the hub's 503
        # answers while the database is down need integration_queue loaded too
        self.load = "base,web,queue_job,integration_queue"

    def start(self, timeout=120, ready_status=200):
        """Start Odoo and wait until its health route answers ``ready_status`` (503
        for a server meant to run without its database)."""
        cmd = [
            sys.executable,
            str(ODOO_BIN),
            "-c",
            self.conf,
            *(["-d", self.db] if self.preload else []),
            f"--db-filter=^{self.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--workers={self.workers}",
            "--max-cron-threads=0",
            "--limit-time-real=600",
            "--limit-time-cpu=600",
            "--log-level=warn",
            "--no-database-list",
            f"--load={self.load}",
            *self.extra_args,
        ]
        env = dict(os.environ)
        env["ODOO_QUEUE_JOB_CHANNELS"] = f"root:{max(self.workers, 1)}"
        env["ODOO_QUEUE_JOB_PORT"] = str(self.port)
        env["ODOO_QUEUE_JOB_HOST"] = "127.0.0.1"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        # a session of its own: stop() ends the server's workers and job runner with
        # it, even those a killed master leaves behind
        self.proc = subprocess.Popen(
            cmd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(
                    f"{self.url}/api/construction/v1/health", timeout=5
                ) as response:
                    status = response.status
            except urllib.error.HTTPError as err:
                status = err.code
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = None
            if status == ready_status:
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(
            f"Odoo did not answer within {timeout} s; see {self.log_path}"
        )

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # the whole group has exited
        if getattr(self, "log", None):
            self.log.close()

    # JSON-RPC as the demo admin, for setting things up and reading results
    def rpc(self, model, method, *args, **kwargs):
        return self.rpc_as(2, ADMIN[1], model, method, *args, **kwargs)

    def rpc_as(self, uid, password, model, method, *args, **kwargs):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.db, uid, password, model, method, list(args), kwargs],
            },
        }
        request = urllib.request.Request(
            f"{self.url}/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            body = json.loads(response.read())
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        return body.get("result")  # omitted when the method returns None

    def new_system(self, code, flow_codes, rate_limit=0, groups=()):
        """A system with its service user; returns its API key (from the setup
        wizard)."""
        flow_ids = self.rpc(
            "integration.flow", "search", [("code", "in", list(flow_codes))]
        )
        group_ids = [
            self.rpc(
                "ir.model.data",
                "search_read",
                [
                    ("module", "=", xmlid.split(".")[0]),
                    ("name", "=", xmlid.split(".")[1]),
                ],
                fields=["res_id"],
            )[0]["res_id"]
            for xmlid in groups
        ]
        wizard = self.rpc(
            "integration.system.setup",
            "create",
            {
                "name": code,
                "code": code,
                "flow_ids": [(6, 0, flow_ids)],
                "group_ids": [(6, 0, group_ids)],
                "rate_limit": rate_limit,
            },
        )
        action = self.rpc("integration.system.setup", "action_create", [wizard])
        return action["context"]["default_key"]


def live_settings():
    conf = os.environ.get("CHUB_LIVE_CONF")
    db = os.environ.get("CHUB_LIVE_DB")
    return conf, db


@contextmanager
def live_odoo(workers=2):
    conf, db = live_settings()
    server = LiveOdoo(conf, db, workers=workers).start()
    try:
        yield server
    finally:
        server.stop()
