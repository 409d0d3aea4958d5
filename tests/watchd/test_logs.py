"""Log lines: text or JSON, extra fields kept, no timestamp under the journal, secrets never written."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import pytest

from devices.secrets import read_secret
from watchd.logs import JsonFormatter, TextFormatter, remember_secret, under_journal


def record(msg: str, *args: object, level: int = logging.WARNING, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("watchd.alerts.sender", level, __file__, 1, msg, args or None, None)
    for k, v in extra.items():
        setattr(rec, k, v)
    return rec


def test_json_lines_carry_level_logger_message_and_extra_fields() -> None:
    line = JsonFormatter(journal=False).format(record("incident %d escalated", 42, device_id="cam3", incident_id=42))
    body = json.loads(line)
    assert body["level"] == "WARNING" and body["logger"] == "watchd.alerts.sender"
    assert body["msg"] == "incident 42 escalated"
    assert body["device_id"] == "cam3" and body["incident_id"] == 42
    assert body["ts"].endswith("+00:00")


def test_under_the_journal_no_timestamp_and_a_priority_prefix() -> None:
    text = TextFormatter(journal=True).format(record("camera offline", device_id="cam3"))
    assert text == "<4>WARNING watchd.alerts.sender: camera offline device_id=cam3"
    body = JsonFormatter(journal=True).format(record("x", level=logging.ERROR))
    assert body.startswith("<3>{") and "ts" not in json.loads(body[3:])
    plain = TextFormatter(journal=False).format(record("x"))
    assert plain[:4].isdigit()  # the date comes first outside the journal


def test_journal_detection_checks_that_stderr_is_the_journal_stream(tmp_path: Path) -> None:
    with (tmp_path / "f").open("w") as f:
        st = os.fstat(f.fileno())
        assert under_journal(f, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        assert not under_journal(f, {"JOURNAL_STREAM": "1:2"})
        assert not under_journal(f, {})


@pytest.mark.parametrize("formatter", [TextFormatter(journal=False), JsonFormatter(journal=False)])
def test_secrets_are_redacted_wherever_they_appear(
    formatter: logging.Formatter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIYUN_SECRET", "LTAIsuperSecretValue9")
    secret = read_secret("ALIYUN_SECRET", where="alerts.channels.0.access_key_secret_env")
    remember_secret("unused-but-known-1234")
    lines = [
        formatter.format(record("provider answered for key %s", secret)),
        formatter.format(record("connecting to rtsp://admin:Cam3ra!pw@10.0.0.5/stream")),
        formatter.format(record("POST https://oapi.dingtalk.com/robot/send?access_token=abcdef123456&x=1")),
        formatter.format(record("login with password=hunter22 and token: tk_998877")),
        formatter.format(record("header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc")),
        formatter.format(record("channel configured", password="p4ssw0rd!", api_key="k-123456")),
    ]
    try:
        raise RuntimeError("upstream said: secret LTAIsuperSecretValue9 rejected")
    except RuntimeError:
        rec = record("send failed")
        rec.exc_info = sys.exc_info()
        lines.append(formatter.format(rec))
    joined = "\n".join(lines)
    for leaked in ("LTAIsuperSecretValue9", "Cam3ra!pw", "abcdef123456", "hunter22", "tk_998877", "eyJhbGci",
                   "p4ssw0rd!", "k-123456"):
        assert leaked not in joined, leaked
    assert "[redacted]" in lines[0] and "10.0.0.5/stream" in lines[1]  # the rest of the line stays readable
