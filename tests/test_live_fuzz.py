"""A schema-driven fuzz of the published OpenAPI document against a real Odoo.

Schemathesis generates valid and invalid requests for every operation of
/api/construction/v1/openapi.json, with a real system key, and checks that no answer
is a server error and that every answer matches the document (status, content type,
body schema). Bounded: a fixed number of examples per operation and a fixed seed, so
a run takes about two minutes on a 2-core machine and finds the same things twice."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import live_odoo, live_settings

pytestmark = pytest.mark.skipif(
    not all(live_settings()),
    reason="needs CHUB_LIVE_CONF and CHUB_LIVE_DB (setup/test.sh sets them)",
)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = int(os.environ.get("CHUB_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("CHUB_FUZZ_SEED", "20261202"))


def schemathesis_command():
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "schemathesis.cli"]


def test_fuzz_of_the_openapi_document_finds_no_error(tmp_path):
    with live_odoo(workers=2) as server:
        flows = server.rpc(
            "integration.flow", "search_read", [("direction", "=", "inbound")], ["code"]
        )
        key = server.new_system("live_fuzz", [flow["code"] for flow in flows])
        command = [
            *schemathesis_command(),
            "run",
            f"{server.url}/api/construction/v1/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--header",
            f"Authorization: Bearer {key}",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--phases",
            "examples,coverage,fuzzing",
            # one worker: hypothesis's lambda descriptions parse source with ast,
            # which CPython 3.11 does not make thread-safe (SystemError)
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--no-shrink",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ]
        env = dict(os.environ, NO_COLOR="1", SCHEMATHESIS_HOOKS="")
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            cwd=tmp_path,
            check=False,
        )
    output = result.stdout + result.stderr
    (tmp_path / "schemathesis.txt").write_text(output)
    summary = [line.strip() for line in output.splitlines() if " generated" in line]
    print(f"schemathesis (seed {SEED}, {MAX_EXAMPLES} examples):", *summary)
    assert result.returncode == 0, output[-20000:]
