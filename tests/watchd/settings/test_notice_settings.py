"""The [notices] section: contacts must be known people with a phone; working hours must make sense."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from tests.watchd.settings.test_config import problems, write
from watchd.settings import load_settings

PEOPLE = """
[[people]]
id = "a001"
name = "萨仁"
phone = "13800000009"
[[people]]
id = "c002"
name = "巴特尔"
"""


def test_contacts_and_working_hours(tmp_path: Path) -> None:
    loaded = load_settings(write(tmp_path, PEOPLE + '[notices]\ncontacts = ["a001"]\nsend_from = "07:45"\n'))
    notices = loaded.settings.notices
    assert (notices.contacts, notices.send_from, notices.send_until, notices.workdays_only) == (
        ["a001"], time(7, 45), time(17, 30), True,
    )
    assert problems(write(tmp_path, PEOPLE + '[notices]\ncontacts = ["a001", "x9", "c002"]\n')) == [
        "notices.contacts.1: unknown person 'x9'", "notices.contacts.2: person 'c002' has no phone number",
    ]
    assert problems(write(tmp_path, PEOPLE + '[notices]\nsend_from = "18:00"\nsend_until = "08:00"\n')) == [
        "notices: send_until must be later than send_from",
    ]
    assert problems(write(tmp_path, "[notices]\nleader_on_duty = true\n")) == [
        "notices.leader_on_duty: unknown key (not allowed here)",
    ]
