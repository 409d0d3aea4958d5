"""Attendance fixtures: a township with a leader, cadres in two villages, a kiosk per village, and
helpers to punch at local times and to move the test clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers.clocks import FakeClock
from watchd.app import Services
from watchd.services.auth import Principal
from watchd.services.checkins import CheckinOutcome, NewCheckin

ZONE = ZoneInfo("Asia/Shanghai")
ORG = "苏木政府"
PEOPLE: list[dict[str, Any]] = [
    {"id": "c001", "name": "其其格", "role": "cadre", "organisation": ORG, "villages": ["bayan"], "phone": "13800000001"},
    {"id": "c002", "name": "巴特尔", "role": "cadre", "organisation": ORG, "villages": ["hure"]},
    {"id": "l001", "name": "乌云", "role": "leader", "organisation": ORG, "phone": "13800000003"},
]
ATTENDANCE: dict[str, Any] = {
    "rules": {"grace_late_minutes": 5, "grace_early_minutes": 5, "allowance_per_day": 35},
    "makeup_monthly_cap": 2,
}
ADMIN = Principal(0, "admin", "admin")
LEADER = Principal(1, "l001", "leader")


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZONE)


def as_user(username: str, role: str = "cadre") -> Principal:
    return Principal(99, username, role)


@dataclass
class Township:
    services: Services
    clock: FakeClock
    keys: int = 0

    def at(self, day: date, hhmm: str) -> None:
        """Move the clock to a local time (forward or back)."""
        self.clock.now = local(day, hhmm)

    def punch(self, person: str, day: date, hhmm: str, *, device: str = "kiosk-bayan") -> CheckinOutcome:
        """A check-in that happened at `hhmm` on `day`, arriving now (the clock's time)."""
        self.keys += 1
        return self.services.checkins.record(
            NewCheckin(key=f"t:{self.keys}", person_id=person, device_id=device, occurred_at=local(day, hhmm),
                       method="terminal", liveness="terminal")
        )

    def day_of(self, person: str, day: date) -> Any:
        return next(r for r in self.services.attendance.daily(day).records if r.person_id == person)


@pytest.fixture
def township(make_services: Callable[..., Services], clock: FakeClock) -> Township:
    """Services whose people exist from Monday 2026-11-23 00:00 local time."""
    clock.now = local(date(2026, 11, 23), "00:00")
    return Township(make_services(people=PEOPLE, attendance=ATTENDANCE), clock)
