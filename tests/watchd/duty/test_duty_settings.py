"""The `[duty]` section: the documented example loads, and every mistake is named with its key path."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from watchd.settings import ConfigError, load_settings

DOCS = Path(__file__).resolve().parents[3] / "docs" / "duty.md"
PEOPLE = '[[people]]\nid = "p001"\nname = "巴雅尔"\nrole = "principal_leader"\n'
SITES = """
[[sites]]
id = "shakeng"
name = "3号沙坑"
kind = "protected_site"
[[sites]]
id = "bayan"
name = "巴音嘎查"
kind = "village"
"""


def documented_example() -> str:
    """The TOML blocks of docs/duty.md (the rooms, then the spot checks), as an administrator would copy them."""
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2, "docs/duty.md: the rooms and the spot checks"
    return "\n".join(blocks)


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "watchd.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def test_the_example_in_the_documentation_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "watchd.toml"
    path.write_text(SITES + PEOPLE + documented_example(), encoding="utf-8")
    duty = load_settings(path).settings.duty
    assert duty.shift_start == time(8, 30)
    [room] = duty.rooms
    assert (room.site, room.covers, room.desks[0].camera) == ("duty", ["shakeng", "bayan"], "duty-cam")


def test_mistakes_in_the_duty_section_are_named_with_their_key_paths(tmp_path: Path) -> None:
    text = """
[[sites]]
id = "office"
name = "苏木政府"
kind = "office"
[[devices]]
id = "cam"
kind = "duty_camera"
site = "office"
source = "rtsp://user:secret@10.0.0.5/x"
[[devices]]
id = "kiosk"
kind = "kiosk_web"
site = "office"
[duty]
shift_start = "25:00"
[[duty.rooms]]
site = "office"
covers = ["nowhere"]
principal = "nobody"
[[duty.rooms.desks]]
camera = "kiosk"
seat = [[0.1, 0.1], [0.9, 0.9], [0.1, 0.9], [0.9, 0.1]]
"""
    found = problems(tmp_path, text)
    assert found == [
        "devices.0.duty_camera.source: the URL contains a password: remove it and name a variable in password_env "
        "instead",
        "duty.shift_start: '25:00' is not a time of day like 08:30",
        "duty.rooms.0.desks.0.seat: the polygon has no area (its points are on one line)",
    ]


def test_cross_references_of_the_duty_rooms_are_checked(tmp_path: Path) -> None:
    text = """
[[sites]]
id = "office"
name = "苏木政府"
kind = "office"
[[sites]]
id = "duty"
name = "值班室"
kind = "duty_room"
[[devices]]
id = "cam"
kind = "duty_camera"
site = "office"
source = "0"
[[devices]]
id = "kiosk"
kind = "kiosk_web"
site = "duty"
[[duty.rooms]]
site = "office"
covers = ["nowhere"]
principal = "nobody"
[[duty.rooms.desks]]
camera = "kiosk"
seat = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]]
[[duty.rooms]]
site = "duty"
[[duty.rooms.desks]]
camera = "cam"
seat = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]]
[[duty.rooms.desks]]
camera = "cam"
seat = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]]
"""
    assert problems(tmp_path, text) == [
        "duty.rooms.0.site: 'office' is not a site of kind duty_room",
        "duty.rooms.0.desks.0.camera: 'kiosk' is not a device of kind duty_camera",
        "duty.rooms.0.covers.0: unknown site 'nowhere'",
        "duty.rooms.0.principal: unknown person 'nobody'",
        "duty.rooms.1.desks.0.camera: 'cam' is installed at 'office', not in this room",
        "duty.rooms.1.desks.1.camera: camera 'cam' watches another desk already",
        "duty.rooms.1.desks.1.camera: 'cam' is installed at 'office', not in this room",
    ]
