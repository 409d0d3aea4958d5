"""The duty log (值班日志) of one room and shift, and the daily duty report built from it.

Everything in it comes from records made as things happened, so it can be rebuilt at any time:
- who was rostered (after swaps) and who confirmed taking over and handing over: face check-ins
  at the duty room's kiosk by a rostered officer, from `checkin_early_minutes` before the shift
  to `handover_minutes` before its end (taking over) and within `handover_minutes` of its end
  (handing over);
- the desk presence timeline (present / absent / unknown) and its totals;
- the incidents of the room and the sites it covers while the shift ran, with who acknowledged;
- free-text notes written during the shift.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from watchd.alerts.views import IncidentView, incident_view
from watchd.db.models import DutyNote
from watchd.db.repositories.alerts import AlertsRepository
from watchd.db.repositories.checkins import CheckinsRepository
from watchd.db.repositories.duty_notes import DutyNotesRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.session import Database
from watchd.domain.presence import STATE_NAMES, DeskState, Segment, clip_timeline, longest, totals
from watchd.domain.spot_checks import SpotCheckView
from watchd.errors import Forbidden, Invalid
from watchd.services.auth import Principal
from watchd.services.duty.presence import PresenceRecorder
from watchd.services.duty.roster import DutyRoster
from watchd.services.duty.views import PersonRef, ShiftView

log = logging.getLogger(__name__)
NOTE_ROLES = frozenset({"admin", "leader", "duty_officer"})
MAX_NOTE = 2000


@dataclass(frozen=True, slots=True)
class CheckinRef:
    person: PersonRef
    at: datetime
    device_id: str


@dataclass(frozen=True, slots=True)
class SegmentView:
    state: str
    state_text: str
    start: datetime
    end: datetime
    minutes: float
    faces: dict[str, int]  # name (or 未识别) → sightings


@dataclass(frozen=True, slots=True)
class NoteView:
    id: int
    at: datetime
    author: str  # the person's name when the login is a person id
    text: str


@dataclass(frozen=True, slots=True)
class IncidentRef:
    """An incident as the duty log shows it: what happened where, and who answered."""

    id: int
    code: str
    kind: str
    site_name: str
    event_text: str
    status: str
    status_text: str
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, v: IncidentView) -> IncidentRef:
        return cls(
            id=v.id, code=v.code, kind=v.kind, site_name=v.site_name, event_text=v.event_text, status=v.status,
            status_text=v.status_text, opened_at=v.opened_at, acknowledged_at=v.acknowledged_at,
            acknowledged_by=v.acknowledged_by, resolved_at=v.resolved_at,
        )


@dataclass(frozen=True, slots=True)
class DutyLogView:
    shift: ShiftView
    took_over: CheckinRef | None
    handed_over: CheckinRef | None
    checkins: list[CheckinRef]
    timeline: list[SegmentView]
    minutes: dict[str, float]  # present / absent / unknown
    longest_absence: SegmentView | None
    incidents: list[IncidentRef]
    notes: list[NoteView]
    complete: bool  # the shift is over
    spot_checks: list[SpotCheckView] = field(default_factory=list)  # 查岗 that have come, answered or not


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60.0, 1)


class ShiftSpotChecks(Protocol):
    """The spot checks of a shift, as the duty log lists them (watchd.services.spot_checks)."""

    def of_shift(self, room_id: str, day: date) -> list[SpotCheckView]: ...


class DutyLog:
    def __init__(
        self, db: Database, duty: DutyRoster, recorder: PresenceRecorder, clock: Callable[[], datetime],
        *, spot_checks: ShiftSpotChecks | None = None,
    ) -> None:
        self.spot_checks = spot_checks
        self.db = db
        self.duty = duty
        self.recorder = recorder
        self.clock = clock
        self.config = duty.config
        self.coverage = {r.site: list(r.covers) for r in duty.config.rooms}

    def current_day(self) -> date:
        return self.duty.shifts.day_of(self.clock())

    def log(self, room_id: str, day: date | None = None) -> DutyLogView:
        day = day or self.current_day()
        shift = self.duty.roster(day, day, room_id)[0]
        now = self.clock()
        until = min(shift.end, now)
        fresh = timedelta(seconds=self.config.presence.unknown_after_seconds)
        segments = self.recorder.segments(room_id, shift.start, until, fresh=fresh) if until > shift.start else []
        timeline = clip_timeline([seg for seg, _ in segments], shift.start, until) if until > shift.start else []
        faces_by_start = {seg.start: faces for seg, faces in segments}
        early = timedelta(minutes=self.config.checkin_early_minutes)
        handover = timedelta(minutes=self.config.handover_minutes)
        with self.db.read() as s:
            rows = [
                _Seen(r.person_id, r.occurred_at, r.device_id)
                for r in CheckinsRepository(s).at_site(room_id, shift.start - early, shift.end + handover)
            ]
            sites = [room_id, *self.coverage.get(room_id, [])]
            incidents = AlertsRepository(s).incidents_between(
                sites, shift.start, until if until > shift.start else shift.start
            )
            note_rows = DutyNotesRepository(s).notes(room_id, day)
            names = {p: x.name for p, x in PeopleRepository(s).many(
                [r.person_id for r in rows] + [k for _, f in segments for k in f] + [n.author for n in note_rows]
            ).items()}
            site_names = self.duty.site_names
            incident_views = [IncidentRef.of(incident_view(i, site_names.get(i.site_id, i.site_id))) for i in incidents]
            notes = [NoteView(n.id, n.at, names.get(n.author, n.author), n.text) for n in note_rows]
        checkins = [CheckinRef(PersonRef(r.person_id, names.get(r.person_id, r.person_id)), r.at, r.device_id)
                    for r in rows]
        officers = {p.id for p in shift.officers}
        took, handed = _confirmations(rows, officers, shift.start - early, shift.end - handover, shift.end + handover)

        def ref(row: _Seen | None) -> CheckinRef | None:
            return None if row is None else checkins[rows.index(row)]

        def view(seg: Segment) -> SegmentView:
            raw = faces_by_start.get(seg.start, {})
            faces = {("未识别" if k == "?" else names.get(k, k)): v for k, v in raw.items()}
            return SegmentView(seg.state.value, STATE_NAMES[seg.state], seg.start, seg.end, _minutes(seg.duration), faces)

        sums = totals(timeline)
        worst = longest(timeline, DeskState.absent)
        return DutyLogView(
            shift=shift, took_over=ref(took), handed_over=ref(handed), checkins=checkins,
            timeline=[view(seg) for seg in timeline], minutes={k.value: _minutes(v) for k, v in sums.items()},
            longest_absence=view(worst) if worst is not None else None, incidents=incident_views, notes=notes,
            complete=now >= shift.end,
            spot_checks=self.spot_checks.of_shift(room_id, day) if self.spot_checks is not None else [],
        )

    def add_note(
        self, actor: Principal, room_id: str, text: str, *, day: date | None = None, client_key: str | None = None
    ) -> NoteView:
        if actor.role not in NOTE_ROLES:
            raise Forbidden("forbidden", f"role {actor.role!r} may not write in the duty log")
        self.duty.check_room(room_id)
        text = text.strip()
        if not text or len(text) > MAX_NOTE:
            raise Invalid("note_required", f"write 1 to {MAX_NOTE} characters")
        now = self.clock()
        day = day or self.duty.shifts.day_of(now)
        with self.db.unit_of_work() as s:
            row = DutyNotesRepository(s).add_note(
                DutyNote(room_id=room_id, day=day, at=now, author=actor.username, text=text, client_key=client_key)
            )
            assert row is not None
            view = _note(row)
        log.info("duty log note %d for %s %s by %s", view.id, room_id, day, actor.username)
        return view

    def report_text(self, room_id: str, day: date | None = None) -> str:
        """The daily duty report as plain text (Chinese), e.g. for printing or a group message."""
        entry = self.log(room_id, day)
        return render_report(entry, township=self.duty.settings.township, zone=self.duty.zone)


def _note(row: DutyNote) -> NoteView:
    return NoteView(row.id, row.at, row.author, row.text)


@dataclass(frozen=True, slots=True)
class _Seen:
    person_id: str
    at: datetime
    device_id: str


def _confirmations(
    rows: Sequence[_Seen], officers: set[str], open_from: datetime, handover_from: datetime, handover_until: datetime
) -> tuple[_Seen | None, _Seen | None]:
    """Taking over: the officer's first check-in from `open_from` until the hand-over window; handing
    over: their last check-in in the window around the shift's end."""
    mine = [r for r in rows if r.person_id in officers]
    took = next((r for r in mine if open_from <= r.at < handover_from), None)
    late = [r for r in mine if handover_from <= r.at < handover_until and r is not took]
    return took, (late[-1] if late else None)


