"""The 1135 appraisal through HTTP: a round, the household roll, printed codes, villagers voting by
code, leaders and cadres by login, the sheet with group averages, turnout and weighted score, and the
refusals that change nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.api.appraisal_township import Township, household_roll, open_township
from tests.conftest import FakeClock
from watchd.app import Services
from watchd.db.models import Notification

GRADES = ("excellent", "competent", "basic", "incompetent")


@pytest.fixture
def town(make_services: Callable[..., Services], admin_headers_for: Any, clock: FakeClock) -> Township:
    return open_township(make_services, admin_headers_for, clock)


def test_villagers_vote_by_code_and_the_sheet_weighs_the_groups(town: Township) -> None:
    rnd = town.new_round()
    assert rnd["cadres"] == 6 and rnd["status"] == "open"
    assert {g: v["weight"] for g, v in rnd["groups"].items()} == {
        "leadership": 10,
        "cadres": 10,
        "committee": 30,
        "villagers": 50,
    }
    r = town.import_roll(rnd["id"], "villagers", household_roll(6))
    assert r.status_code == 200 and r.json() == {"rows": 6, "villages": 1}
    slips = town.slips(rnd["id"])
    assert len(slips) == 6 and all(re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", s["code"]) for s in slips)
    assert slips[0]["url"].endswith(f"/vote#{slips[0]['code']}") and slips[0]["qr_svg"].startswith("<svg")
    assert town.slips(rnd["id"]) == []  # every household has its code: nothing new to print

    sheet = town.client.post("/api/vote/sheet", json={"code": slips[0]["code"].lower()}).json()
    assert sheet["village_name"] == "巴音嘎查" and sheet["group_name"] == "村民"
    assert [c["name"] for c in sheet["cadres"]] == ["其其格", "萨仁", "阿拉坦"]  # the cadres of that village
    for i, slip in enumerate(slips):  # c001: 5 × 优秀 and one 称职; c003: all 称职
        r = town.vote(slip["code"], {"c001": "excellent" if i < 5 else "competent", "c003": "competent"})
        assert r.status_code == 201, r.text
    # leadership (one leader) and the cadres by login
    leader = town.login("l001", "leader")
    assert town.client.get("/api/appraisal/sheets", headers=leader).json()[0]["group"] == "leadership"
    r = town.client.post(
        f"/api/appraisal/rounds/{rnd['id']}/vote", json={"grades": {"c001": "basic"}}, headers=leader
    )
    assert r.status_code == 201, r.text
    assert town.client.get("/api/appraisal/sheets", headers=leader).json() == []  # voted: nothing left

    view = town.round(rnd["id"])
    assert view["ballots"]["villagers"] == 6 and view["ballots"]["leadership"] == 1 and view["flags"] == []
    rows = town.sheet(rnd["id"])["rows"]
    c001 = rows["c001"]
    assert c001["村民平均分（50%）"] == pytest.approx((5 * 100 + 80) / 6, abs=0.05)
    assert c001["村民参评"] == "6/6（100%）"
    assert c001["苏木领导平均分（10%）"] == "—"  # one leader's ballot is below the minimum of 5
    assert c001["综合得分"] == pytest.approx((5 * 100 + 80) / 6, abs=0.05)  # only the villagers' group counts
    assert "未达最低票数：苏木领导、干部互评、村两委及村民代表" in c001["备注"]
    assert rows["c003"]["村民平均分（50%）"] == 80.0
    assert rows["c002"]["村民参评"] == "0/0" and rows["c002"]["综合得分"] == "—"
    assert rows["c001"]["工作日志完成率"] == "0%"  # the real work log (build_services injects it): nothing written


def test_weighted_score_over_all_four_groups_and_the_xlsx(town: Township, clock: FakeClock) -> None:
    rnd = town.new_round()
    town.import_roll(rnd["id"], "villagers", household_roll(5))
    committee = "编号,姓名,嘎查（村）\n" + "".join(f"W{i},委员{i},巴音嘎查\n" for i in range(5))
    assert town.import_roll(rnd["id"], "committee", committee.encode()).status_code == 200
    for slip in town.slips(rnd["id"], "villagers"):
        assert town.vote(slip["code"], {"c001": "excellent"}).status_code == 201
    for slip in town.slips(rnd["id"], "committee"):
        assert town.vote(slip["code"], {"c001": "competent"}).status_code == 201
    for cadre in ("c002", "c003", "c004", "c005", "x001"):
        r = town.client.post(
            f"/api/appraisal/rounds/{rnd['id']}/vote",
            json={"grades": {"c001": "basic"}},
            headers=town.login(cadre, "cadre"),
        )
        assert r.status_code == 201, r.text
    clock.advance(days=8)  # closed: the last ballots are mixed in
    rows = town.sheet(rnd["id"])["rows"]
    c001 = rows["c001"]
    assert (
        c001["村民平均分（50%）"],
        c001["村两委及村民代表平均分（30%）"],
        c001["干部互评平均分（10%）"],
    ) == (100.0, 80.0, 60.0)
    assert c001["干部互评参评"] == "5/5（100%）"
    expected = (50 * 100 + 30 * 80 + 10 * 60) / 90  # leadership below its minimum: weights re-scaled
    assert c001["综合得分"] == pytest.approx(expected, abs=0.05)

    r = town.client.get(
        f"/api/appraisal/rounds/{rnd['id']}/sheet", params={"format": "xlsx"}, headers=town.admin
    )
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A1"].value == "测试苏木2026年第四季度驻村干部考核汇总表"
    headers = [c.value for c in ws[3]]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[2] == "c001")
    assert row[headers.index("综合得分")] == pytest.approx(round(expected, 1))
    assert row[headers.index("村民参评")] == "5/5（100%）"
    assert headers[-7:] == [
        "驻村（天）",
        "驻村补助（元）",
        "走访达标",
        "迟到（次）",
        "缺勤（天）",
        "工作日志完成率",
        "备注",
    ]


def test_the_work_log_column_comes_from_the_injected_provider(town: Township) -> None:
    class Logs:
        def completion(self, person_ids: Any, first: Any, last: Any) -> dict[str, float]:
            assert (str(first), str(last)) == ("2026-10-01", "2026-12-31")
            return {"c001": 0.8}

    town.services.appraisal.worklog = Logs()
    rnd = town.new_round()
    rows = town.sheet(rnd["id"])["rows"]
    assert rows["c001"]["工作日志完成率"] == "80%" and rows["c002"]["工作日志完成率"] == "—"


def test_refusals_change_nothing(town: Township, clock: FakeClock) -> None:
    rnd = town.new_round()
    dup = household_roll(3) + b"H02,another,\xe5\x91\xbc\xe6\x97\xa5\xe5\x98\x8e\xe6\x9f\xa5,\n"  # H02 twice
    r = town.import_roll(rnd["id"], "villagers", dup)
    assert r.status_code == 422
    problems = r.json()["detail"]["problems"]
    assert problems == [
        {"row": 5, "column": "户编号", "problem": "户编号 H02 重复（第 3 行已有），每户只能有一个评议码"}
    ]
    assert town.round(rnd["id"])["roll"]["villagers"] == 0  # nothing imported
    town.import_roll(rnd["id"], "villagers", household_roll(3))
    codes = [s["code"] for s in town.slips(rnd["id"])]

    assert town.vote(codes[0], {"c001": "excellent"}).status_code == 201
    again = town.vote(codes[0], {"c001": "incompetent"})
    assert (
        again.status_code == 409
        and again.json()["detail"]["message"] == "该评议码已经使用过，每户只能评议一次"
    )
    for foreign in ("ABCDE-FGHJK", "not a code"):
        r = town.vote(foreign, {"c001": "excellent"})
        assert r.status_code == 404 and r.json()["detail"]["code"] == "appraisal_code_invalid"
    r = town.vote(codes[1], {"c002": "excellent"})  # 巴特尔 is in another village
    assert r.status_code == 422 and r.json()["detail"]["code"] == "appraisal_not_on_sheet"
    assert town.vote(codes[1], {"c001": "superb"}).status_code == 422
    assert town.round(rnd["id"])["ballots"]["villagers"] == 1  # the refused ones stored nothing
    cadre = town.login("c001", "cadre")
    r = town.client.post(
        f"/api/appraisal/rounds/{rnd['id']}/vote", json={"grades": {"c001": "excellent"}}, headers=cadre
    )
    assert r.status_code == 422  # nobody rates themself
    r = town.import_roll(rnd["id"], "villagers", household_roll(4))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "appraisal_roll_in_use"

    clock.advance(days=8)
    r = town.vote(codes[1], {"c001": "excellent"})
    assert r.status_code == 409 and r.json()["detail"]["message"] == "本轮评议已结束，不能再投票或修改名册"
    r = town.client.post(
        f"/api/appraisal/rounds/{rnd['id']}/vote", json={"grades": {"c003": "excellent"}}, headers=cadre
    )
    assert r.status_code == 409
    view = town.round(rnd["id"])
    assert (
        view["ballots"] == {"leadership": 0, "cadres": 0, "committee": 0, "villagers": 1}
        and view["status"] == "closed"
    )


def test_a_leader_sees_the_sheet_of_their_organisation_and_a_cadre_none(town: Township) -> None:
    rnd = town.new_round()
    leader_rows = town.sheet(rnd["id"], town.login("l001", "leader"))["rows"]
    assert set(leader_rows) == {"c001", "c002", "c003", "c004", "c005"}  # not x001 of 别的单位
    r = town.client.get(f"/api/appraisal/rounds/{rnd['id']}/sheet", headers=town.login("c001", "cadre"))
    assert r.status_code == 403 and r.json()["detail"]["permission"] == "appraisal.read"
    r = town.client.post("/api/appraisal/rounds", json={}, headers=town.login("l001", "leader"))
    assert r.status_code == 403


def test_anomaly_flags_many_codes_from_one_device_and_a_burst(
    make_services: Callable[..., Services], admin_headers_for: Any, clock: FakeClock
) -> None:
    town = open_township(
        make_services, admin_headers_for, clock, appraisal={"burst_ballots": 5, "device_codes": 3}
    )
    rnd = town.new_round()
    town.import_roll(rnd["id"], "villagers", household_roll(8))
    for i, slip in enumerate(town.slips(rnd["id"])):
        ua = "Phone A" if i < 6 else f"Phone {i}"
        assert town.vote(slip["code"], {"c001": "excellent"}, **{"User-Agent": ua}).status_code == 201
        clock.advance(seconds=20)
    flags = town.round(rnd["id"])["flags"]
    assert any(f.startswith("集中投票：10分钟内8张选票") for f in flags), flags
    assert "同一设备多次使用评议码：1台设备超过3个（最多6个）" in flags
    clock.advance(days=8)  # after the close only the counts stay, the fingerprints are dropped
    assert "同一设备多次使用评议码：1台设备超过3个（最多6个）" in town.round(rnd["id"])["flags"]
    rows = (
        town.services.db.engine.connect().exec_driver_sql("SELECT COUNT(*) FROM appraisal_devices").scalar()
    )
    assert rows == 0
    sheet = town.sheet(rnd["id"])
    assert any("异常提示" in n for n in sheet["table"]["notes"])


def test_codes_by_text_message_go_through_the_outbox(town: Township) -> None:
    rnd = town.new_round()
    town.import_roll(
        rnd["id"], "villagers", household_roll(2, phones=True) + "H09,没有电话,巴音嘎查,\n".encode()
    )
    r = town.client.post(f"/api/appraisal/rounds/{rnd['id']}/texts/villagers", headers=town.admin)
    assert r.status_code == 200 and r.json() == {"sent": 2}
    with town.services.db.read() as s:
        texts = [n.text for n in s.scalars(select(Notification).where(Notification.purpose == "appraisal"))]
    assert len(texts) == 2 and all("驻村干部考核评议" in t for t in texts)
    code = re.search(r"评议码 ([2-9A-Z]{5}-[2-9A-Z]{5})", texts[0])
    assert code is not None
    assert town.vote(code[1], {"c003": "competent"}).status_code == 201
    assert town.client.post(
        f"/api/appraisal/rounds/{rnd['id']}/texts/villagers", headers=town.admin
    ).json() == {"sent": 0}
    assert [s["entry_id"] for s in town.slips(rnd["id"])] == ["H09"]  # texted households get no slip


def test_a_round_needs_cadres_and_a_sane_window(town: Township) -> None:
    now = town.clock.now
    body = {
        "name": "x",
        "period_start": "2026-10-01",
        "period_end": "2026-12-31",
        "opens_at": now.isoformat(),
        "closes_at": (now - timedelta(days=1)).isoformat(),
    }
    r = town.client.post("/api/appraisal/rounds", json=body, headers=town.admin)
    assert r.status_code == 422 and r.json()["detail"]["message"] == "投票截止时间必须晚于开始时间"
    body["closes_at"] = (now + timedelta(days=1)).isoformat()
    r = town.client.post(
        "/api/appraisal/rounds", json={**body, "organisation": "没有这个单位"}, headers=town.admin
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "appraisal_no_cadres"
    # A period of centuries (the fuzzer's) made the sheet read every day of it: a round is at most a year.
    r = town.client.post("/api/appraisal/rounds", json={**body, "period_start": "0001-01-01"}, headers=town.admin)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "appraisal_long_period"
    assert "366" in r.json()["detail"]["message"]
    assert town.client.get("/api/appraisal/rounds", headers=town.admin).json() == []


def test_grades_are_known(town: Township) -> None:
    rnd = town.new_round()
    town.import_roll(rnd["id"], "villagers", household_roll(1))
    code = town.slips(rnd["id"])[0]["code"]
    sheet = town.client.post("/api/vote/sheet", json={"code": code}).json()
    assert list(sheet["grades"]) == list(GRADES) and sheet["grades"]["basic"] == "基本称职"


def test_visit_compliance_counts_each_pairing_month_with_a_visit_by_its_cadre(town: Township) -> None:
    pairings = "干部编号,户编号,户主姓名,嘎查（村）\nc001,H01,敖登,巴音嘎查\nc001,H02,孟和,巴音嘎查\nc003,H03,娜仁,巴音嘎查\n"
    r = town.client.post(
        "/api/pairings/import", headers=town.admin, files={"file": ("结对.csv", pairings.encode(), "text/csv")}
    )
    assert r.status_code == 200, r.text
    cadre = town.login("c001", "cadre")
    for household in ("H01", "H01"):  # two visits to one household are one compliant pairing-month
        r = town.client.post(
            "/api/visits", headers=cadre, data={"household_id": household, "visited_at": "2026-11-23T08:00:00+08:00"}
        )
        assert r.status_code in (200, 201), r.text
    other = town.login("c003", "cadre")
    assert town.client.get("/api/pairings", headers=other).json()[0]["visits"] == 0  # c001's visits are not c003's
    rows = town.sheet(town.new_round()["id"])["rows"]
    assert rows["c001"]["走访达标"] == "1/2（50%）"  # paired since November: H01 visited, H02 not
    assert rows["c003"]["走访达标"] == "0/1（0%）"
    assert rows["c002"]["走访达标"] == "—"  # no pairing
