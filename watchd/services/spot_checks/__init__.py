"""Spot checks (查岗): random checks that the officer on duty is at the desk.

- `issuing`: draw each shift's checks once, issue them (screen or text), settle the missed ones;
- `answers`: the screen's answer, a text reply, a leader starting a check;
- `views`: what they answer with; `service`: `SpotCheckService`, the one object the rest holds.
"""

from watchd.domain.spot_checks import ScreenCheckView, SpotCheckView
from watchd.services.spot_checks.service import TICK_SECONDS, SpotCheckService

__all__ = ["TICK_SECONDS", "ScreenCheckView", "SpotCheckService", "SpotCheckView"]
