"""The README's first command, `make run`, serves the demo site and stops cleanly (issue 12, item 1).

The Makefile target itself runs (never a copy of its command line): until issue 12 it put
`--config` after `run`, which argparse rejects, and no test noticed. The Chromium walk over every
page (make_run_walk.py) runs in .ci/run after the tests; this is its quick, browser-less twin.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.integration import need
from tests.walk.make_run import start_make_run

pytestmark = pytest.mark.integration

PAGES = ["/admin", "/kiosk", "/dashboard", "/duty", "/reports", "/visits", "/docs", "/favicon.ico"]


def test_make_run_serves_the_pages_with_the_printed_password_and_stops_on_sigterm(tmp_path: Path) -> None:
    need(shutil.which("make") is not None, "make not installed")
    run = start_make_run(tmp_path / "data")
    try:
        run.wait_until_serving(timeout=240)
        password, kiosks = run.credentials()
        assert set(kiosks) == {"kiosk-bayan", "kiosk-hure"}
        assert all(link.startswith(f"{run.base}/kiosk#token=") for link in kiosks.values())
        with httpx.Client(base_url=run.base, timeout=10) as client:
            login = client.post("/api/auth/login", json={"username": "admin", "password": password})
            assert login.status_code == 200, login.text
            people = client.get("/api/people", headers={"Authorization": f"Bearer {login.json()['token']}"})
            assert "其其格" in people.text  # the example configuration's demo township
            for path in PAGES:
                assert client.get(path).status_code == 200, path
    finally:
        code = run.stop()
    assert code == 0, run.output
    assert "watchd stopped" in run.output
    assert "Traceback" not in run.output and "Warning" not in run.output, run.output
