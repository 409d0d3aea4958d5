"""What watchd knows of each terminal: its read position, identity and clock from probes, its
online state (reported by pull drivers, judged from the last contact for push devices), and the ADMS
calls from serial numbers nobody registered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from devices.contracts import DeviceAuthError, DeviceError, DeviceInfo
from devices.registry import AnyDeviceConfig, Role, create_driver, kinds_with
from watchd.db.repositories.punches import PunchesRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.repositories.terminals import TerminalStatesRepository
from watchd.db.session import Database
from watchd.domain.punches import is_online
from watchd.errors import Invalid, NotFound, ServiceError
from watchd.services.punches.views import ProbeView, StatusChange, TerminalView, UnknownSerial
from watchd.settings.root import Settings

log = logging.getLogger(__name__)
TERMINAL_KINDS = kinds_with(Role.terminal)
PROBE_TIMEOUT_S = 30.0
MAX_UNKNOWN_SERIALS = 100
SKEW_CHANGE_S = 60.0  # a logged clock skew is logged again when it moves by this much


class ProbeFailed(ServiceError):
    status = 502


class TerminalStates:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self.max_future = timedelta(minutes=settings.terminals.max_future_minutes)
        self.devices: dict[str, AnyDeviceConfig] = {d.id: d for d in settings.devices}
        # ADMS calls from unregistered serials since start: serial -> (logged at, address, calls, last call)
        self._unknown_serials: dict[str, tuple[datetime, str, int, datetime]] = {}
        self._logged_skew: dict[str, float] = {}  # device -> the clock skew last logged as too large

    def terminal_config(self, device_id: str) -> AnyDeviceConfig:
        """The configured terminal, or NotFound."""
        config = self.devices.get(device_id)
        if config is None or config.kind not in TERMINAL_KINDS:
            raise NotFound("device_not_found", f"no terminal {device_id!r}")
        return config

    def position(self, device_id: str) -> str | None:
        with self.db.read() as s:
            row = TerminalStatesRepository(s).find_state(device_id)
            return row.position if row else None

    def device_seen(self, device_id: str, info: DeviceInfo, *, skew_s: float | None) -> None:
        """What a probe found; logged when the identity changes or the clock skew appears, changes or clears."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            row = TerminalStatesRepository(s).state(device_id)
            if row.serial and row.serial != info.serial:
                log.warning("device %s now reports serial %s (was %s)", device_id, info.serial, row.serial)
            row.serial, row.model, row.firmware = info.serial[:64], info.model[:100], info.firmware[:100]
            row.probed_at, row.skew_seconds = now, skew_s
        self._log_skew(device_id, skew_s)

    def _log_skew(self, device_id: str, skew_s: float | None) -> None:
        """Probes come every poll: say a clock is off once, again when the skew moves, and when it is fixed."""
        if skew_s is None:  # the clock could not be read: nothing new to say about it
            return
        limit = self.max_future.total_seconds()
        logged = self._logged_skew.get(device_id)
        if abs(skew_s) > limit:
            if logged is None:
                log.warning("device %s: clock off by %.0f s", device_id, skew_s)
            elif abs(skew_s - logged) >= SKEW_CHANGE_S:
                log.warning("device %s: clock off by %.0f s (was %.0f s)", device_id, skew_s, logged)
            else:
                return
            self._logged_skew[device_id] = skew_s
        elif logged is not None:
            log.info("device %s: clock back within %.0f s (off by %.0f s)", device_id, limit, skew_s)
            del self._logged_skew[device_id]

    def device_status(self, device_id: str, *, online: bool, at: datetime, detail: str = "") -> StatusChange | None:
        """Record a driver's online/offline report; the change when it is a transition, else None."""
        with self.db.unit_of_work() as s:
            if SitesRepository(s).get_device(device_id) is None:
                return None
            row = TerminalStatesRepository(s).state(device_id)
            was = row.online
            if was is online:
                return None
            row.online, row.changed_at, row.detail = online, at, detail[:300]
        return StatusChange(device_id, self._site(device_id), online, at, detail, was)

    def device_contact(
        self, device_id: str, *, timeout_s: int, serial: str | None = None, firmware: str | None = None
    ) -> None:
        """A push device called (with Realtime=1 it has uploaded what it held). Its online/offline
        transitions are found by `sweep_presence`."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            row = TerminalStatesRepository(s).state(device_id)
            row.last_contact_at, row.presence_timeout_s = now, timeout_s
            if serial:
                row.serial = serial[:64]
            if firmware:
                row.firmware = firmware[:100]

    def sweep_presence(self) -> list[StatusChange]:
        """Push devices silent for longer than their timeout go offline (once per transition)."""
        now = self.clock()
        changes: list[StatusChange] = []
        with self.db.unit_of_work() as s:
            for row in TerminalStatesRepository(s).push_states():
                timeout = timedelta(seconds=row.presence_timeout_s or 0)
                online = is_online(row.last_contact_at, now=now, timeout=timeout)
                if row.online is online:
                    continue
                detail = "" if online else f"no contact for more than {int(timeout.total_seconds())} s"
                was = row.online
                row.online, row.changed_at, row.detail = online, now, detail
                changes.append(StatusChange(row.device_id, self._site(row.device_id), online, now, detail, was))
        for c in changes:
            if c.online:
                log.info("push device %s is online", c.device_id)
            else:
                log.warning("push device %s is offline: %s", c.device_id, c.detail)
        return changes

    def _site(self, device_id: str) -> str:
        config = self.devices.get(device_id)
        return config.site if config else ""

    def note_unknown_serial(self, serial: str, address: str | None) -> bool:
        """An ADMS call from a serial number nobody registered; True the first time in an hour (log it then)."""
        now = self.clock()
        key = serial[:64]
        first = key not in self._unknown_serials or now - self._unknown_serials[key][0] > timedelta(hours=1)
        seen_at = now if first else self._unknown_serials[key][0]
        count = 1 if key not in self._unknown_serials else self._unknown_serials[key][2] + 1
        if len(self._unknown_serials) < MAX_UNKNOWN_SERIALS or key in self._unknown_serials:
            self._unknown_serials[key] = (seen_at, address or "", count, now)
        return first

    def unknown_serials(self) -> list[UnknownSerial]:
        return [
            UnknownSerial(serial, address, count, last)
            for serial, (_first, address, count, last) in sorted(self._unknown_serials.items())
        ]

    async def probe(self, device_id: str) -> ProbeView:
        """Ask a pull terminal who it is (serial, model, firmware, clock) before relying on it."""
        driver = create_driver(self.terminal_config(device_id))
        if driver is None:
            raise Invalid("probe_unsupported", f"device {device_id!r} calls watchd; it cannot be probed")
        try:
            info = await asyncio.wait_for(driver.probe(), timeout=PROBE_TIMEOUT_S)
        except DeviceAuthError as exc:
            raise ProbeFailed("device_auth_failed", str(exc)) from None
        except DeviceError as exc:
            raise ProbeFailed("device_unreachable", str(exc)) from None
        except TimeoutError:
            raise ProbeFailed("device_unreachable", f"no answer within {PROBE_TIMEOUT_S:.0f} s") from None
        now = self.clock()
        skew = round((info.clock - now).total_seconds(), 3) if info.clock else None
        await asyncio.to_thread(self.device_seen, device_id, info, skew_s=skew)
        return ProbeView(device_id, info.serial, info.model, info.firmware, info.clock, skew)

    def terminals(self) -> list[TerminalView]:
        with self.db.read() as s:
            states, counts = TerminalStatesRepository(s).states(), PunchesRepository(s).counts()
            return [
                TerminalView.of(d.id, d.kind, d.site_id, d.name, d.enabled, states.get(d.id), counts.get(d.id, {}))
                for d in SitesRepository(s).list_devices()
                if d.kind in TERMINAL_KINDS
            ]
