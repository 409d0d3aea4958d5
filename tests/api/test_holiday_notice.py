"""Pasting the State Council's notice: parse shows the proposed days next to the calendar and saves
nothing; confirm saves them all (or, when the text no longer gives the previewed days, none); the
holiday-data notice of that year clears. On SQLite and PostgreSQL.

2038 stands for "next year": it has 2027's weekdays, and no chinesecalendar release will cover it soon,
so the example 2027 notice serves as 2038's."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from tests.api.test_access import login
from tests.helpers.clocks import FakeClock
from tests.watchd.attendance.state_council_notices import EXAMPLE_2027, NOTICE_2026
from watchd.app import Services

NOTICE_2038 = EXAMPLE_2027.replace("2027年", "2038年")
DECEMBER_2037 = datetime.fromisoformat("2037-12-01T09:00:00+08:00")
PARSE, CONFIRM = "/api/attendance/calendar/notice/parse", "/api/attendance/calendar/notice/confirm"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DECEMBER_2037)


def special_days(client: TestClient, headers: dict[str, str], year: int) -> dict[str, tuple[str, str, str]]:
    r = client.get("/api/attendance/calendar", params={"year": year}, headers=headers)
    return {d["day"]: (d["kind_label"], d["name"], d["source"]) for d in r.json() if d["source"] != "fallback"}


def test_paste_preview_confirm_and_the_notice_clears(
    services: Services, client: TestClient, admin_headers: dict[str, str]
) -> None:
    services.attendance.check_calendar()
    assert "2038" in {n.subject for n in services.notices.active()}

    r = client.post(PARSE, json={"text": NOTICE_2038}, headers=admin_headers)
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["year"] == 2038
    assert [(i["name"], i["first"], i["last"], i["days_off"]) for i in preview["items"]][:2] == [
        ("元旦", "2038-01-01", "2038-01-01", 1), ("春节", "2038-02-05", "2038-02-13", 9),
    ]
    first = preview["days"][0]
    assert (first["day"], first["weekday"], first["kind_label"], first["name"]) == ("2038-01-01", "周五", "放假", "元旦")
    assert (first["current"]["source"], first["current"]["kind_label"], first["changes"]) == ("fallback", "工作日", True)
    saturday_worked = next(d for d in preview["days"] if d["day"] == "2038-02-20")
    assert (saturday_worked["weekday"], saturday_worked["kind_label"], saturday_worked["changes"]) == ("周六", "调休上班", True)
    assert special_days(client, admin_headers, 2038) == {}  # nothing saved yet

    r = client.post(CONFIRM, json={"text": NOTICE_2038, "digest": preview["digest"]}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert len(r.json()) == len(preview["days"]) == 27 + 6
    saved = special_days(client, admin_headers, 2038)
    assert saved["2038-02-05"] == ("节假日", "春节", "override")
    assert saved["2038-02-20"][1:] == ("春节", "override") and len(saved) == 33
    assert "2038" not in {n.subject for n in services.notices.active()}


def test_a_changed_text_or_a_broken_notice_saves_nothing(
    services: Services, client: TestClient, admin_headers: dict[str, str]
) -> None:
    digest = client.post(PARSE, json={"text": NOTICE_2038}, headers=admin_headers).json()["digest"]
    edited = NOTICE_2038.replace("9月26日（周日）、", "")
    r = client.post(CONFIRM, json={"text": edited, "digest": digest}, headers=admin_headers)
    assert (r.status_code, r.json()["detail"]["code"]) == (409, "holiday_notice_changed")
    assert special_days(client, admin_headers, 2038) == {}

    r = client.post(PARSE, json={"text": NOTICE_2038.replace("共9天", "共8天")}, headers=admin_headers)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert (detail["code"], detail["message"]) == ("holiday_notice_bad_date", "通知中的日期有误")
    assert detail["problem"] == "春节：通知写共8天，但2月5日至2月13日是9天，请检查日期"

    r = client.post(PARSE, json={"text": "一、元旦：1月1日（周五）放假。"}, headers=admin_headers)
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "holiday_notice_year")
    r = client.post(PARSE, json={"text": "一、元旦：1月1日（周五）放假。", "year": 2038}, headers=admin_headers)
    assert r.status_code == 200 and [d["day"] for d in r.json()["days"]] == ["2038-01-01"]


def test_a_known_year_shows_what_would_not_change(client: TestClient, admin_headers: dict[str, str]) -> None:
    days = client.post(PARSE, json={"text": NOTICE_2026}, headers=admin_headers).json()["days"]
    assert not any(d["changes"] for d in days)  # chinesecalendar already has the same days
    assert {d["current"]["source"] for d in days} == {"chinesecalendar"}


def test_only_attendance_managers_paste_notices(services: Services, client: TestClient) -> None:
    for role in ("leader", "duty_officer", "cadre"):
        r = client.post(PARSE, json={"text": NOTICE_2038}, headers=login(services, client, role))
        assert r.status_code == 403, role
