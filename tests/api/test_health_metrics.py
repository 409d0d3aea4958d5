"""/healthz (no login, 503 when the database or a stage is down) and /metrics (Prometheus, address or token)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from devices.contracts import Frame
from tests.helpers.clocks import FakeClock, MonoClock
from tests.watchd.alerts.alerting import Ticker, alert_config, motion
from watchd.app import Daemon, Services
from watchd.db.session import Database, build_engine
from watchd.ops.heartbeat import Heartbeats
from watchd.ops.runtime import Runtime
from watchd.pipeline.supervisor import DeviceRuntime
from watchd.services.checkins import NewCheckin

LOCAL = ("127.0.0.1", 40000)
REMOTE = ("192.0.2.7", 40000)


def samples(client: TestClient, **kw: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics", **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_healthz_reports_components_and_turns_503_on_a_stale_stage(make_services: Callable[..., Services]) -> None:
    clock = MonoClock(100.0)
    services = make_services(runtime=Runtime(Heartbeats(clock), alert_runner_running=True))
    stage = services.runtime.heartbeats.register("alerts", 30)
    with TestClient(create_app(services)) as client:
        r = client.get("/healthz")
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "ok"
        assert body["components"]["database"]["status"] == "ok"
        assert body["components"]["alert_runner"] == {"status": "running"}
        assert body["components"]["scheduler"] == {"status": "off"}
        clock.now += 91  # the alert runner has not beaten for more than 3 x 30 s
        r = client.get("/healthz")
        assert r.status_code == 503
        assert r.json()["status"] == "unavailable"
        assert r.json()["components"]["stages"]["stale"] == ["alerts"]
        assert r.json()["components"]["alert_runner"] == {"status": "stale"}
        stage.beat()
        assert client.get("/healthz").status_code == 200


def test_healthz_is_503_when_the_database_is_unreachable(services: Services) -> None:
    services.db = Database(build_engine("postgresql+psycopg://watchd:hunter2secret@127.0.0.1:1/none"))
    with TestClient(create_app(services)) as client:
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["components"]["database"]["status"] == "unreachable"
    assert "hunter2secret" not in r.text


def test_metrics_follow_checkins_incidents_notifications_and_dropped_frames(
    make_daemon: Callable[..., Daemon], clock: FakeClock
) -> None:
    daemon = make_daemon(**alert_config(None))  # as `watchd run` builds it; its supervisor is not started
    services = daemon.services
    with TestClient(create_app(services), client=LOCAL) as client:
        before = samples(client)
        assert before[("watchd_database_up", ())] == 1
        assert ("watchd_checkins_total", (("method", "kiosk_face"),)) not in before

        services.checkins.record(NewCheckin(
            key="k1", person_id="c001", device_id="kiosk-bayan", occurred_at=clock(), method="kiosk_face",
            liveness="passed",
        ))
        services.alerts.report(motion(clock))
        after = samples(client)
        assert after[("watchd_checkins_total", (("method", "kiosk_face"),))] == 1
        open_motion = ("watchd_incidents_open", (("kind", "motion"), ("severity", "normal"), ("status", "open")))
        assert after[open_motion] == 1
        assert sum(v for (name, _), v in after.items() if name == "watchd_outbox_queue") >= 1

        Ticker(services).tick()  # the console channel delivers
        delivered = samples(client)
        sent = delivered[("watchd_notifications_total", (("channel", "console"), ("outcome", "sent")))]
        assert sent >= 1
        assert delivered[("watchd_outbox_queue", (("state", "pending"),))] == 0

        # A device whose frames arrive faster than they are analysed: the oldest are dropped and counted.
        rt = daemon.supervisor.runtimes["cam-k"] = DeviceRuntime("cam-k")
        for seq in range(5):
            rt.emit(Frame(device_id="cam-k", occurred_at=clock(), seq=seq, image=np.zeros((4, 4, 3), np.uint8)))
        frames = samples(client)
        assert frames[("watchd_frames_dropped_total", (("device", "cam-k"),))] == 3
        assert frames[("watchd_device_queue", (("device", "cam-k"), ("queue", "frames")))] == 2


def test_metrics_are_refused_to_other_addresses_unless_they_bring_the_token(
    make_services: Callable[..., Services], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services = make_services()
    with TestClient(create_app(services), client=REMOTE) as client:
        r = client.get("/metrics")
        assert r.status_code == 403
        assert r.json()["detail"]["code"] == "metrics_denied"

    services = make_services(metrics={"token_env": "WATCHD_METRICS_TOKEN", "allow": ["10.1.0.0/16"]})
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "WATCHD_METRICS_TOKEN").write_text("s3cret-scrape-token\n", encoding="utf-8")
    monkeypatch.delenv("WATCHD_METRICS_TOKEN", raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))  # systemd LoadCredential=
    with TestClient(create_app(services), client=REMOTE) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        samples(client, headers={"Authorization": "Bearer s3cret-scrape-token"})
    with TestClient(create_app(services), client=("10.1.2.3", 1234)) as client:
        samples(client)  # an allowed network needs no token
