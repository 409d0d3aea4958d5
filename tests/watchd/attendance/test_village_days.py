"""Village days by the configured rule, and the monthly allowance they pay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.watchd.attendance.rules import MONDAY, evaluate, punches, rules
from watchd.domain.attendance.calendar_day import DayKind
from watchd.domain.attendance.day import DayStatus
from watchd.domain.attendance.monthly import DayFacts, summarise
from watchd.domain.attendance.punches import Punch

VILLAGES = frozenset({"bayan"})
SATURDAY = date(2026, 11, 28)


def at_bayan(day: date, *times: str) -> list[Punch]:
    return punches(day, *times, site="bayan")


@pytest.mark.parametrize(
    ("rule", "times", "expected"),
    [
        pytest.param("morning", at_bayan(MONDAY, "08:20"), "bayan", id="morning: a morning check-in there"),
        pytest.param("morning", at_bayan(MONDAY, "15:00"), None, id="morning: only in the afternoon"),
        pytest.param("morning", punches(MONDAY, "08:20", site="hure"), None, id="morning: not their village"),
        pytest.param("morning_and_afternoon", at_bayan(MONDAY, "08:20"), None, id="both: morning only"),
        pytest.param("morning_and_afternoon", at_bayan(MONDAY, "08:20", "14:25"), "bayan", id="both: both"),
        pytest.param("any", at_bayan(MONDAY, "16:40"), "bayan", id="any: a punch there at any time"),
        pytest.param("any", punches(MONDAY, "08:20", site="office"), None, id="any: at the office only"),
    ],
)
def test_village_day_rule(rule: str, times: list[Punch], expected: str | None) -> None:
    day = evaluate(MONDAY, times, rules(village_day_rule=rule), villages=VILLAGES)
    assert day.village_site_id == expected


def test_rest_day_counts_only_when_configured() -> None:
    times = at_bayan(SATURDAY, "08:20")
    assert evaluate(SATURDAY, times, rules(), villages=VILLAGES).village_site_id is None
    assert evaluate(SATURDAY, times, rules(village_days_on_rest_days=True), villages=VILLAGES).village_site_id == "bayan"


def facts(status: DayStatus, *, village: bool = False, org: str = "苏木政府", kind: DayKind = DayKind.workday,
          attended: int = 2, absent: int = 0, late: int = 0, leave: dict[str, float] | None = None) -> DayFacts:
    return DayFacts(
        organisation=org, kind=kind, status=status, session_count=2, attended_sessions=attended,
        absent_sessions=absent, late_count=1 if late else 0, late_minutes=late, early_count=0, early_minutes=0,
        missing_punches=0, leave=leave or {}, village_day=village, suspect_punches=0, settled=True,
    )


def test_month_sums_days_and_pays_village_days_at_the_organisations_rate() -> None:
    days = [
        facts(DayStatus.present, village=True, late=12),
        facts(DayStatus.present, village=True),
        facts(DayStatus.present, village=True, org="巴音嘎查党支部"),  # moved to another organisation that day
        facts(DayStatus.present, attended=1, absent=1, leave={"sick": 0.5}),
        facts(DayStatus.absent, attended=0, absent=2),
        facts(DayStatus.leave, attended=0, leave={"annual": 1.0}),
        facts(DayStatus.duty_rest, attended=0),
        facts(DayStatus.rest_day, kind=DayKind.weekend, attended=0),
    ]
    rates = {"苏木政府": Decimal("35"), "巴音嘎查党支部": Decimal("40")}
    month = summarise("c001", days, lambda org: rates[org])
    assert month.workdays == 7
    assert month.present_days == 3.5
    assert month.absent_days == 1.5
    assert (month.late_count, month.late_minutes) == (1, 12)
    assert month.leave_days == {"sick": 0.5, "annual": 1.0}
    assert month.duty_rest_days == 1
    assert month.village_days == 3
    assert month.allowance == Decimal("110.00")
