"""Access-control events from ISAPI: event-stream parts and AcsEvent search results, in one shape."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from xml.etree import ElementTree

from devices.contracts import DeviceUnavailable
from devices.terminal import WallTime

_XML_NS = re.compile(r"\{[^}]*\}")


class EventFormatError(DeviceUnavailable):
    """The terminal sent an event or reply watchd cannot read."""


@dataclass(frozen=True, slots=True)
class AccessEvent:
    serial_no: int | None
    wall: WallTime
    tz: tzinfo | None  # the offset the terminal gave with the time, if any
    employee: str
    name: str
    major: int
    minor: int
    verify_mode: str
    attendance: str


def parse_time(text: str) -> tuple[WallTime, tzinfo | None]:
    """'2026-02-24T19:45:13+08:00' -> the wall clock as written, and its offset."""
    text = text.strip()
    try:
        wall = WallTime.parse(text[:19])
    except ValueError as exc:
        raise EventFormatError(str(exc)) from None
    rest = text[19:]
    if not rest:
        return wall, None
    try:
        return wall, datetime.fromisoformat("2000-01-01T00:00:00" + rest).tzinfo
    except ValueError:
        raise EventFormatError(f"unreadable time offset in {text[:40]!r}") from None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def from_info(info: dict[str, Any]) -> AccessEvent | None:
    """One entry of AcsEvent.InfoList; None when it names nobody."""
    employee = str(info.get("employeeNoString") or info.get("employeeNo") or "").strip()
    time = info.get("time")
    if not isinstance(time, str):
        raise EventFormatError("an AcsEvent entry has no time")
    wall, tz = parse_time(time)
    return AccessEvent(
        serial_no=_int(info.get("serialNo")), wall=wall, tz=tz, employee=employee, name=str(info.get("name") or ""),
        major=_int(info.get("major")) or 0, minor=_int(info.get("minor")) or 0,
        verify_mode=str(info.get("currentVerifyMode") or ""), attendance=str(info.get("attendanceStatus") or ""),
    )


def from_stream_json(body: bytes) -> AccessEvent | None:
    """An alertStream JSON part; None for heartbeats and other event types."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise EventFormatError(f"event stream part is not JSON: {body[:60]!r}") from None
    if not isinstance(doc, dict) or doc.get("eventType") != "AccessControllerEvent":
        return None
    ace = doc.get("AccessControllerEvent")
    if not isinstance(ace, dict):
        raise EventFormatError("AccessControllerEvent without its body")
    time = doc.get("dateTime")
    if not isinstance(time, str):
        raise EventFormatError("AccessControllerEvent without dateTime")
    wall, tz = parse_time(time)
    return AccessEvent(
        serial_no=_int(ace.get("serialNo")), wall=wall, tz=tz,
        employee=str(ace.get("employeeNoString") or ace.get("employeeNo") or "").strip(),
        name=str(ace.get("name") or ""), major=_int(ace.get("majorEventType")) or 0,
        minor=_int(ace.get("subEventType")) or 0, verify_mode=str(ace.get("currentVerifyMode") or ""),
        attendance=str(ace.get("attendanceStatus") or ""),
    )


def xml_fields(body: bytes) -> dict[str, str]:
    """Leaf elements of an ISAPI XML document, by local name (no DTDs or entities accepted)."""
    head = body[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise EventFormatError("XML with a DTD refused")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise EventFormatError(f"malformed XML: {exc}") from None
    out: dict[str, str] = {}
    for el in root.iter():
        if len(el) == 0 and el.text is not None:
            out.setdefault(_XML_NS.sub("", el.tag), el.text.strip())
    return out


def from_stream_xml(body: bytes) -> AccessEvent | None:
    """An alertStream XML part (older firmware); None for heartbeats (videoloss) and other types."""
    fields = xml_fields(body)
    if fields.get("eventType") != "AccessControllerEvent":
        return None
    wall, tz = parse_time(fields.get("dateTime", ""))
    return AccessEvent(
        serial_no=_int(fields.get("serialNo")), wall=wall, tz=tz,
        employee=fields.get("employeeNoString") or fields.get("employeeNo") or "", name=fields.get("name", ""),
        major=_int(fields.get("majorEventType")) or 0, minor=_int(fields.get("subEventType")) or 0,
        verify_mode=fields.get("currentVerifyMode", ""), attendance=fields.get("attendanceStatus", ""),
    )
