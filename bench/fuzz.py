"""Schemathesis against a running watchd, stateful phase on: no 5xx and no undocumented status code.

Runs the `schemathesis` CLI against URL/openapi.json with an administrator token (every route is
open to that role) and a kiosk token for the kiosk's routes, through a schemathesis.toml written
to a temporary directory (tokens from the environment, never on the command line). The phases are
examples, coverage, fuzzing and stateful (sequences of calls linked through the responses: what
one call creates the next reads, changes or decides again; links inferred by schemathesis'
dependency analysis and from Location headers), until `--max-time` is spent.

Prints one JSON object: operations tested, calls made, links, failures per check, and schemathesis'
exit code. Exit status 1 if any check failed.

    WATCHD_FUZZ_ADMIN_TOKEN=... WATCHD_FUZZ_KIOSK_TOKEN=... \\
        .venv/bin/python bench/fuzz.py --url http://127.0.0.1:8000 --max-time 300
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

CHECKS = ("not_a_server_error", "status_code_conformance")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: The duty-room stream answers for 30 s by design (SSE); logging out would revoke the token every
#: other call uses (tests/api/test_auth.py covers it). The same as tests/api/test_openapi_fuzz.py.
EXCLUDED = ("/api/dashboard/stream", "/api/auth/logout")
KIOSK_PATHS = r"^/api/(kiosk/|attendance/device-sync)"

CONFIG = f"""\
headers = {{ Authorization = "Bearer ${{WATCHD_FUZZ_ADMIN_TOKEN}}" }}

[phases.stateful.inference]
algorithms = ["location-headers", "dependency-analysis"]

[[operations]]
include-path-regex = "{KIOSK_PATHS}"
headers = {{ Authorization = "Bearer ${{WATCHD_FUZZ_KIOSK_TOKEN}}" }}
"""


def command(
    url: str, config: Path, report: Path, max_time: int, phases: tuple[str, ...], seed: int
) -> list[str]:
    cli = Path(sys.executable).parent / "schemathesis"
    excluded = [arg for path in EXCLUDED for arg in ("--exclude-path", path)]
    return [
        str(cli), "--no-color", "--config-file", str(config), "run", f"{url.rstrip('/')}/openapi.json",
        "--phases", ",".join(phases), "--checks", ",".join(CHECKS), "--max-time", str(max_time),
        "--seed", str(seed), "--suppress-health-check", "all", "--request-timeout", "15",
        "--report", "ndjson", "--report-ndjson-path", str(report), "--wait-for-schema", "30", *excluded,
    ]  # fmt: skip


def counts(report: Path, output: str) -> dict[str, Any]:
    """Operations, calls (and how many followed a link), checks and failures per check, from
    schemathesis' NDJSON event stream; the links covered from its summary."""
    calls = linked = errors = 0
    checked: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if "NonFatalError" in event:
            errors += 1
        recorder = (event.get("ScenarioFinished") or {}).get("recorder") or {}
        for case in recorder.get("cases", {}).values():
            linked += bool(case.get("is_transition_applied"))
        for interaction in recorder.get("interactions", {}).values():
            calls += 1
            if interaction.get("response"):
                statuses[f"{interaction['response']['status_code'] // 100}xx"] += 1
        for results in recorder.get("checks", {}).values():
            for check in results:
                checked[check["name"]] += 1
                failures[check["name"]] += check["status"] == "failure"
    tested = re.search(r"API Operations:\s+Selected: (\d+)/\d+\s+Tested: (\d+)", output)
    links = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", output)
    return {
        "operations_selected": int(tested.group(1)) if tested else None,
        "operations_tested": int(tested.group(2)) if tested else None, "calls": calls, "calls_following_a_link": linked,
        "links_covered": int(links.group(1)) if links else None, "links": int(links.group(2)) if links else None,
        "answers": dict(sorted(statuses.items())), "checks_run": dict(checked),
        "failures": {name: failures[name] for name in CHECKS}, "errors": errors,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="watchd's base URL")
    parser.add_argument("--max-time", type=int, default=300, help="seconds for the whole run")
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated schemathesis phases")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--log", type=Path, help="keep schemathesis' own output in this file")
    args = parser.parse_args()
    for name in ("WATCHD_FUZZ_ADMIN_TOKEN", "WATCHD_FUZZ_KIOSK_TOKEN"):
        if not os.environ.get(name):
            parser.error(f"{name} is not set (an administrator's login token / a kiosk's device token)")
    with tempfile.TemporaryDirectory() as tmp:
        config, report = Path(tmp) / "schemathesis.toml", Path(tmp) / "events.ndjson"
        config.write_text(CONFIG, encoding="utf-8")
        phases = tuple(args.phases.split(","))
        done = subprocess.run(
            command(args.url, config, report, args.max_time, phases, args.seed),
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp,
        )
        if args.log is not None:
            args.log.write_text(done.stdout + done.stderr, encoding="utf-8")
        result = {
            "url": args.url,
            "max_time_s": args.max_time,
            "phases": list(phases),
            "checks": list(CHECKS),
            **(counts(report, done.stdout) if report.exists() else {}),
            "schemathesis_exit": done.returncode,
        }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
