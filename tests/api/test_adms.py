"""ADMS push: registered terminals upload punches in plain text; unknown serials and addresses are refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.fakes.adms_device import FakeAdmsDevice
from tests.helpers.clocks import FakeClock
from watchd.app import Services

ADMS: dict[str, Any] = {"id": "adms-hure", "kind": "zkteco_adms", "site": "hure", "serial": "ADMS0001"}


@pytest.fixture
def adms_app(make_services: Callable[..., Services]) -> Iterator[Callable[..., tuple[Services, TestClient]]]:
    clients: list[TestClient] = []

    def factory(client_host: str = "testclient", **device: Any) -> tuple[Services, TestClient]:
        services = make_services(devices=[{**ADMS, **device}])
        client = TestClient(create_app(services), client=(client_host, 40000))
        client.__enter__()
        clients.append(client)
        return services, client

    yield factory
    for c in clients:
        c.__exit__(None, None, None)


def test_options_tell_the_terminal_where_to_resume(adms_app: Callable[..., tuple[Services, TestClient]]) -> None:
    _services, client = adms_app()
    device = FakeAdmsDevice(client)
    r = device.boot()
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.text.splitlines()[0] == "GET OPTION FROM: ADMS0001"
    assert device.options["ATTLOGStamp"] == "None"
    assert device.options["TimeZone"] == "8"
    assert device.options["TransFlag"] == "TransData AttLog"  # no photos, no user or face data
    assert device.options["Realtime"] == "1"


def test_punches_are_stored_once_and_the_stamp_survives_a_reboot(
    adms_app: Callable[..., tuple[Services, TestClient]],
) -> None:
    services, client = adms_app()
    device = FakeAdmsDevice(client)
    device.boot()
    device.punch("c002", "2026-11-23 08:01:00")
    device.punch("c002", "2026-11-23 08:20:00", status=1)
    device.punch("7", "2026-11-23 08:05:00", verify=4)
    r = device.upload()
    assert (r.status_code, r.text) == (200, "OK: 3\n")
    checkins = services.checkins.search()
    assert sorted(c.person_id for c in checkins) == ["c002", "c002"]
    assert {c.site_id for c in checkins} == {"hure"}
    states = {(p.device_user, p.device_time): (p.verify, p.attendance_state, p.source) for p in services.punches.punches()}
    assert states[("7", "2026-11-23 08:05:00")] == ("4", "check_in", "zkteco_adms")
    assert states[("c002", "2026-11-23 08:20:00")] == ("15", "check_out", "zkteco_adms")

    rebooted = FakeAdmsDevice(client, log=list(device.log))  # forgot its stamp
    rebooted.boot()
    assert rebooted.stamp == 3
    rebooted.punch("c002", "2026-11-23 07:40:00")
    assert rebooted.upload().text == "OK: 1\n"
    rebooted.stamp = 0  # a terminal told to upload everything again
    assert rebooted.upload().text == "OK: 4\n"
    assert len(services.punches.punches()) == 4
    assert len(services.checkins.search()) == 3


def test_heartbeats_never_carry_commands(adms_app: Callable[..., tuple[Services, TestClient]]) -> None:
    services, client = adms_app()
    device = FakeAdmsDevice(client)
    device.boot()
    for _ in range(3):
        assert device.heartbeat().text == "OK\n"
    r = client.post("/iclock/devicecmd", params={"SN": "ADMS0001"}, content=b"ID=1&Return=0&CMD=SHELL")
    assert r.text == "OK\n"
    assert client.get("/iclock/ping", params={"SN": "ADMS0001"}).text == "OK\n"
    assert device.commands == []
    (terminal,) = services.punches.terminals()
    assert terminal.firmware == "Ver 8.0.4.2-20220101"


def test_an_unknown_serial_is_refused_and_nothing_is_stored(
    adms_app: Callable[..., tuple[Services, TestClient]], admin_headers_for: Callable[..., Any]
) -> None:
    services, client = adms_app()
    stranger = FakeAdmsDevice(client, serial="EVIL0001")
    r = stranger.boot()
    assert r.status_code == 403
    assert r.text == "ERROR: unknown_device: serial number EVIL0001 is not registered\n"
    stranger.punch("c002", "2026-11-23 08:01:00")
    assert stranger.upload().status_code == 403
    assert stranger.heartbeat().status_code == 403
    assert services.punches.punches() == [] and services.checkins.search() == []
    _s, admin, headers = admin_headers_for(services)
    seen = admin.get("/api/terminals/unknown-serials", headers=headers).json()
    assert [(u["serial"], u["address"], u["calls"]) for u in seen] == [("EVIL0001", "testclient", 3)]
    assert client.get("/iclock/getrequest").status_code == 400  # no serial at all


def test_the_address_allow_list(adms_app: Callable[..., tuple[Services, TestClient]]) -> None:
    _s, outside = adms_app(allow_ips=["192.168.10.0/24"], client_host="10.1.2.3")
    r = FakeAdmsDevice(outside).boot()
    assert r.status_code == 403 and "address_not_allowed" in r.text
    _s, inside = adms_app(allow_ips=["192.168.10.0/24"], client_host="192.168.10.77")
    assert FakeAdmsDevice(inside).boot().status_code == 200


def test_bad_lines_are_reported_and_good_ones_kept(
    adms_app: Callable[..., tuple[Services, TestClient]], caplog: pytest.LogCaptureFixture
) -> None:
    services, client = adms_app()
    device = FakeAdmsDevice(client)
    device.punch("c002", "2026-11-23 08:01:00")
    device.raw_line("garbage without tabs")
    device.raw_line("\t2026-11-23 08:02:00\t0\t15")  # no user
    device.raw_line("c002\t23/11/2026 08:03\t0\t15")  # not a time
    device.punch("c002", "2026-02-30 08:04:00")  # a day that does not exist
    device.punch("巴特尔", "2026-11-23 08:05:00")
    r = device.upload(encoding="gb18030")
    assert r.text == "OK: 6\n"
    stored = sorted((p.device_user, p.device_time, p.state, p.reason) for p in services.punches.punches())
    assert stored == [
        ("c002", "2026-02-30 08:04:00", "quarantined", "bad_time"),
        ("c002", "2026-11-23 08:01:00", "counted", None),
        ("巴特尔", "2026-11-23 08:05:00", "unmapped", None),
    ]
    problems = [rec.getMessage() for rec in caplog.records if "not stored" in rec.getMessage()]
    assert len(problems) == 3
    assert any("line 2 not stored: no time in the second field: garbage without tabs" in m for m in problems)
    assert any("line 4 not stored: not a YYYY-MM-DD HH:MM:SS time" in m for m in problems)


def test_other_tables_are_acknowledged_not_stored(adms_app: Callable[..., tuple[Services, TestClient]]) -> None:
    services, client = adms_app()
    r = client.post(
        "/iclock/cdata", params={"SN": "ADMS0001", "table": "OPERLOG"}, content=b"USER PIN=1\tName=x\n"
    )
    assert r.text == "OK\n"
    assert services.punches.punches() == []


def test_an_oversized_upload_is_refused(adms_app: Callable[..., tuple[Services, TestClient]]) -> None:
    _services, client = adms_app()
    r = client.post(
        "/iclock/cdata", params={"SN": "ADMS0001", "table": "ATTLOG", "Stamp": "1"}, content=b"x" * (3 * 1024 * 1024)
    )
    assert r.status_code == 413 and r.text.startswith("ERROR: too_large")


def test_presence_follows_the_heartbeat(adms_app: Callable[..., tuple[Services, TestClient]], clock: FakeClock) -> None:
    services, client = adms_app(offline_after_s=60)
    FakeAdmsDevice(client).heartbeat()
    assert [c.online for c in services.punches.sweep_presence()] == [True]
    clock.advance(seconds=61)
    assert [c.online for c in services.punches.sweep_presence()] == [False]
    (terminal,) = services.punches.terminals()
    assert terminal.online is False and "60 s" in terminal.status_detail


@pytest.mark.parametrize("serial_key", ["SN", "sn"])
def test_push_2x_firmware_with_aspx_paths_registers_uploads_and_heartbeats(
    adms_app: Callable[..., tuple[Services, TestClient]], serial_key: str
) -> None:
    """eSSL and older ZKTeco push-2.x firmware call /iclock/*.aspx; some spell the serial `sn`."""
    services, client = adms_app()
    device = FakeAdmsDevice(
        client, suffix=".aspx", serial_key=serial_key, pushver="2.0.22", firmware="Ver 6.60 Apr 7 2016"
    )
    r = device.boot()
    assert r.status_code == 200, r.text
    assert r.text.splitlines()[0] == "GET OPTION FROM: ADMS0001"
    device.punch("c002", "2026-11-23 08:01:00")
    assert device.upload().text == "OK: 1\n"
    assert device.heartbeat().text == "OK\n"
    assert device.command_result().text == "OK\n"
    assert [c.person_id for c in services.checkins.search()] == ["c002"]
    (terminal,) = services.punches.terminals()
    assert terminal.firmware == "Ver 6.60 Apr 7 2016"
    assert client.get(f"/iclock/ping?{serial_key}=ADMS0001").text == "OK\n"


def test_a_missing_serial_is_a_documented_400(adms_app: Callable[..., tuple[Services, TestClient]]) -> None:
    _services, client = adms_app()
    paths = client.get("/openapi.json").json()["paths"]
    iclock = {p: ops for p, ops in paths.items() if p.startswith("/iclock/")}
    assert {"/iclock/cdata.aspx", "/iclock/getrequest.aspx", "/iclock/devicecmd.aspx"} <= set(iclock)
    for path, ops in iclock.items():
        for method, op in ops.items():
            (serial,) = [p for p in op["parameters"] if p["name"] == "SN"]
            assert serial["required"] is True, (method, path)
            assert "400" in op["responses"] and "text/plain" in op["responses"]["400"]["content"], (
                method,
                path,
            )
            r = client.request(method.upper(), path)
            assert r.status_code == 400 and r.text.startswith("ERROR: bad_request: SN"), (method, path)
