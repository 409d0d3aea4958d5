"""Fixtures for the duty tests: a township with one duty room, its desk camera, officers and leaders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import BASE_CONFIG
from tests.watchd.duty.scene import SEAT
from watchd.app import Services
from watchd.services.auth import Principal

OFFICERS = {"d001": "张三", "d002": "李四", "d003": "王五", "d004": "赵六"}
LEADER_PHONES = {"l001": "13900000001", "l002": "13900000002"}
PEOPLE = [
    *BASE_CONFIG["people"],
    *({"id": pid, "name": name, "role": "duty_officer", "phone": f"1370000000{i}"}
      for i, (pid, name) in enumerate(OFFICERS.items(), start=1)),
    {"id": "l001", "name": "乌云", "role": "leader", "phone": LEADER_PHONES["l001"]},
    {"id": "l002", "name": "其木格", "role": "leader", "phone": LEADER_PHONES["l002"]},
    {"id": "p001", "name": "巴雅尔", "role": "principal_leader", "phone": "13900000009"},
]
SITES = [
    *BASE_CONFIG["sites"],
    {"id": "duty", "name": "苏木值班室", "kind": "duty_room"},
    {"id": "duty2", "name": "嘎查值班室", "kind": "duty_room"},
    {"id": "shakeng", "name": "3号沙坑", "kind": "protected_site"},
]
DEVICES = [
    *BASE_CONFIG["devices"],
    {"id": "kiosk-duty", "kind": "kiosk_web", "site": "duty"},
    {"id": "duty-cam", "kind": "duty_camera", "site": "duty", "name": "值班桌", "source": "/dev/null"},
]


def duty_config(**duty: Any) -> dict[str, Any]:
    """Overrides for `make_services`: people, two duty rooms (the first with a desk camera)."""
    section: dict[str, Any] = {
        "rooms": [
            {"site": "duty", "desks": [{"camera": "duty-cam", "seat": [list(p) for p in SEAT]}],
             "covers": ["shakeng", "bayan", "hure"], "principal": "p001"},
            {"site": "duty2"},
        ],
        **duty,
    }
    return {"people": PEOPLE, "sites": SITES, "devices": DEVICES, "duty": section}


def admin() -> Principal:
    return Principal(user_id=1, username="admin", role="admin")


def leader(username: str = "l001") -> Principal:
    return Principal(user_id=2, username=username, role="leader")


def officer(username: str) -> Principal:
    return Principal(user_id=3, username=username, role="duty_officer")


@pytest.fixture
def duty_services(make_services: Callable[..., Services]) -> Services:
    return make_services(**duty_config())