def render_report(entry: DutyLogView, *, township: str, zone: ZoneInfo) -> str:
    shift = entry.shift

    def hm(at: datetime) -> str:
        local = at.astimezone(zone)
        prefix = "次日 " if local.date() > shift.day else ""
        return f"{prefix}{local:%H:%M}"

    def people(refs: Sequence[PersonRef], planned: Sequence[PersonRef]) -> str:
        text = "、".join(p.name for p in refs) or "未排班"
        if [p.id for p in refs] != [p.id for p in planned] and planned:
            text += f"（原排班：{'、'.join(p.name for p in planned)}）"
        return text

    def duration(minutes: float) -> str:
        h, m = divmod(round(minutes), 60)
        return f"{h} 小时 {m} 分" if h else f"{m} 分"

    lines = [
        f"{township} {shift.room_name}值班日志".strip(),
        f"日期：{shift.day:%Y-%m-%d}（{hm(shift.start)} 至 {hm(shift.end)}）" + ("" if entry.complete else "，值班中"),
        f"值班人员：{people(shift.officers, shift.planned_officers)}",
        f"带班领导：{people(shift.leaders, shift.planned_leaders)}",
        "接班签到：" + (f"{hm(entry.took_over.at)} {entry.took_over.person.name}" if entry.took_over else "无"),
        "交班签到：" + (f"{hm(entry.handed_over.at)} {entry.handed_over.person.name}" if entry.handed_over else "无"),
    ]
    m = entry.minutes
    absence = ""
    if entry.longest_absence is not None:
        w = entry.longest_absence
        absence = f"（最长 {duration(w.minutes)}，{hm(w.start)}–{hm(w.end)}）"
    lines.append(
        f"在岗 {duration(m.get('present', 0))}；离岗 {duration(m.get('absent', 0))}{absence}；"
        f"无画面 {duration(m.get('unknown', 0))}"
    )
    lines.append(f"事件（{len(entry.incidents)}）：" + ("无" if not entry.incidents else ""))
    for i in entry.incidents:
        status = i.status_text
        if i.acknowledged_at and i.acknowledged_by:  # "乌云 08:20 确认", not "已确认，乌云 08:20 确认"
            who = f"{i.acknowledged_by} {hm(i.acknowledged_at)} 确认"
            status = who if i.status == "acknowledged" else f"{status}，{who}"
        lines.append(f"  {hm(i.opened_at)} {i.site_name} {i.event_text}（{status}）")
    lines.append(f"查岗（{len(entry.spot_checks)}）：" + ("无" if not entry.spot_checks else ""))
    for c in entry.spot_checks:
        lines.append(f"  {hm(c.issued_at or c.planned_at)} {spot_check_line(c)}")
    lines.append(f"备注（{len(entry.notes)}）：" + ("无" if not entry.notes else ""))
    for n in entry.notes:
        lines.append(f"  {hm(n.at)} {n.author}：{n.text}")
    return "\n".join(lines) + "\n"


def spot_check_line(c: SpotCheckView) -> str:
    """"屏幕 已应答，用时 1分12秒" / "短信（乌云 138****0003）未应答" / "屏幕 未进行（未排班）"."""
    how = c.channel_text + (f"（{c.texted}）" if c.texted else "")
    if c.started_by:
        how += f"，{c.started_by} 发起"
    text = f"{how} {c.status_text}"
    if c.answer_seconds is not None:
        m, sec = divmod(c.answer_seconds, 60)
        text += f"，用时 {m}分{sec:02d}秒" if m else f"，用时 {sec}秒"
    if c.note:
        text += f"（{c.note}）"
    return text
