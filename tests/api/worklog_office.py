"""A township for the work-log tests: two organisations with cadres and a leader each, logins for them,
and the clock on Monday 2026-11-23 (a working day) in Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.conftest import FakeClock
from watchd.app import Services
from watchd.services.checkins import NewCheckin

ZONE = ZoneInfo("Asia/Shanghai")
ORG, FOREST = "苏木政府", "林业站"
MONDAY = date(2026, 11, 23)
PASSWORD = "a-long-password"
PEOPLE: list[dict[str, Any]] = [
    {
        "id": "c001",
        "name": "其其格",
        "role": "cadre",
        "organisation": ORG,
        "villages": ["bayan"],
        "phone": "13800000001",
    },
    {
        "id": "c002",
        "name": "巴特尔",
        "role": "cadre",
        "organisation": ORG,
        "villages": ["hure"],
        "phone": "13800000002",
    },
    {"id": "l001", "name": "乌云", "role": "leader", "organisation": ORG, "phone": "13800000003"},
    {"id": "c003", "name": "阿拉坦", "role": "cadre", "organisation": FOREST, "phone": "13800000005"},
    {"id": "l002", "name": "苏和", "role": "leader", "organisation": FOREST},
    {"id": "d001", "name": "值班员", "role": "duty_officer", "organisation": ORG},  # writes no log by default
]
LOGIN_ROLES = {"c001": "cadre", "c002": "cadre", "c003": "cadre", "l001": "leader", "l002": "leader"}


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZONE)


@dataclass
class Office:
    services: Services
    client: TestClient
    clock: FakeClock
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def at(self, day: date, hhmm: str) -> None:
        self.clock.now = local(day, hhmm)
        self.headers.clear()  # logins expire after [server] token_ttl_hours of the test's clock

    def as_(self, username: str) -> dict[str, str]:
        if username not in self.headers:
            r = self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.headers[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return self.headers[username]

    def punch(self, person: str, day: date, hhmm: str, device: str = "kiosk-bayan") -> None:
        self.services.checkins.record(
            NewCheckin(
                key=f"{person}:{day}:{hhmm}",
                person_id=person,
                device_id=device,
                occurred_at=local(day, hhmm),
                method="terminal",
                liveness="terminal",
            )
        )

    def write(self, username: str, day: date, done: str, **more: str) -> Any:
        return self.client.put(
            "/api/worklog/entry",
            headers=self.as_(username),
            json={"day": day.isoformat(), "done": done, **more},
        )


def open_office(make_services: Callable[..., Services], clock: FakeClock, **overrides: Any) -> Services:
    clock.now = local(MONDAY, "00:00")
    services = make_services(people=PEOPLE, **overrides)
    for username, role in LOGIN_ROLES.items():
        services.auth.add_user(username, PASSWORD, role)
    return services
