"""What the punch service answers with: punches, mappings, unknown users and serials, terminals, probes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from watchd.db.models import RawPunch, TerminalState, TerminalUserMap
from watchd.messages import zh


@dataclass(frozen=True, slots=True)
class IngestReport:
    received: int
    stored: int  # new raw punches (the rest were already stored)
    quarantined: int
    counted: int  # check-ins written or matched for pending punches


@dataclass(frozen=True, slots=True)
class StatusChange:
    device_id: str
    site_id: str
    online: bool
    at: datetime
    detail: str
    was: bool | None  # the state before (None: never known)

    @property
    def recovery_or_failure(self) -> bool:
        """Worth an observation: going offline, or coming back after being offline (not the first "online")."""
        return not self.online or self.was is False


@dataclass(frozen=True, slots=True)
class PunchView:
    id: int
    device_id: str
    serial: str
    device_user: str
    user_name: str | None
    device_time: str
    occurred_at: datetime | None
    received_at: datetime
    clock_skew_seconds: float | None
    cursor: int | None
    source: str
    verify: str | None
    attendance_state: str | None
    state: str
    reason: str | None
    reason_text: str | None  # the reason in Chinese
    person_id: str | None
    checkin_id: int | None

    @classmethod
    def of(cls, r: RawPunch) -> PunchView:
        return cls(
            r.id, r.device_id, r.serial, r.device_user, r.user_name, r.device_time, r.occurred_at, r.received_at,
            r.skew_seconds, r.cursor, r.source, r.verify, r.attendance_state, r.state, r.reason,
            zh(f"punch_{r.reason}") if r.reason else None, r.person_id, r.checkin_id,
        )


@dataclass(frozen=True, slots=True)
class MappingView:
    device_id: str  # a device id, or '*' for every terminal
    device_user: str
    person_id: str | None  # None: the device user is ignored
    person_name: str | None
    ignored: bool  # the device user's punches are kept but never counted
    updated_at: datetime

    @classmethod
    def of(cls, m: TerminalUserMap, name: str | None) -> MappingView:
        return cls(m.scope, m.device_user, m.person_id, name, m.person_id is None, m.updated_at)


@dataclass(frozen=True, slots=True)
class MappingResult:
    mapping: MappingView
    recounted: int  # stored punches of this device user that now count


@dataclass(frozen=True, slots=True)
class UnknownUser:
    device_id: str
    device_user: str
    user_name: str | None
    punches: int
    first_time: str
    last_time: str


@dataclass(frozen=True, slots=True)
class UnknownSerial:
    serial: str
    address: str
    calls: int
    last_call_at: datetime


@dataclass(frozen=True, slots=True)
class TerminalView:
    device_id: str
    kind: str
    site_id: str
    name: str
    enabled: bool
    serial: str | None
    model: str | None
    firmware: str | None
    probed_at: datetime | None
    clock_skew_seconds: float | None
    online: bool | None
    status_changed_at: datetime | None
    status_detail: str
    last_contact_at: datetime | None
    position: str | None
    punches: dict[str, int]

    @classmethod
    def of(
        cls, device_id: str, kind: str, site_id: str, name: str, enabled: bool, st: TerminalState | None,
        counts: dict[str, int],
    ) -> TerminalView:
        return cls(
            device_id=device_id, kind=kind, site_id=site_id, name=name, enabled=enabled,
            serial=st.serial if st else None, model=st.model if st else None, firmware=st.firmware if st else None,
            probed_at=st.probed_at if st else None, clock_skew_seconds=st.skew_seconds if st else None,
            online=st.online if st else None, status_changed_at=st.changed_at if st else None,
            status_detail=st.detail if st else "", last_contact_at=st.last_contact_at if st else None,
            position=st.position if st else None, punches=counts,
        )


@dataclass(frozen=True, slots=True)
class ProbeView:
    device_id: str
    serial: str
    model: str
    firmware: str
    clock: datetime | None
    clock_skew_seconds: float | None
