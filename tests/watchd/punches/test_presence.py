"""Online/offline: recorded once per transition, across restarts; push devices judged by their last call."""

from __future__ import annotations

from collections.abc import Callable

from tests.helpers.clocks import FakeClock
from watchd.app import Services


def test_driver_reports_are_transitions_once(terminal_services: Callable[..., Services], clock: FakeClock) -> None:
    services = terminal_services()
    first = services.punches.device_status("zk-bayan", online=True, at=clock.now)
    assert first is not None and (first.site_id, first.online) == ("bayan", True)
    assert services.punches.device_status("zk-bayan", online=True, at=clock.now) is None
    down = services.punches.device_status("zk-bayan", online=False, at=clock.now, detail="no reply")
    assert down is not None and down.detail == "no reply"
    # After a restart the driver says "online" again: only a real change counts.
    restarted = terminal_services()
    assert restarted.punches.device_status("zk-bayan", online=False, at=clock.now) is None
    assert restarted.punches.device_status("zk-bayan", online=True, at=clock.now) is not None
    (zk,) = [t for t in restarted.punches.terminals() if t.device_id == "zk-bayan"]
    assert zk.online is True


def test_a_push_device_goes_offline_when_silent_and_back_when_it_calls(
    terminal_services: Callable[..., Services], clock: FakeClock
) -> None:
    services = terminal_services()
    assert services.punches.sweep_presence() == []  # never called: nothing to say
    services.punches.device_contact("adms-hure", timeout_s=120, serial="ADMS0001")
    (up,) = services.punches.sweep_presence()
    assert (up.device_id, up.site_id, up.online) == ("adms-hure", "hure", True)
    clock.advance(seconds=119)
    assert services.punches.sweep_presence() == []
    clock.advance(seconds=2)
    (down,) = services.punches.sweep_presence()
    assert not down.online and "120 s" in down.detail
    assert services.punches.sweep_presence() == []
    services.punches.device_contact("adms-hure", timeout_s=120)
    (back,) = services.punches.sweep_presence()
    assert back.online
