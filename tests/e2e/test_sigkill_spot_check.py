"""A spot check survives a crash: a real `watchd run` is killed with SIGKILL while two screen checks
and a text check are open. After the restart the screen gets the same checks with the same nonces
(one is answered), the officer's text reply answers the text check, and the check nobody answers is
missed on time, with the incident texted to the leader on duty. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli.test_daemon import ROOT, free_port, read_until, stop
from tests.e2e.test_sigkill_escalation import start_with_db
from tests.e2e.township import alerting_township
from tests.helpers import daemon_http
from tests.helpers.waits import wait_for
from tests.watchd.alerts.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.date_sensitive  # a real `watchd run` on the real clock

OFFICER_PHONE = "13700000001"
DUTY = """
[[sites]]
id = "duty"
name = "苏木值班室"
kind = "duty_room"
[[people]]
id = "d001"
name = "张三"
phone = "13700000001"
role = "duty_officer"
[duty]
[[duty.rooms]]
site = "duty"
[duty.spot_checks]
answer_minutes = 2
sms_answer_minutes = 5
"""


def add_user(config: Path, data: Path, database_url: str, username: str, role: str) -> None:
    env = {"WATCHD_DATA_DIR": str(data), "WATCHD_DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), "add-user", username, "--role", role],
        cwd=ROOT,
        env={**os.environ, **env},
        input="pass-word-12\n",
        text=True,
        check=True,
        capture_output=True,
    )


def login(base: str, username: str, password: str) -> dict[str, str]:
    token = daemon_http.post(f"{base}/api/auth/login", json={"username": username, "password": password}).json()[
        "token"
    ]
    return {"Authorization": f"Bearer {token}"}


def test_sigkill_with_open_spot_checks_loses_nothing(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    with WebhookReceiver() as receiver:
        path = tmp_path / "watchd.toml"
        delivery = "[alerts.delivery]\ntick_seconds = 0.2\nlease_seconds = 1.5"
        path.write_text(
            alerting_township(port, receiver, wait_minutes=5, alerts_extra=delivery, tail=DUTY),
            encoding="utf-8",
        )
        data = tmp_path / "data"
        proc = start_with_db(path, data, database_url)
        try:
            out = "".join(read_until(proc, r"watchd serving on"))
            password = re.search(r"password\s+: (\S+)", out)
            assert password, out
            add_user(path, data, database_url, "l001", "leader")
            add_user(path, data, database_url, "duty-screen", "duty_officer")
            base = f"http://127.0.0.1:{port}"
            admin = login(base, "admin", password.group(1))
            day = (
                datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(hours=8, minutes=30)
            ).date()
            put = daemon_http.put(
                f"{base}/api/duty/roster/duty/{day.isoformat()}",
                headers=admin,
                json={"officers": ["d001"], "leaders": ["l001"]},
            )
            assert put.status_code == 200, put.text
            leader, screen = login(base, "l001", "pass-word-12"), login(base, "duty-screen", "pass-word-12")
            started = [
                daemon_http.post(
                    f"{base}/api/spotchecks", headers=leader, json={"room_id": "duty", "channel": channel}
                )
                for channel in ("screen", "screen", "sms")
            ]
            assert [r.status_code for r in started] == [201, 201, 201], [r.text for r in started]
            answered, missed, texted = (r.json()["id"] for r in started)
            before = {c["id"]: c for c in daemon_http.get(f"{base}/api/spotchecks/open", headers=screen).json()}
            assert set(before) == {answered, missed}
            wait_for(lambda: len(receiver.texts_to(OFFICER_PHONE)) == 1, 20, "the text check")
            [text] = receiver.texts_to(OFFICER_PHONE)
            code = re.search(r"回复查岗码(\d{4})", text)
            assert code, text
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

            proc = start_with_db(path, data, database_url)
            read_until(proc, r"watchd serving on")
            admin = login(base, "admin", password.group(1))
            after = {c["id"]: c for c in daemon_http.get(f"{base}/api/spotchecks/open", headers=screen).json()}
            assert {k: after[k]["nonce"] for k in after} == {k: before[k]["nonce"] for k in before}
            answer = daemon_http.post(
                f"{base}/api/spotchecks/{answered}/answer",
                headers=screen,
                json={"nonce": after[answered]["nonce"], "code": after[answered]["code"]},
            )
            assert answer.status_code == 200 and answer.json()["status"] == "answered", answer.text
            channels = daemon_http.get(f"{base}/api/alerts/outbox", headers=admin).json()["channels"]
            callback = next(c["callback_url"] for c in channels if c["id"] == "hook")
            reply = {
                "replies": [
                    {
                        "sender": f"+86{OFFICER_PHONE}",
                        "text": f"查岗{code.group(1)}",
                        "received_at": datetime.now(UTC).isoformat(),
                    }
                ]
            }
            assert daemon_http.post(callback, json=reply).status_code < 300

            def status_of(check_id: int) -> str:
                checks = daemon_http.get(f"{base}/api/spotchecks", headers=admin, params={"room_id": "duty"}).json()
                return str(next(c["status"] for c in checks if c["id"] == check_id))

            wait_for(lambda: status_of(missed) == "missed", 180, "the unanswered check to be missed")
            assert (status_of(answered), status_of(texted)) == ("answered", "answered")
            wait_for(
                lambda: any("查岗未应答" in t for t in receiver.texts_to("13800000003")),
                20,
                "the leader on duty's text about the miss",
            )
            incidents = daemon_http.get(f"{base}/api/incidents", headers=admin).json()
            assert [(i["kind"], i["site_id"]) for i in incidents] == [("spot_check_missed", "duty")]
            assert stop(proc) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
