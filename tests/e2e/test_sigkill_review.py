"""A SIGKILL during the verification window loses nothing: a real `watchd run` holds two motion
events for the duty room, is killed with SIGKILL while both wait, and after a restart the items are
still on the duty screen; the officer's "real" on one reaches the leader at once (复核属实), the
other goes out by itself when its window ends (未复核), each exactly once. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import signal
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli.test_daemon import free_port, read_until, stop
from tests.e2e.test_sigkill_escalation import start_with_db
from tests.e2e.township import alerting_township
from tests.helpers import daemon_http
from tests.helpers.waits import wait_for
from tests.watchd.alerts.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.date_sensitive  # a real `watchd run` on the real clock

HOLD_MINUTES = 0.75  # 45 s for the duty room to decide (a restart under load takes a while)


def config(port: int, receiver: WebhookReceiver) -> str:
    extra = f"""[alerts.delivery]
tick_seconds = 0.2
lease_seconds = 1.5
[alerts.review]
wait_minutes = {HOLD_MINUTES}
verify_when_unknown = true   # no desk camera here: the roster alone says the room is staffed"""
    tail = """[[sites]]
id = "duty"
name = "苏木值班室"
kind = "duty_room"
[[people]]
id = "d001"
name = "张三"
phone = "13700000001"
role = "duty_officer"
[duty]
shift_start = "00:00"
[[duty.rooms]]
site = "duty"
covers = ["shakeng"]"""
    return alerting_township(port, receiver, wait_minutes=30, alerts_extra=extra, tail=tail)


def test_sigkill_during_the_verification_window_loses_nothing(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    with WebhookReceiver() as receiver:
        path = tmp_path / "watchd.toml"
        path.write_text(config(port, receiver), encoding="utf-8")
        proc = start_with_db(path, tmp_path / "data", database_url)
        try:
            out = "".join(read_until(proc, r"watchd serving on"))
            password = re.search(r"password\s+: (\S+)", out)
            assert password, out
            base = f"http://127.0.0.1:{port}"
            token = daemon_http.post(
                f"{base}/api/auth/login", json={"username": "admin", "password": password.group(1)}
            ).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
            r = daemon_http.put(
                f"{base}/api/duty/roster/duty/{today}",
                json={"officers": ["d001"], "leaders": ["l001"]},
                headers=auth,
            )
            assert r.status_code == 200, r.text
            for cam in ("cam0", "cam1"):
                body = {
                    "kind": "motion",
                    "site_id": "shakeng",
                    "subject": cam,
                    "occurred_at": datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(),
                    "summary": f"{cam} 发现移动目标",
                }
                assert daemon_http.post(f"{base}/api/observations", json=body, headers=auth).json()["messages"] == 0
            proc.send_signal(signal.SIGKILL)  # both are waiting for the duty room
            proc.wait(timeout=10)
            assert not receiver.accepted

            proc = start_with_db(path, tmp_path / "data", database_url)
            read_until(proc, r"watchd serving on")
            items = {i["camera_id"]: i for i in daemon_http.get(f"{base}/api/review", headers=auth).json()}
            assert {c: (i["status"], i["hold"]) for c, i in items.items()} == {
                "cam0": ("unreviewed", "held"),
                "cam1": ("unreviewed", "held"),
            }
            real = daemon_http.post(
                f"{base}/api/review/{items['cam0']['id']}/verdict", headers=auth, json={"verdict": "real"}
            )
            assert real.status_code == 200, real.text
            wait_for(lambda: len(receiver.accepted) == 1, 10, "the leader told at once about the real one")
            assert "cam0 发现移动目标，值班室复核属实" in receiver.texts_to("13800000003")[0]
            wait_for(lambda: len(receiver.accepted) == 2, 90, "the unreviewed one going out by itself")
            assert "cam1 发现移动目标，值班室未复核" in receiver.texts_to("13800000003")[1]
            time.sleep(1.0)  # nothing more may come
            assert len(receiver.accepted) == 2 and not receiver.repeats
            events = [
                e["event"]
                for e in daemon_http.get(
                    f"{base}/api/incidents/{items['cam1']['incident_id']}", headers=auth
                ).json()["events"]
            ]
            assert events == ["opened", "review_hold", "review_item", "review_timed_out", "notified"]
            assert stop(proc) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
