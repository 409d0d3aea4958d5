"""The rectification ledger through HTTP: a leader opens items from an incident, an attendance problem
or by hand; the owner is texted before the deadline; the overdue list; sign-off with a note and a
photo (a malformed photo is refused and changes nothing); the XLSX. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from tests.api.appraisal_township import Township, open_township
from tests.conftest import FakeClock
from watchd.app import Services
from watchd.db.models import Notification


@pytest.fixture
def town(make_services: Callable[..., Services], admin_headers_for: Any, clock: FakeClock) -> Township:
    return open_township(make_services, admin_headers_for, clock, rectification={"remind_days_before": 2})


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def item(town: Township, headers: dict[str, str], **extra: Any) -> Any:
    body = {
        "source_kind": "manual",
        "problem": "驻村日志记录不全",
        "measure": "补齐十一月驻村记录",
        "owner_id": "c001",
        "deadline": "2026-11-30",
        **extra,
    }
    return town.client.post("/api/rectifications", json=body, headers=headers)


def test_a_leader_opens_items_and_people_see_what_is_theirs(town: Township) -> None:
    leader = town.login("l001", "leader")
    r = item(town, leader, source_kind="attendance", source_ref="c001 2026-11-23 缺勤")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["owner_name"], body["status"], body["organisation"], body["overdue"]) == (
        "其其格",
        "open",
        "苏木政府",
        False,
    )
    assert (
        item(
            town, leader, owner_id="c002", source_kind="spot_check", source_ref="抽查-2026-11-20"
        ).status_code
        == 201
    )
    r = item(town, leader, source_kind="incident", source_ref="999")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "incident_not_found"
    r = item(town, leader, source_kind="spot_check")
    assert r.status_code == 422 and r.json()["detail"]["code"] == "rectification_bad_source"
    r = item(town, leader, deadline="2026-11-01")
    assert r.status_code == 422 and r.json()["detail"]["message"] == "整改时限不能早于今天"
    r = item(town, leader, owner_id="x001")  # another organisation
    assert r.status_code == 403 and r.json()["detail"]["code"] == "rectification_not_the_leader"
    cadre = town.login("c001", "cadre")
    r = item(town, cadre)
    assert r.status_code == 403 and r.json()["detail"]["permission"] == "rectification.manage"

    mine = town.client.get("/api/rectifications", headers=cadre).json()
    assert [i["owner_id"] for i in mine] == ["c001"]
    assert len(town.client.get("/api/rectifications", headers=leader).json()) == 2
    other = mine[0]["id"] + 1
    assert town.client.get(f"/api/rectifications/{other}", headers=cadre).status_code == 404  # c002's item


def test_reminder_before_the_deadline_then_the_overdue_list(town: Township, clock: FakeClock) -> None:
    leader = town.login("l001", "leader")
    item(town, leader, deadline="2026-11-27")
    assert town.services.rectification.send_reminders() == []  # 4 days ahead: not yet
    clock.advance(days=2)  # 2026-11-25: two days before
    sent = town.services.rectification.send_reminders()
    assert [m.person_id for m in sent] == ["c001"]
    assert "2天后（11月27日）到期" in sent[0].text
    assert town.services.rectification.send_reminders() == []  # once
    with town.services.db.read() as s:
        texts = [
            n.text
            for n in s.scalars(select(Notification).where(Notification.address.contains("13800000001")))
        ]
    assert any(t.startswith("【整改提醒】") for t in texts)

    assert town.client.get("/api/rectifications", params={"overdue": "true"}, headers=leader).json() == []
    clock.advance(days=3)  # 2026-11-28: past the deadline
    overdue = town.client.get("/api/rectifications", params={"overdue": "true"}, headers=leader).json()
    assert [(i["owner_id"], i["overdue"]) for i in overdue] == [("c001", True)]
    r = town.client.get("/api/rectifications", params={"format": "xlsx", "overdue": "true"}, headers=leader)
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A1"].value == "测试苏木整改台账（逾期未整改）"
    headers = [c.value for c in ws[3]]
    row = [c.value for c in ws[4]]
    assert row[headers.index("责任人")] == "其其格" and row[headers.index("状态")] == "逾期"
    assert row[headers.index("整改时限")] == "2026-11-27"


def test_sign_off_with_a_note_and_a_photo(town: Township) -> None:
    leader = town.login("l001", "leader")
    item_id = item(town, leader).json()["id"]
    url = f"/api/rectifications/{item_id}/sign-off"
    r = town.client.post(
        url,
        data={"note": "已补齐"},
        files={"photo": ("p.png", b"\x89PNG not really", "image/png")},
        headers=leader,
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "not_an_image"
    assert town.client.get(f"/api/rectifications/{item_id}", headers=leader).json()["status"] == "open"
    r = town.client.post(
        url, data={"note": "x"}, files={"photo": ("p.txt", b"hello", "text/plain")}, headers=leader
    )
    assert r.status_code == 415
    cadre = town.login("c001", "cadre")
    assert town.client.post(url, data={"note": "我改好了"}, headers=cadre).status_code == 403

    r = town.client.post(
        url,
        data={"note": "已补齐十一月驻村记录"},
        files={"photo": ("p.png", png(), "image/png")},
        headers=leader,
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["closed_by"], done["close_note"], done["has_photo"]) == (
        "closed",
        "l001",
        "已补齐十一月驻村记录",
        True,
    )
    photo = town.client.get(f"/api/rectifications/{item_id}/photo", headers=cadre)
    assert photo.status_code == 200 and photo.content == png()
    again = town.client.post(url, data={"note": "再次"}, headers=leader)
    assert again.status_code == 409 and again.json()["detail"]["message"] == "该整改事项已经销号"
    assert town.services.rectification.send_reminders() == []  # closed items are not reminded

    r = town.client.get("/api/rectifications", params={"format": "xlsx"}, headers=town.admin)
    ws = load_workbook(io.BytesIO(r.content)).active
    headers = [c.value for c in ws[3]]
    row = [c.value for c in ws[4]]
    assert row[headers.index("状态")] == "已销号" and row[headers.index("销号说明")] == "已补齐十一月驻村记录"
    assert row[headers.index("来源")] == "手工"
