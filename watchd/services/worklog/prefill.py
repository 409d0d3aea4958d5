"""The lines a day's entry opens with, from watchd's own records of that day: check-ins and the
village day, household visits, the duty shift, incidents acknowledged or resolved, camera events
verified (视频复核), spot checks answered (查岗), duty-log notes.
The person keeps, edits or deletes them; a normal day then needs a sentence or two more."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from watchd.db.repositories.worklog import WorklogRepository
from watchd.domain.attendance.schedule import midnight
from watchd.domain.review import STATUS_TEXT as VERDICT_TEXT
from watchd.domain.review import ReviewStatus
from watchd.services.duty.views import ShiftView

EVENT_TEXT = {"acknowledged": "确认", "resolved": "处置完毕"}
CHANNEL_TEXT = {"screen": "值班室屏幕", "sms": "短信"}


def _hm(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%H:%M")


def suggested_lines(
    repo: WorklogRepository, person_id: str, day: date, zone: ZoneInfo, shifts: Sequence[ShiftView]
) -> list[str]:
    start, end = midnight(day, zone), midnight(day + timedelta(days=1), zone)
    lines: list[str] = []
    checkins = repo.checkins_of(person_id, day)
    if checkins:
        first, last = checkins[0], checkins[-1]
        text = f"考勤：{_hm(first[0], zone)} 在{first[1]}签到"
        if len(checkins) > 1:
            text += f"，{_hm(last[0], zone)} 在{last[1]}签退（共打卡{len(checkins)}次）"
        lines.append(text)
        villages = list(dict.fromkeys(name for _at, name, kind in checkins if kind == "village"))
        if villages:
            lines.append(f"驻村：在{'、'.join(villages)}开展工作")
    for at, household, note in repo.visits_of(person_id, start, end):
        lines.append(f"走访：{_hm(at, zone)} 走访{household}户" + (f"，{note}" if note else ""))
    for shift in shifts:
        officers = {p.id for p in shift.officers}
        if person_id in officers or person_id in {p.id for p in shift.leaders}:
            role = "值班" if person_id in officers else "带班"
            lines.append(f"值班：{shift.room_name}{role}（{_hm(shift.start, zone)} 起）")
    for at, event, subject in repo.incident_actions_of(person_id, start, end):
        lines.append(f"警情：{_hm(at, zone)} {EVENT_TEXT.get(event, event)}“{subject}”")
    for at, verdict, summary in repo.reviews_decided_by(person_id, start, end):
        lines.append(f"视频复核：{_hm(at, zone)} “{summary}”判定为{VERDICT_TEXT.get(ReviewStatus(verdict), verdict)}")
    for at, channel, seconds in repo.spot_checks_answered_by(person_id, start, end):
        lines.append(f"查岗：{_hm(at, zone)} 经{CHANNEL_TEXT.get(channel, channel)}应答（用时{seconds}秒）")
    notes = repo.duty_notes_of(person_id, day)
    if notes:
        lines.append(f"值班日志：记录{notes}条")
    return lines
