"""Recording check-ins: exactly once per key, once per person and site within the window, right local day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.helpers.clocks import FakeClock
from watchd.app import Services
from watchd.errors import NotFound
from watchd.services.checkins import NewCheckin


def new(key: str, at: datetime, person: str = "c001", device: str = "kiosk-bayan") -> NewCheckin:
    return NewCheckin(key=key, person_id=person, device_id=device, occurred_at=at, method="terminal", liveness="terminal")


def test_replay_of_the_same_key_changes_nothing(services: Services, clock: FakeClock) -> None:
    first = services.checkins.record(new("dev:1", clock.now))
    again = services.checkins.record(new("dev:1", clock.now + timedelta(hours=3)))
    assert first.status == "accepted" and again.status == "duplicate"
    assert again.checkin.id == first.checkin.id
    assert len(services.checkins.search()) == 1


def test_same_person_same_site_within_window_counts_once(services: Services, clock: FakeClock) -> None:
    a = services.checkins.record(new("dev:1", clock.now))
    b = services.checkins.record(new("dev:2", clock.now + timedelta(minutes=9)))
    c = services.checkins.record(new("dev:3", clock.now + timedelta(minutes=25)))
    assert (a.status, b.status, c.status) == ("accepted", "duplicate", "accepted")
    assert b.checkin.id == a.checkin.id
    assert len(services.checkins.search(person_id="c001")) == 2


def test_window_is_configurable_and_zero_disables_it(make_services: Callable[..., Services], clock: FakeClock) -> None:
    s = make_services(checkin={"dedup_window_minutes": 0})
    assert s.checkins.record(new("dev:1", clock.now)).status == "accepted"
    assert s.checkins.record(new("dev:2", clock.now + timedelta(seconds=30))).status == "accepted"


def test_other_person_or_other_site_is_not_a_repeat(services: Services, clock: FakeClock) -> None:
    services.checkins.record(new("dev:1", clock.now))
    assert services.checkins.record(new("dev:2", clock.now, person="c002")).status == "accepted"
    assert services.checkins.record(new("dev:3", clock.now, device="kiosk-hure")).status == "accepted"


def test_local_day_follows_the_township_time_zone(services: Services) -> None:
    # 23:30 UTC on the 22nd is 07:30 on the 23rd in Asia/Shanghai.
    services.checkins.record(new("dev:1", datetime(2026, 11, 22, 23, 30, tzinfo=UTC)))
    on_23 = services.checkins.search(day=date(2026, 11, 23))
    assert [c.person_id for c in on_23] == ["c001"]
    assert services.checkins.search(day=date(2026, 11, 22)) == []
    assert on_23[0].site_name == "巴音嘎查"


def test_unknown_person_or_device_is_refused_and_nothing_stored(services: Services, clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        services.checkins.record(new("dev:1", clock.now, person="nobody"))
    with pytest.raises(NotFound):
        services.checkins.record(new("dev:2", clock.now, device="no-such-kiosk"))
    assert services.checkins.search() == []


def test_a_deleted_person_keeps_history_but_cannot_check_in(services: Services, clock: FakeClock) -> None:
    services.checkins.record(new("dev:1", clock.now))
    services.people.delete("c001")
    history = services.checkins.search(person_id="c001")
    assert [c.person_name for c in history] == ["其其格"]
    with pytest.raises(NotFound):
        services.checkins.record(new("dev:2", clock.now + timedelta(hours=1)))
