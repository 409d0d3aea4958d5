"""The punch service: terminal punches in (`ingest`), what watchd knows of each terminal
(`terminals`), and whose punches they are (`mapping`), behind the one object the rest of watchd holds
(the device supervisor, the terminal routes, ADMS)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from devices.contracts import CheckIn, DeviceInfo
from watchd.db.session import Database
from watchd.services.checkins import CheckinService
from watchd.services.punches.ingest import PunchIngest
from watchd.services.punches.mapping import PunchMapping
from watchd.services.punches.terminals import TerminalStates
from watchd.services.punches.views import (
    IngestReport,
    MappingResult,
    MappingView,
    ProbeView,
    PunchView,
    StatusChange,
    TerminalView,
    UnknownSerial,
    UnknownUser,
)
from watchd.settings.root import Settings


class PunchService:
    def __init__(
        self, db: Database, settings: Settings, checkins: CheckinService, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self.intake = PunchIngest(db, settings, checkins, clock)
        self.states = TerminalStates(db, settings, clock)
        self.mapping = PunchMapping(db, clock, self.intake, self.states)

    # -- ingest ------------------------------------------------------------------------------------
    def ingest(
        self, device_id: str, events: Sequence[CheckIn], *, position: str | None = None,
        synced_at: datetime | None = None,
    ) -> IngestReport:
        return self.intake.ingest(device_id, events, position=position, synced_at=synced_at)

    def process_pending(self, device_id: str | None = None) -> int:
        return self.intake.process_pending(device_id)

    # -- terminals ---------------------------------------------------------------------------------
    def position(self, device_id: str) -> str | None:
        return self.states.position(device_id)

    def device_seen(self, device_id: str, info: DeviceInfo, *, skew_s: float | None) -> None:
        self.states.device_seen(device_id, info, skew_s=skew_s)

    def device_status(self, device_id: str, *, online: bool, at: datetime, detail: str = "") -> StatusChange | None:
        return self.states.device_status(device_id, online=online, at=at, detail=detail)

    def device_contact(
        self, device_id: str, *, timeout_s: int, serial: str | None = None, firmware: str | None = None
    ) -> None:
        self.states.device_contact(device_id, timeout_s=timeout_s, serial=serial, firmware=firmware)

    def sweep_presence(self) -> list[StatusChange]:
        return self.states.sweep_presence()

    def note_unknown_serial(self, serial: str, address: str | None) -> bool:
        return self.states.note_unknown_serial(serial, address)

    def unknown_serials(self) -> list[UnknownSerial]:
        return self.states.unknown_serials()

    async def probe(self, device_id: str) -> ProbeView:
        return await self.states.probe(device_id)

    def terminals(self) -> list[TerminalView]:
        return self.states.terminals()

    # -- mapping and review ------------------------------------------------------------------------
    def mappings(self) -> list[MappingView]:
        return self.mapping.mappings()

    def set_mapping(self, device_id: str, device_user: str, person_id: str | None) -> MappingResult:
        return self.mapping.set_mapping(device_id, device_user, person_id)

    def delete_mapping(self, device_id: str, device_user: str) -> None:
        self.mapping.delete_mapping(device_id, device_user)

    def unknown_users(self) -> list[UnknownUser]:
        return self.mapping.unknown_users()

    def punches(
        self, *, state: str | None = None, device_id: str | None = None, device_user: str | None = None,
        limit: int = 200, offset: int = 0,
    ) -> list[PunchView]:
        return self.mapping.punches(state=state, device_id=device_id, device_user=device_user, limit=limit, offset=offset)

    def release(self, punch_id: int) -> PunchView:
        return self.mapping.release(punch_id)
