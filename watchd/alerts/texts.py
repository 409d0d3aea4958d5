"""The Simplified Chinese message texts. Short: one SMS is 70 Chinese characters.

  【值班提醒】阿嘎如泰苏木 3号沙坑 22:41 发现移动目标，回复1确认或打开 https://…/a/Xy…
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from watchd.domain.observations import ObservationKind

KIND_TEXT: dict[str, str] = {
    ObservationKind.motion: "发现移动目标",
    ObservationKind.camera_offline: "摄像头离线",
    ObservationKind.tamper: "摄像头被遮挡或移动",
    ObservationKind.duty_room_unwatched: "值班室无人值守",
    ObservationKind.wrong_person_on_duty: "值班人员与排班不符",
    ObservationKind.missing_checkins: "有人员未签到",
    ObservationKind.device_offline: "设备离线",
    ObservationKind.spot_check_missed: "查岗未应答",
    "calendar_missing": "节假日日历未更新",  # incidents written before it became a notice (revision 0009)
}
REVIEW_TEXT = {"real": "值班室复核属实", "timed_out": "值班室未复核"}
STATUS_TEXT = {"open": "待确认", "acknowledged": "已确认", "resolved": "已解除"}
SEVERITY_TEXT = {"normal": "一般", "major": "重大"}
MAX_DIGEST_ITEMS = 3


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    code: str
    kind: str
    severity: str
    site_name: str
    summary: str
    opened_at: datetime
    count: int
    review: str = ""  # the duty room's verification: real | timed_out ("" : none)


def event_text(kind: str, summary: str) -> str:
    return summary or KIND_TEXT.get(kind, kind)


def local_time(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%H:%M")


def _count(n: int) -> str:
    return f"（{n}次）" if n > 1 else ""


def _tag(severity: str, round_: int, escalated: bool) -> str:
    parts = ["值班提醒"]
    if severity == "major":
        parts.append("重大")
    if round_ > 0:
        parts.append(f"第{round_ + 1}次")
    elif escalated:
        parts.append("升级")
    return "【" + "·".join(parts) + "】"


def _line(f: IncidentFacts, zone: ZoneInfo) -> str:
    """"3号沙坑 22:41 发现移动目标（3次）"; without a site (township-wide) just the time and event."""
    parts = [f.site_name, local_time(f.opened_at, zone), event_text(f.kind, f.summary) + _count(f.count)]
    return " ".join(p for p in parts if p)


def alert_text(
    f: IncidentFacts, *, township: str, zone: ZoneInfo, link: str, round_: int = 0, escalated: bool = False,
    can_reply: bool = True,
) -> str:
    lead = f"{_tag(f.severity, round_, escalated)}{township} {_line(f, zone)}".replace("】 ", "】")
    note = "，带班领导未确认" if escalated and round_ == 0 else ""
    review = REVIEW_TEXT.get(f.review, "")
    if review:
        note = f"，{review}{note}"
    see = "看录像" if review else ""  # the link's page plays the event's clip
    action = f"回复1确认或打开{see} {link}" if can_reply else f"打开{see} {link} 确认"
    return f"{lead}{note}，{action}"


def digest_text(
    items: Sequence[IncidentFacts], *, township: str, zone: ZoneInfo, link: str, escalated: bool = False
) -> str:
    """Several incidents in one message, grouped by place and event with counts:
    【值班提醒】阿嘎如泰苏木 22:41起 7起警情待确认：3号沙坑 发现移动目标7处共23次，回复1全部确认或打开 …"""
    groups: dict[tuple[str, str], list[IncidentFacts]] = {}
    for f in items:
        groups.setdefault((f.site_name, event_text(f.kind, f.summary)), []).append(f)
    parts = []
    for (site, event), members in list(groups.items())[:MAX_DIGEST_ITEMS]:
        total = sum(m.count for m in members)
        where = f"{len(members)}处" if len(members) > 1 else ""
        times = f"共{total}次" if total > 1 else ""
        parts.append(f"{site} {event}{where}{times}")
    more = "等" if len(groups) > MAX_DIGEST_ITEMS else ""
    tag = _tag("major" if any(f.severity == "major" for f in items) else "normal", 0, escalated)
    since = local_time(min(f.opened_at for f in items), zone)
    head = f"{tag}{township} {since}起 {len(items)}起警情待确认：".replace("】 ", "】")
    return f"{head}{'；'.join(parts)}{more}，回复1全部确认或打开 {link}"


def template_params(f: IncidentFacts, *, township: str, zone: ZoneInfo, link: str) -> dict[str, str]:
    """Variables for template SMS (Aliyun/Tencent): the provider renders its approved template."""
    return {
        "township": township, "site": f.site_name, "time": local_time(f.opened_at, zone),
        "event": event_text(f.kind, f.summary), "count": str(f.count), "code": f.code, "link": link,
    }
