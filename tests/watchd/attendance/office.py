"""For the attendance API tests (tests/api/test_attendance*.py, test_reports.py): a township, logins for
its people, punches at local times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.helpers.clocks import FakeClock
from watchd.app import Services
from watchd.services.checkins import NewCheckin

ZONE = ZoneInfo("Asia/Shanghai")
ORG = "苏木政府"
PEOPLE: list[dict[str, Any]] = [
    {"id": "c001", "name": "其其格", "role": "cadre", "organisation": ORG, "villages": ["bayan"], "phone": "13800000001"},
    {"id": "c002", "name": "巴特尔", "role": "cadre", "organisation": ORG, "villages": ["hure"]},
    {"id": "l001", "name": "乌云", "role": "leader", "organisation": ORG},
]
ATTENDANCE: dict[str, Any] = {
    "rules": {"grace_late_minutes": 5, "allowance_per_day": 35, "village_day_rule": "morning"},
    "makeup_monthly_cap": 1,
}
PASSWORD = "a-long-password"
MONDAY = date(2026, 11, 23)


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZONE)


@dataclass
class Office:
    services: Services
    client: TestClient
    admin: dict[str, str]
    clock: FakeClock
    keys: int = 0

    def login(self, username: str, role: str) -> dict[str, str]:
        self.services.auth.add_user(username, PASSWORD, role)
        r = self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def at(self, day: date, hhmm: str) -> None:
        self.clock.now = local(day, hhmm)

    def punch(self, person: str, day: date, *times: str, device: str = "kiosk-bayan") -> None:
        for hhmm in times:
            self.keys += 1
            self.services.checkins.record(
                NewCheckin(key=f"t:{self.keys}", person_id=person, device_id=device, occurred_at=local(day, hhmm),
                           method="terminal", liveness="terminal")
            )


def open_office(
    make_services: Callable[..., Services], admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock, **overrides: Any,
) -> Office:
    clock.now = local(MONDAY, "00:00")
    services, client, admin = admin_headers_for(
        make_services(people=PEOPLE, attendance={**ATTENDANCE, **overrides}, server={"token_ttl_hours": 24 * 30})
    )
    return Office(services, client, admin, clock)
