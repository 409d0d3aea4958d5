"""The Hikvision driver against the fake terminal: digest auth, catch-up search, stream, fallback, bad terminals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from devices.contracts import DeviceAuthError, DeviceUnavailable
from devices.hikvision.driver import HikvisionDriver
from devices.terminal import RAW_CURSOR, RAW_DEVICE_TIME, RAW_SERIAL, RAW_SOURCE, RAW_USER_NAME
from tests.devices.hikvision.conftest import SECRET_ENV, hik_config
from tests.devices.zkteco.conftest import RecordingSink, eventually
from tests.fakes.hikvision_isapi import ZONE, FakeIsapiTerminal
from tests.helpers.driven_time import DrivenTime

pytestmark = pytest.mark.date_sensitive  # device times relative to the real clock


def ago(minutes: float) -> datetime:
    return (datetime.now(ZONE) - timedelta(minutes=minutes)).replace(microsecond=0)


def run(
    driver: HikvisionDriver, sink: RecordingSink, until: Callable[[], bool], *,
    during: Callable[[], Awaitable[None]] | None = None, limit: float = 10, time: DrivenTime | None = None,
) -> None:
    """Run the driver until `until()` holds; with `time`, its waits are skipped instead of waited out."""

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(driver.run(sink, stop))
        if during is not None:
            await during()
        deadline = asyncio.get_running_loop().time() + limit
        while not until():
            assert asyncio.get_running_loop().time() < deadline, f"timed out: {driver.diagnostics()}"
            if task.done():
                task.result()
            if time is not None and time.sleeping:
                time.skip()
            else:
                await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())


def test_probe_over_digest_auth(terminal: FakeIsapiTerminal) -> None:
    terminal.clock_offset = timedelta(seconds=-30)
    info = asyncio.run(HikvisionDriver(hik_config(terminal)).probe())
    assert (info.serial, info.model) == (terminal.serial, "DS-K1T671M")
    assert info.firmware == "V3.2.30 build 230101"
    assert info.clock is not None and info.clock.utcoffset() == timedelta(hours=8)


def test_a_wrong_password_is_a_clear_auth_error(terminal: FakeIsapiTerminal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong")
    with pytest.raises(DeviceAuthError, match="refused user 'admin'"):
        asyncio.run(HikvisionDriver(hik_config(terminal)).probe())
    terminal.failed_logins = terminal.lock_after
    with pytest.raises(DeviceAuthError, match="locked until 1800"):
        asyncio.run(HikvisionDriver(hik_config(terminal)).probe())


def test_a_missing_secret_names_the_setting(terminal: FakeIsapiTerminal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(DeviceUnavailable, match=f"password_env: secret {SECRET_ENV} is not set"):
        asyncio.run(HikvisionDriver(hik_config(terminal)).probe())


def test_refused_login_is_not_retried_soon(terminal: FakeIsapiTerminal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong")
    sink, time = RecordingSink(), DrivenTime()
    driver = HikvisionDriver(hik_config(terminal, auth_retry_s=60), retry_initial_s=0.05, timing=time.timing)
    run(driver, sink, lambda: len(time.waits) >= 3, time=time)
    assert time.waits == [60, 60, 60]  # not hammered into a lock-out: one try a minute
    assert terminal.failed_logins == 3
    assert [s.state for s in sink.statuses] == ["offline"]
    assert "refused user" in sink.statuses[0].detail


def test_catch_up_pages_through_the_search_and_stores_the_position(terminal: FakeIsapiTerminal) -> None:
    for i in range(70):
        terminal.add_event(f"E{i % 7}", ago(100 - i), name="其其格" if i % 7 == 0 else "")
    terminal.add_event("E1", ago(20), minor=1)  # a card, not a face
    sink = RecordingSink()
    run(HikvisionDriver(hik_config(terminal, mode="poll")), sink, lambda: sink.position == "71")
    assert len(sink.punches) == 70
    first = sink.punches[0]
    assert (first.subject_ref, first.raw[RAW_CURSOR], first.raw[RAW_SOURCE]) == ("E0", "1", "hikvision_poll")
    assert first.raw[RAW_SERIAL] == terminal.serial
    assert first.raw[RAW_USER_NAME] == "其其格"
    assert first.event_id == f"{terminal.serial}|E0|{first.raw[RAW_DEVICE_TIME]}"
    conds = terminal.searches
    assert {c["searchID"] for c in conds[:3]} == {conds[0]["searchID"]}  # one search, three pages
    assert [c["searchResultPosition"] for c in conds[:3]] == [0, 30, 60]
    assert "startTime" in conds[0]
    assert len(sink.synced) >= 1  # the last page of a search moves the watermark
    assert [n for n, _ in sink.batches[:3]] == [30, 30, 10]


def test_resumes_from_the_stored_position(terminal: FakeIsapiTerminal) -> None:
    for i in range(5):
        terminal.add_event("E1", ago(50 - i))
    sink = RecordingSink(position="3")
    run(HikvisionDriver(hik_config(terminal, mode="poll")), sink, lambda: sink.position == "5")
    assert [p.raw[RAW_CURSOR] for p in sink.punches] == ["4", "5"]
    assert terminal.searches[0]["beginSerialNo"] == 4


def test_live_events_come_through_the_stream(terminal: FakeIsapiTerminal) -> None:
    sink = RecordingSink()
    driver = HikvisionDriver(hik_config(terminal))

    async def punch() -> None:
        # Following the stream, and its first search (the catch-up's second) has read the log: the
        # punch can only come through the stream.
        await eventually(lambda: terminal.stream_connections > 0 and len(terminal.searches) >= 2)
        terminal.add_event("E7", ago(0), name="巴特尔")
        terminal.add_event("E8", ago(0), minor=76)  # face verification failed: not a punch

    run(driver, sink, lambda: len(sink.punches) >= 1, during=punch)
    (p,) = sink.punches
    assert (p.subject_ref, p.raw[RAW_SOURCE], p.raw[RAW_CURSOR]) == ("E7", "hikvision_stream", "1")
    assert [s.state for s in sink.statuses] == ["online"]


def test_without_a_stream_it_polls_and_says_so(terminal: FakeIsapiTerminal) -> None:
    terminal.faults.stream_disabled = True
    sink = RecordingSink()
    driver = HikvisionDriver(hik_config(terminal))

    async def later() -> None:
        await eventually(lambda: driver.diagnostics()["mode"] == "poll")
        terminal.add_event("E3", ago(1))

    run(driver, sink, lambda: len(sink.punches) >= 1, during=later)
    assert sink.punches[0].raw[RAW_SOURCE] == "hikvision_poll"  # found by a search, after "mode" said poll
    assert [s.state for s in sink.statuses] == ["online"]


def test_a_dropped_stream_loses_nothing(terminal: FakeIsapiTerminal) -> None:
    sink, time = RecordingSink(), DrivenTime()
    driver = HikvisionDriver(hik_config(terminal, stream_retry_s=1), timing=time.timing)

    async def blip() -> None:
        await eventually(lambda: terminal.stream_connections > 0 and driver.diagnostics()["mode"] == "stream")
        terminal.drop_streams()
        terminal.add_event("E4", ago(1))  # while the stream is down

    run(driver, sink, lambda: len(sink.punches) >= 1 and terminal.stream_connections >= 2, during=blip, time=time)
    assert [p.subject_ref for p in sink.punches] == ["E4"]
    assert 1 in time.waits  # it polled (every poll_interval_s = 1 s) until the stream was due again
    assert [s.state for s in sink.statuses] == ["online"]  # the terminal never stopped answering


def test_a_stream_dropped_while_its_search_runs_delivers_each_event_once(terminal: FakeIsapiTerminal) -> None:
    terminal.faults.search_delay_s = 0.5
    sink, time = RecordingSink(), DrivenTime()
    driver = HikvisionDriver(hik_config(terminal, stream_retry_s=1), timing=time.timing)

    async def blip() -> None:
        # The catch-up search is done and the stream's own search is under way when the stream drops.
        await eventually(lambda: terminal.stream_connections > 0 and len(terminal.searches) >= 2)
        terminal.drop_streams()
        terminal.add_event("E5", ago(1))

    run(driver, sink, lambda: len(sink.punches) >= 1 and terminal.stream_connections >= 2, during=blip, time=time)
    assert [p.subject_ref for p in sink.punches] == ["E5"]


def test_unreadable_stream_parts_are_skipped(terminal: FakeIsapiTerminal) -> None:
    terminal.faults.stream_garbage = True
    terminal.faults.stream_no_boundary = True
    sink = RecordingSink()
    driver = HikvisionDriver(hik_config(terminal))

    async def punch() -> None:
        await eventually(lambda: bool(driver.diagnostics()["bad_events"]))
        terminal.add_event("E9", ago(0))

    run(driver, sink, lambda: len(sink.punches) >= 1, during=punch)
    assert driver.diagnostics()["bad_events"] == 1


def test_a_terminal_that_hangs_goes_offline_once(terminal: FakeIsapiTerminal) -> None:
    sink, time = RecordingSink(), DrivenTime()
    # 1 s: long enough for a healthy answer on a loaded CI box (0.3 s once made the very first poll "offline").
    driver = HikvisionDriver(hik_config(terminal, mode="poll", timeout_s=1), timing=time.timing)

    async def hang() -> None:
        await eventually(lambda: bool(sink.statuses))
        terminal.faults.hang = True

    # Three failed reconnects (after 1 s, 2 s and 4 s) after the poll that found it hanging: still one report.
    run(driver, sink, lambda: driver.diagnostics()["reconnects"] == 3 and time.sleeping == 1, during=hang, time=time)
    assert time.waits[-4:] == [1, 2, 4, 8]
    assert [s.state for s in sink.statuses] == ["online", "offline"]
    assert "no reply within 1.0 s" in sink.statuses[1].detail


def test_a_search_reply_that_is_not_json_is_an_error(terminal: FakeIsapiTerminal) -> None:
    terminal.faults.bad_json = True
    sink = RecordingSink()
    run(HikvisionDriver(hik_config(terminal, mode="poll")), sink, lambda: bool(sink.statuses))
    assert sink.statuses[0].state == "offline"
    assert "reply is not JSON" in sink.statuses[0].detail
