"""No test reads the wall clock unless it is marked `date_sensitive` (and so also runs with the clock
shifted in CI): every other test injects its clock (tests/conftest.py FakeClock).

A module that reads the real clock (datetime.now, date.today, time.time, …), starts a real `watchd
run`, or uses WallClock must carry the marker (or, for a helper module, say that its users do).
The fake devices and providers under tests/fakes/ stand for real machines with real clocks."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
READS_THE_CLOCK = re.compile(
    r"\b(?:datetime\.(?:now|today|utcnow)|date\.today|time\.time|WallClock)\(|\"api\.cli\",[^\]]*\"run\"\]"
)


def test_only_date_sensitive_tests_read_the_wall_clock() -> None:
    unmarked = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__) or TESTS / "fakes" in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        if READS_THE_CLOCK.search(text) and "date_sensitive" not in text:
            unmarked.append(str(path.relative_to(TESTS)))
    assert unmarked == []


def test_the_marked_tests_exist() -> None:
    """The shifted-clock run in .ci/run selects `-m date_sensitive`: it must find the daemon tests."""
    marked = {
        str(p.relative_to(TESTS)) for p in TESTS.rglob("test_*.py")
        if "pytest.mark.date_sensitive" in p.read_text(encoding="utf-8")
    }
    assert {"cli/test_daemon.py", "e2e/test_sigkill_escalation.py", "e2e/test_three_nodes.py"} <= marked
