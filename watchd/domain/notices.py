"""Notices: upkeep for the administrator, never an incident.

An incident is something on a site that a leader must act on (motion, a dead camera, an unwatched
duty room); it escalates along the on-call chain. A notice is upkeep: next year's holidays not
entered, a disk filling, a certificate expiring, terminal users not mapped to people, a node lost,
a camera whose keyframe interval makes keyframe-only idling blind. Notices are shown to
administrators and sent once to the administrator contacts in working hours; they never reach the
leader on duty and never escalate.

Producers report a condition with `active=True` and its clearing with `active=False` under the same
`key`, like observations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class NoticeKind(StrEnum):
    calendar_missing = "calendar_missing"  # next year's holidays are not known yet
    disk_low = "disk_low"  # the data directory's disk is filling
    certificate_expiring = "certificate_expiring"  # the server's TLS certificate
    unmapped_terminal_users = "unmapped_terminal_users"  # terminal users not mapped to people
    node_lost = "node_lost"  # a node of the cluster stopped renewing its leases
    camera_keyframe_interval = "camera_keyframe_interval"  # keyframe-only idling would be blind
    no_recipient = "no_recipient"  # an alert found nobody to reach along its chain


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    kind: NoticeKind
    subject: str  # what it is about: a year, a camera id, a node name, a path
    observed_at: datetime
    active: bool = True  # False: the condition has cleared
    text: str = ""  # Chinese text saying what to do, in watchd (a page, a key), not in Python
    details: Mapping[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """One notice per condition: repeats while it is open change nothing."""
        return f"{self.kind.value}:{self.subject}"


class NoticeSink(Protocol):
    """Where producers report notices (implemented by the notice service)."""

    def notice(self, notice: Notice) -> None: ...
