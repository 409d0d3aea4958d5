"""For the appraisal and rectification tests: a township with five cadres in two villages, a leader,
logins, a round and rolls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import FakeClock
from watchd.app import Services

ORG = "苏木政府"
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
    {"id": "c002", "name": "巴特尔", "role": "cadre", "organisation": ORG, "villages": ["hure"]},
    {"id": "c003", "name": "萨仁", "role": "cadre", "organisation": ORG, "villages": ["bayan"]},
    {"id": "c004", "name": "额尔敦", "role": "cadre", "organisation": ORG, "villages": ["hure"]},
    {"id": "c005", "name": "阿拉坦", "role": "cadre", "organisation": ORG, "villages": ["bayan"]},
    {"id": "l001", "name": "乌云", "role": "leader", "organisation": ORG, "phone": "13800000009"},
    {"id": "x001", "name": "外单位", "role": "cadre", "organisation": "别的单位", "villages": ["hure"]},
]


def household_roll(n: int, village: str = "巴音嘎查", prefix: str = "H", phones: bool = False) -> bytes:
    lines = ["户编号,户主姓名,嘎查（村）,联系电话"]
    lines += [
        f"{prefix}{i:02d},户主{i},{village},{f'139000000{i:02d}' if phones else ''}" for i in range(1, n + 1)
    ]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Township:
    services: Services
    client: TestClient
    admin: dict[str, str]
    clock: FakeClock
    logins: dict[str, dict[str, str]] = field(default_factory=dict)

    def login(self, username: str, role: str) -> dict[str, str]:
        if username not in self.logins:
            self.services.auth.add_user(username, PASSWORD, role)
            r = self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.logins[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return self.logins[username]

    def new_round(self, days: int = 7, **extra: Any) -> dict[str, Any]:
        now = self.clock.now
        body = {
            "name": "2026年第四季度",
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=days)).isoformat(),
            **extra,
        }
        r = self.client.post("/api/appraisal/rounds", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def import_roll(self, round_id: int, group: str, data: bytes, name: str = "roll.csv") -> Any:
        return self.client.post(
            f"/api/appraisal/rounds/{round_id}/rolls/{group}",
            files={"file": (name, data)},
            headers=self.admin,
        )

    def slips(self, round_id: int, group: str = "villagers") -> list[dict[str, Any]]:
        r = self.client.post(f"/api/appraisal/rounds/{round_id}/slips/{group}", headers=self.admin)
        assert r.status_code == 200, r.text
        return list(r.json()["slips"])

    def vote(self, code: str, grades: dict[str, str], **headers: str) -> Any:
        """From a phone of its own (its browser string) unless `headers` say otherwise."""
        return self.client.post(
            "/api/vote",
            json={"code": code, "grades": grades},
            headers={"User-Agent": f"phone {code}", **headers},
        )

    def round(self, round_id: int) -> dict[str, Any]:
        r = self.client.get(f"/api/appraisal/rounds/{round_id}", headers=self.admin)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def sheet(self, round_id: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = self.client.get(f"/api/appraisal/rounds/{round_id}/sheet", headers=headers or self.admin)
        assert r.status_code == 200, r.text
        table = r.json()["tables"][0]
        headers_ = [c["header"] for c in table["columns"]]
        return {
            "table": table,
            "rows": {row[2]: dict(zip(headers_, row, strict=True)) for row in table["rows"]},
        }


def open_township(
    make_services: Callable[..., Services],
    admin_headers_for: Callable[[Services], tuple[Services, TestClient, dict[str, str]]],
    clock: FakeClock,
    **overrides: Any,
) -> Township:
    services, client, admin = admin_headers_for(
        make_services(people=PEOPLE, server={"token_ttl_hours": 24 * 30}, **overrides)
    )
    return Township(services, client, admin, clock)
