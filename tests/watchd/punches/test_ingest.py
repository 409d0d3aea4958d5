"""Raw punches: stored exactly once, implausible times quarantined, unknown users kept, mapped users counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from devices.contracts import DeviceInfo
from devices.terminal import RAW_TIME_ERROR
from tests.helpers.clocks import FakeClock
from tests.watchd.punches.conftest import local, punch
from watchd.app import Services
from watchd.errors import Invalid, NotFound

# The fake clock stands at 2026-11-23 08:30 in Asia/Shanghai.
MORNING = [
    punch("c001", "2026-11-23 08:01:00"),
    punch("1001", "2026-11-23 08:02:00", name="乌云"),
    punch("c002", "2026-11-23 08:03:00"),
]


def test_a_batch_is_stored_once_however_often_it_arrives(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    first = services.punches.ingest("zk-bayan", MORNING, position="3|c002|2026-11-23 08:03:00")
    assert (first.received, first.stored, first.counted) == (3, 3, 2)
    for _ in range(2):  # a re-read of the whole log, a replay after a restart
        again = services.punches.ingest("zk-bayan", [*MORNING, *MORNING])
        assert (again.stored, again.counted) == (0, 0)
    checkins = services.checkins.search()
    assert sorted((c.person_id, local(c.occurred_at), c.method, c.site_id) for c in checkins) == [
        ("c001", "2026-11-23 08:01:00", "terminal", "bayan"),
        ("c002", "2026-11-23 08:03:00", "terminal", "bayan"),
    ]
    rows = services.punches.punches()
    assert len(rows) == 3
    assert {r.state for r in rows} == {"counted", "unmapped"}
    assert services.punches.position("zk-bayan") == "3|c002|2026-11-23 08:03:00"


def test_the_watermark_moves_only_with_a_complete_read(terminal_services: Callable[..., Services], clock: FakeClock) -> None:
    services = terminal_services()
    read_started = clock.now - timedelta(seconds=5)
    services.punches.ingest("zk-bayan", MORNING[:1], position="1|a")  # a first batch: more to come
    assert {t.device_id: t.last_contact_at for t in services.punches.terminals()}["zk-bayan"] is None
    services.punches.ingest("zk-bayan", MORNING[1:], position="3|b", synced_at=read_started)
    (zk,) = [t for t in services.punches.terminals() if t.device_id == "zk-bayan"]
    assert zk.last_contact_at == read_started
    services.punches.device_seen("zk-bayan", DeviceInfo(serial="ZK0001", model="m"), skew_s=1.0)  # a probe
    services.punches.ingest("zk-bayan", [], synced_at=read_started - timedelta(hours=1))  # an older read
    (zk,) = [t for t in services.punches.terminals() if t.device_id == "zk-bayan"]
    assert zk.last_contact_at == read_started


def test_each_punch_keeps_device_time_receive_time_and_skew(
    terminal_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = terminal_services()
    p = punch("c001", "2026-11-23 08:01:00")
    p.raw.update({"skew_s": "-42.500", "cursor": "17"})  # type: ignore[attr-defined]
    services.punches.ingest("zk-bayan", [p])
    (row,) = services.punches.punches()
    assert (row.serial, row.device_user, row.device_time) == ("ZK0001", "c001", "2026-11-23 08:01:00")
    assert row.received_at == clock.now
    assert local(row.occurred_at) == "2026-11-23 08:01:00"
    assert (row.clock_skew_seconds, row.cursor, row.source) == (-42.5, 17, "zkteco")


def test_implausible_times_are_quarantined_for_review(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    feb31 = punch("c001", "2026-02-31 08:00:00")
    assert RAW_TIME_ERROR in feb31.raw
    services.punches.ingest(
        "zk-bayan",
        [
            punch("c001", "2000-01-01 00:03:00"),  # clock battery died
            punch("c001", "1970-01-01 08:00:00"),
            punch("c001", "2026-11-23 11:00:00"),  # hours ahead of our clock
            punch("c001", "2026-08-01 08:00:00"),  # older than the 62 days counted
            feb31,
        ],
    )
    reasons = {r.device_time: r.reason for r in services.punches.punches(state="quarantined")}
    assert reasons == {
        "2000-01-01 00:03:00": "clock_reset",
        "1970-01-01 08:00:00": "clock_reset",
        "2026-11-23 11:00:00": "future",
        "2026-08-01 08:00:00": "too_old",
        "2026-02-31 08:00:00": "bad_time",
    }
    assert services.checkins.search() == []


def test_a_reviewed_punch_can_be_released_once(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    services.punches.ingest("zk-bayan", [punch("c001", "2026-08-01 08:00:00"), punch("c001", "2026-02-31 08:00:00")])
    by_reason = {r.reason: r for r in services.punches.punches(state="quarantined")}
    old, bad = by_reason["too_old"], by_reason["bad_time"]
    released = services.punches.release(old.id)
    assert (released.state, released.reason) == ("counted", "released")
    assert [local(c.occurred_at) for c in services.checkins.search()] == ["2026-08-01 08:00:00"]
    with pytest.raises(Exception, match="not quarantined"):
        services.punches.release(old.id)
    with pytest.raises(Invalid, match="no real time"):
        services.punches.release(bad.id)
    with pytest.raises(NotFound):
        services.punches.release(999999)


def test_unknown_users_are_kept_listed_and_counted_once_mapped(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    services.punches.ingest("zk-bayan", [*MORNING, punch("1001", "2026-11-23 08:20:00", name="乌云")])
    (unknown,) = services.punches.unknown_users()
    assert (unknown.device_id, unknown.device_user, unknown.user_name, unknown.punches) == ("zk-bayan", "1001", "乌云", 2)
    assert (unknown.first_time, unknown.last_time) == ("2026-11-23 08:02:00", "2026-11-23 08:20:00")

    result = services.punches.set_mapping("zk-bayan", "1001", "c002")
    assert result.recounted == 2
    assert result.mapping.person_name == "巴特尔"
    assert services.punches.unknown_users() == []
    times = sorted(local(c.occurred_at) for c in services.checkins.search(person_id="c002"))
    assert times == ["2026-11-23 08:03:00", "2026-11-23 08:20:00"]  # 08:02 repeats c002's own 08:03
    services.punches.ingest("zk-bayan", [punch("1001", "2026-11-23 08:20:00")])
    assert services.punches.set_mapping("zk-bayan", "1001", "c002").recounted == 0
    assert len(services.checkins.search(person_id="c002")) == 2


def test_repeats_within_the_window_point_at_the_first_checkin(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    services.punches.ingest("zk-bayan", [punch("c001", "2026-11-23 08:01:00"), punch("c001", "2026-11-23 08:04:00")])
    rows = sorted(services.punches.punches(), key=lambda r: r.device_time)
    assert [r.reason for r in rows] == [None, "repeat"]
    assert rows[0].checkin_id == rows[1].checkin_id is not None


def test_ignore_and_all_terminal_mappings(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    services.punches.set_mapping("*", "1001", "c001")
    services.punches.set_mapping("*", "9999", None)  # the installer's test account
    services.punches.set_mapping("zk-bayan", "1002", "c002")
    services.punches.set_mapping("*", "1002", "c001")  # the device's own row wins
    services.punches.ingest(
        "zk-bayan",
        [punch("1001", "2026-11-23 08:01:00"), punch("9999", "2026-11-23 08:02:00"), punch("1002", "2026-11-23 08:03:00")],
    )
    states = {r.device_user: (r.state, r.person_id) for r in services.punches.punches()}
    assert states == {"1001": ("counted", "c001"), "9999": ("ignored", None), "1002": ("counted", "c002")}
    mappings = {(m.device_id, m.device_user): m.person_id for m in services.punches.mappings()}
    assert mappings[("*", "9999")] is None

    services.punches.delete_mapping("*", "9999")
    assert [u.device_user for u in services.punches.unknown_users()] == ["9999"]
    with pytest.raises(NotFound):
        services.punches.delete_mapping("*", "9999")


def test_mapping_is_checked(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    with pytest.raises(NotFound, match="no person"):
        services.punches.set_mapping("zk-bayan", "1001", "nobody")
    with pytest.raises(NotFound, match="no terminal"):
        services.punches.set_mapping("kiosk-bayan", "1001", "c001")
    with pytest.raises(Invalid):
        services.punches.set_mapping("zk-bayan", " ", "c001")


def test_person_id_matching_can_be_turned_off(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services(terminals={"match_person_id": False})
    services.punches.ingest("zk-bayan", MORNING)
    assert services.checkins.search() == []
    assert {u.device_user for u in services.punches.unknown_users()} == {"c001", "1001", "c002"}


def test_a_crash_between_storing_and_counting_is_finished_once(
    terminal_services: Callable[..., Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = terminal_services()

    def power_cut(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("power cut")

    with monkeypatch.context() as m:
        m.setattr(services.checkins, "record", power_cut)
        with pytest.raises(RuntimeError):
            services.punches.ingest("zk-bayan", MORNING)
    assert {r.device_user: r.state for r in services.punches.punches()}["c001"] == "pending"
    assert services.checkins.search() == []
    assert services.punches.process_pending() == 2  # what the next start does
    services.punches.ingest("zk-bayan", MORNING)  # and the re-read after it
    assert len(services.checkins.search()) == 2
    assert services.punches.process_pending() == 0


def test_a_device_not_in_the_configuration_stores_nothing(terminal_services: Callable[..., Services]) -> None:
    services = terminal_services()
    with pytest.raises(NotFound):
        services.punches.ingest("gone", MORNING, position="3|x")
    assert services.punches.punches() == []
