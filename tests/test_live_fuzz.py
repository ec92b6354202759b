"""A schema-driven fuzz of the published OpenAPI document against a real Odoo.

Schemathesis generates valid and invalid requests for every operation of
/api/construction/v1/openapi.json, with a real system key, and checks that no answer
is a server error and that every answer matches the document (status, content type,
body schema). Bounded: a fixed number of examples per operation and a fixed seed, so
a run takes a few minutes on a 2-core machine and finds the same things twice."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


# /flows/<code>/v<n> is the unversioned operation's handler with the version fixed
# by path: the coverage phase's boundary and negative cases (most of a run's
# requests) are the unversioned operation's, so the versioned paths are fuzzed
# without them
VERSIONED = r"^/flows/[^/]+/v[0-9]+$"
RUNS = (
    ("every operation but the versioned paths", "exclude", "examples,coverage,fuzzing"),
    ("the versioned paths", "include", "examples,fuzzing"),
)


def test_fuzz_of_the_openapi_document_finds_no_error(tmp_path):
    outputs, failed = [], []
    with live_odoo(workers=2) as server:
        flows = server.rpc(
            "integration.flow", "search_read", [("direction", "=", "inbound")], ["code"]
        )
        key = server.new_system("live_fuzz", [flow["code"] for flow in flows])
        for label, which, phases in RUNS:
            report_dir = tmp_path / which
            command = [
                *schemathesis_command(),
                "run",
                f"{server.url}/api/construction/v1/openapi.json",
                f"--{which}-path-regex",
                VERSIONED,
                "--checks",
                ",".join(CHECKS),
                "--header",
                f"Authorization: Bearer {key}",
                "--max-examples",
                str(MAX_EXAMPLES),
                "--seed",
                str(SEED),
                "--phases",
                phases,
                # one worker: hypothesis's lambda descriptions parse source with
                # ast, which CPython 3.11 does not make thread-safe (SystemError)
                "--workers",
                "1",
                "--request-timeout",
                "60",
                "--no-shrink",
                "--report",
                "junit",
                "--report-dir",
                str(report_dir),
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
            (tmp_path / f"schemathesis-{which}.txt").write_text(output)
            summary = [
                line.strip() for line in output.splitlines() if " generated" in line
            ]
            print(
                f"schemathesis, {label} (seed {SEED}, {MAX_EXAMPLES} examples):",
                *summary,
            )
            outputs.append(output)
            if result.returncode:
                failed.append(label)
    assert not failed, "\n".join(output[-20000:] for output in outputs)
