"""Incidents through the API and the pages a leader opens on the phone: dashboard list and detail,
acknowledge and resolve, the link in the message (no login), provider callbacks for delivery
reports and SMS replies."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import LEADER, Ticker, alert_config, motion
from tests.watchd.alerts.webhook_receiver import WebhookReceiver
from watchd.app import Services

Headers = dict[str, str]
Setup = Callable[..., tuple[Services, TestClient, Headers, WebhookReceiver]]


@pytest.fixture
def alerting(make_services: Callable[..., Services], admin_headers_for: Any) -> Iterator[Setup]:
    receivers: list[WebhookReceiver] = []

    def setup(**alerts: Any) -> tuple[Services, TestClient, Headers, WebhookReceiver]:
        receiver = WebhookReceiver().__enter__()
        receivers.append(receiver)
        if callable(alerts.get("channels")):
            alerts["channels"] = alerts["channels"](receiver)
        services, client, headers = admin_headers_for(make_services(**alert_config(receiver.url, **alerts)))
        return services, client, headers, receiver

    yield setup
    for r in receivers:
        r.__exit__(None)


def login(services: Services, client: TestClient, username: str, role: str) -> Headers:
    services.auth.add_user(username, "a-long-password", role)
    token = client.post("/api/auth/login", json={"username": username, "password": "a-long-password"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def report(client: TestClient, headers: Headers, clock: FakeClock, subject: str = "cam3", **kw: Any) -> Any:
    body = {"kind": "motion", "site_id": "shakeng", "subject": subject, "occurred_at": clock().isoformat(),
            "summary": "发现移动目标", **kw}
    r = client.post("/api/observations", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_dashboard_lists_acknowledges_and_resolves(alerting: Setup, clock: FakeClock) -> None:
    services, client, admin, _ = alerting()
    first = report(client, admin, clock)
    assert first == {"status": "opened", "incident_id": 1, "messages": 1}
    assert report(client, admin, clock)["status"] == "duplicate"  # the same observation again
    clock.advance(seconds=30)
    assert report(client, admin, clock)["status"] == "repeat"
    [row] = client.get("/api/incidents", headers=admin, params={"status": "open"}).json()
    assert (row["code"], row["site_name"], row["status_text"], row["count"]) == ("1001", "3号沙坑", "待确认", 2)
    assert row["opened_at"].endswith("+08:00")

    leader = login(services, client, "wuyun", "leader")
    r = client.post("/api/incidents/1/acknowledge", headers=leader)
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "wuyun"
    r = client.post("/api/incidents/1/resolve", headers=leader, json={"note": "牧民放牧，已劝离"})
    assert r.json()["status"] == "resolved"
    detail = client.get("/api/incidents/1", headers=admin).json()
    assert [e["event"] for e in detail["events"]] == ["opened", "notified", "acknowledged", "resolved"]
    assert detail["events"][-1]["detail"] == "牧民放牧，已劝离"
    assert [(n["recipient_name"], n["status"]) for n in detail["notifications"]] == [("乌云", "cancelled")]


def test_who_may_do_what(alerting: Setup, clock: FakeClock) -> None:
    services, client, admin, _ = alerting()
    report(client, admin, clock)
    cadre = login(services, client, "cadre1", "cadre")
    assert client.get("/api/incidents").status_code == 401
    r = client.post("/api/incidents/1/acknowledge", headers=cadre)
    assert r.status_code == 403 and r.json()["detail"]["message"].startswith("没有权限：确认和处置警情")
    assert client.post("/api/observations", headers=cadre, json={}).status_code == 403
    r = client.post("/api/incidents/99/acknowledge", headers=admin)
    assert r.status_code == 404 and r.json()["detail"]["message"] == "警情不存在"
    bad = client.post("/api/observations", headers=admin, json={"kind": "motion", "site_id": "shakeng",
                                                               "subject": "x", "occurred_at": "2026-11-23T08:00:00"})
    assert bad.status_code == 422 and "occurred_at" in bad.text


def test_the_link_in_the_message_works_on_a_phone_without_login(alerting: Setup, clock: FakeClock) -> None:
    services, client, _, receiver = alerting()
    snapshot = services.config.data_dir / "events" / "shot.jpg"
    snapshot.parent.mkdir(parents=True)
    snapshot.write_bytes(b"\xff\xd8fake-jpeg\xff\xd9")
    services.alerts.record(motion(clock, snapshot_path="events/shot.jpg"))
    Ticker(services).tick()
    [body] = receiver.accepted.values()
    path = "/a/" + body["text"].rsplit("/a/", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "3号沙坑 发现移动目标" in page.text and "确认收到，我来处理" in page.text and "待确认" in page.text
    assert services.alerts.search()[0].status == "open"  # opening the link alone acknowledges nothing
    image = client.get(f"{path}/snapshot/1")
    assert image.status_code == 200 and image.content == snapshot.read_bytes()
    done = client.post(path)
    assert "已确认 1 起警情" in done.text and "已由 乌云" in done.text and "<button" not in done.text
    assert services.alerts.search()[0].acknowledged_by == "乌云"
    assert client.get(f"{path}/snapshot/2").status_code == 404
    forged = client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert forged.status_code == 401 and "链接无效" in forged.text


def test_provider_callback_records_receipts_and_replies(alerting: Setup, clock: FakeClock) -> None:
    services, client, admin, receiver = alerting()
    report(client, admin, clock)
    Ticker(services).tick()
    [message_id] = receiver.accepted
    channels = {c["id"]: c for c in client.get("/api/alerts/outbox", headers=admin).json()["channels"]}
    url = channels["hook"]["callback_url"]
    assert url.startswith("https://watch.example.cn/api/alerts/callbacks/hook/")
    path = url.removeprefix("https://watch.example.cn")
    push = {
        "receipts": [{"message_id": message_id, "status": "delivered", "detail": "DELIVRD"}],
        "replies": [{"sender": "+86" + LEADER, "text": "1", "received_at": clock().isoformat()}],
    }
    r = client.post(path, content=json.dumps(push))
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert client.post(path, content=json.dumps(push)).status_code == 200  # the provider's retry: no effect
    detail = client.get("/api/incidents/1", headers=admin).json()
    assert detail["incident"]["status"] == "acknowledged" and detail["incident"]["acknowledged_by"] == "乌云"
    [message] = detail["notifications"]
    assert message["status"] == "delivered"
    assert [h["action"] for h in message["history"]] == ["send", "receipt", "receipt"]
    assert client.get("/api/alerts/outbox", headers=admin).json()["counts"] == {"delivered": 1}
    assert client.post(path[:-4] + "xxxx", content=b"{}").status_code == 404
    assert client.post(path, content=b"not json").status_code == 422


@pytest.mark.date_sensitive  # the callback's signature carries the real clock's timestamp, as providers send it
def test_signed_callbacks_are_checked(
    alerting: Setup, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHD_HOOK_SECRET", "s3cret-for-the-hook")
    services2, client2, admin2, receiver = alerting(channels=lambda r: [
        {"id": "signed", "kind": "webhook", "url": r.send_url, "secret_env": "WATCHD_HOOK_SECRET"}
    ])
    report(client2, admin2, clock)
    Ticker(services2).tick()
    [sent] = [receiver.requests[-1]]
    ts = sent.headers["x-watchd-timestamp"]
    expected = "sha256=" + hmac.new(b"s3cret-for-the-hook", ts.encode() + b"." + sent.body, hashlib.sha256).hexdigest()
    assert sent.headers["x-watchd-signature"] == expected
    url = client2.get("/api/alerts/outbox", headers=admin2).json()["channels"][0]["callback_url"]
    path = url.removeprefix("https://watch.example.cn")
    body = json.dumps({"replies": [{"sender": LEADER, "text": "1", "received_at": clock().isoformat()}]}).encode()
    unsigned = client2.post(path, content=body)
    assert unsigned.status_code == 422 and unsigned.json()["detail"]["code"] == "callback_rejected"
    now = str(int(time.time()))
    signature = "sha256=" + hmac.new(b"s3cret-for-the-hook", now.encode() + b"." + body, hashlib.sha256).hexdigest()
    ok = client2.post(path, content=body, headers={"X-Watchd-Timestamp": now, "X-Watchd-Signature": signature})
    assert ok.status_code == 200
    assert services2.alerts.search()[0].status == "acknowledged"
