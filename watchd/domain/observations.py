"""Observations: facts the pipeline reports, which rules turn into incidents.

Producers (camera watch, duty-room presence, device supervisor, attendance settlement) only
report what they see; whether that becomes an incident, who is told and when, is decided by the
incident rules in `watchd/alerts/`. A condition that clears (a camera back online) is reported
with `active=False` under the same `key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ObservationKind(StrEnum):
    motion = "motion"  # motion in an armed zone of a protected-site camera
    camera_offline = "camera_offline"
    tamper = "tamper"  # covered, turned away, out of focus
    duty_room_unwatched = "duty_room_unwatched"
    wrong_person_on_duty = "wrong_person_on_duty"
    missing_checkins = "missing_checkins"
    device_offline = "device_offline"  # a terminal or kiosk stopped reporting
    spot_check_missed = "spot_check_missed"  # the officer on duty did not answer a spot check (查岗) in time
    # calendar_missing was one until 0.1 (database revision 0009): it is an administrator's notice now
    # (watchd/domain/notices.py); old incident rows of that kind stay readable.


class Severity(StrEnum):
    normal = "normal"
    major = "major"


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    kind: ObservationKind
    site_id: str
    subject: str  # what it is about: a camera id, a duty room id, a device id, a person id
    occurred_at: datetime
    active: bool = True  # False: the condition has cleared
    # What the producer knows more precisely than the configuration (a camera zone's own severity);
    # None: the configured severity of the kind at the site (watchd/domain/incidents.py severity_of).
    severity: Severity | None = None
    summary: str = ""  # short Chinese text for people, e.g. "3号沙坑 发现移动目标"
    details: Mapping[str, object] = field(default_factory=dict)
    snapshot_path: str | None = None  # relative to the data directory

    @property
    def key(self) -> str:
        """The dedup key: repeats while an incident with this key is open are counted, not re-notified."""
        return f"{self.kind.value}:{self.site_id}:{self.subject}"


class ObservationSink(Protocol):
    """Where producers report observations (implemented by the incident service)."""

    def report(self, observation: Observation) -> None: ...
