"""Schemathesis' stateful phase against the app served by uvicorn, on SQLite and on PostgreSQL:
sequences of calls linked through their answers (create, then read, change, decide, and decide
again), none of which may get a 5xx or a status code the OpenAPI document does not list.

Runs bench/fuzz.py (the schemathesis CLI, an administrator token and a kiosk token) as an operator
would, with a time budget: each database's server is fresh, and the CLI's own runner keeps the
database between scenarios, which Hypothesis' in-process state machine cannot (it replays a
scenario and finds other rows). The 5-minute run against `make run` is in docs/operations.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.api.duty_live import LiveServer
from watchd.app import Services

FUZZ = Path(__file__).resolve().parents[2] / "bench" / "fuzz.py"
BUDGET_S = 45


def test_stateful_sequences_get_no_server_error_and_no_undocumented_status(services: Services) -> None:
    password = services.auth.ensure_first_admin()
    assert password
    env = {
        **os.environ,
        "WATCHD_FUZZ_ADMIN_TOKEN": services.auth.login("admin", password).token,
        "WATCHD_FUZZ_KIOSK_TOKEN": services.auth.issue_device_token("kiosk-bayan"),
    }
    server = LiveServer(services)
    server.start()
    try:
        done = subprocess.run(
            [
                sys.executable,
                str(FUZZ),
                "--url",
                server.url,
                "--phases",
                "stateful",
                "--max-time",
                str(BUDGET_S),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=BUDGET_S + 120,
            check=False,
        )
    finally:
        server.stop()
    assert done.stdout.strip(), done.stderr
    result = json.loads(done.stdout)
    assert result["failures"] == {"not_a_server_error": 0, "status_code_conformance": 0}, result
    assert result["errors"] == 0 and result["schemathesis_exit"] == 0, result
    # The stateful phase really ran: calls took their input from an earlier answer, over many operations.
    assert result["calls_following_a_link"] > 0 and result["links_covered"] > 0, result
    assert result["operations_tested"] >= 20 and result["answers"].get("2xx", 0) > 0, result
