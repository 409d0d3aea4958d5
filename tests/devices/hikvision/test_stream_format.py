"""The alertStream multipart reader and the event shapes (JSON, XML, AcsEvent entries)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from devices.hikvision.events import (
    EventFormatError,
    from_info,
    from_stream_json,
    from_stream_xml,
    parse_time,
    xml_fields,
)
from devices.hikvision.multipart import MultipartReader, Part, StreamFormatError, boundary_from

JSON_EVENT = (
    b'{"dateTime":"2026-02-24T19:45:13+08:00","eventType":"AccessControllerEvent","AccessControllerEvent":'
    b'{"majorEventType":5,"subEventType":75,"name":"\xe5\xb7\xb4","employeeNoString":"123123123","serialNo":1199,'
    b'"currentVerifyMode":"face","attendanceStatus":"undefined"}}'
)


async def _gen(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def read_all(data: bytes, boundary: str | None, chunk: int = 7) -> list[Part]:
    async def main() -> list[Part]:
        return [p async for p in MultipartReader(_gen(data, chunk), boundary)]

    return asyncio.run(main())


def stream(*parts: tuple[str, bytes, bool]) -> bytes:
    out = b""
    for content_type, body, with_length in parts:
        out += b"--MIME_boundary\r\nContent-Type: " + content_type.encode() + b"\r\n"
        if with_length:
            out += f"Content-Length: {len(body)}\r\n".encode()
        out += b"\r\n" + body + b"\r\n"
    return out


DATA = stream(
    ("application/xml", b"<EventNotificationAlert><eventType>videoloss</eventType></EventNotificationAlert>", False),
    ("application/json", JSON_EVENT, True),
    ("image/jpeg", b"\xff\xd8--MIME_boundar\xff\xd9", True),  # a picture that nearly contains the boundary
)


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_parts_are_read_whatever_the_chunking(chunk: int) -> None:
    parts = read_all(DATA, "MIME_boundary", chunk)
    assert [p.content_type for p in parts] == ["application/xml", "application/json", "image/jpeg"]
    assert parts[1].body == JSON_EVENT
    assert parts[2].body == b"\xff\xd8--MIME_boundar\xff\xd9"


def test_the_boundary_is_found_in_the_body_when_the_header_omits_it() -> None:
    assert boundary_from("multipart/mixed") is None
    assert boundary_from('multipart/mixed; boundary="MIME_boundary"') == "MIME_boundary"
    assert [p.content_type for p in read_all(DATA, None)] == ["application/xml", "application/json", "image/jpeg"]


def test_an_oversized_part_is_refused() -> None:
    huge = b"--b\r\nContent-Type: image/jpeg\r\nContent-Length: 99999999\r\n\r\n"
    with pytest.raises(StreamFormatError, match="larger than 8 MiB"):
        read_all(huge, "b")


def test_stream_events_json_and_xml() -> None:
    event = from_stream_json(JSON_EVENT)
    assert event is not None
    assert (event.employee, event.serial_no, event.minor, event.name) == ("123123123", 1199, 75, "巴")
    assert event.wall.text == "2026-02-24 19:45:13"
    assert from_stream_json(b'{"eventType":"videoloss"}') is None
    xml = (
        b'<EventNotificationAlert xmlns="http://www.isapi.org/ver20/XMLSchema"><dateTime>2026-02-24T19:45:13+08:00'
        b"</dateTime><eventType>AccessControllerEvent</eventType><AccessControllerEvent><majorEventType>5"
        b"</majorEventType><subEventType>75</subEventType><employeeNoString>42</employeeNoString><serialNo>7"
        b"</serialNo></AccessControllerEvent></EventNotificationAlert>"
    )
    x = from_stream_xml(xml)
    assert x is not None and (x.employee, x.serial_no) == ("42", 7)
    with pytest.raises(EventFormatError, match="not JSON"):
        from_stream_json(b"{broken")


def test_xml_with_entities_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(EventFormatError, match="DTD refused"):
        xml_fields(bomb)


def test_search_entries_and_times() -> None:
    info = {"major": 5, "minor": 75, "time": "2023-06-09T19:05:47+07:00", "employeeNoString": "100054", "serialNo": 42970}
    event = from_info(info)
    assert event is not None and event.wall.text == "2023-06-09 19:05:47" and event.serial_no == 42970
    wall, tz = parse_time("1970-01-01T08:00:00")
    assert wall.year == 1970 and tz is None
    with pytest.raises(EventFormatError):
        parse_time("yesterday")
    with pytest.raises(EventFormatError, match="no time"):
        from_info({"employeeNoString": "1"})
