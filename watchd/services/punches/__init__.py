"""Punches from vendor terminals.

- `ingest`: stored exactly once under their natural key, quarantined when their time cannot be
  right, counted as check-ins once mapped;
- `terminals`: each terminal's read position, identity, clock and online state; probes;
- `mapping`: device users to people, the unmapped ones, the review of stored punches;
- `views`: what these answer with; `service`: `PunchService`, the one object the rest of watchd holds.
"""

from watchd.services.punches.service import PunchService
from watchd.services.punches.terminals import ProbeFailed
from watchd.services.punches.views import (
    MappingView,
    ProbeView,
    PunchView,
    StatusChange,
    TerminalView,
    UnknownSerial,
    UnknownUser,
)

__all__ = [
    "MappingView", "ProbeFailed", "ProbeView", "PunchService", "PunchView", "StatusChange", "TerminalView",
    "UnknownSerial", "UnknownUser",
]
