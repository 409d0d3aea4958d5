"""Camera settings in the configuration file: bad zones and secrets in URLs fail with their key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchd.settings.load import ConfigError, load_settings

BASE = """
[[sites]]
id = "pit"
name = "3号沙坑"
kind = "protected_site"

[[devices]]
id = "cam-pit"
kind = "camera"
site = "pit"
source = "{source}"
armed = {armed}

[[devices.zones]]
name = "坑口"
points = {points}
"""


def load(tmp_path: Path, *, points: str = "[[0.1,0.5],[0.9,0.5],[0.9,1.0],[0.1,1.0]]",
         source: str = "rtsp://admin@10.0.0.64/Streaming/Channels/102", armed: str = '["19:00-07:00"]',
         more: str = "") -> object:
    path = tmp_path / "watchd.toml"
    path.write_text(BASE.format(points=points, source=source, armed=armed) + more, encoding="utf-8")
    return load_settings(path)


def problems(tmp_path: Path, **kw: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, **kw)
    return caught.value.problems


def test_a_valid_camera_loads(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    (camera,) = loaded.settings.devices  # type: ignore[attr-defined]
    assert camera.kind == "camera" and camera.zones[0].name == "坑口"
    assert camera.armed_windows == ((19 * 60, 7 * 60),)
    assert camera.offline_after_s == 30 and camera.transport == "tcp"


def test_a_zone_corner_out_of_range_names_the_zone(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, points="[[0.1,0.5],[1.3,0.5],[0.9,1.0]]")
    assert problem.startswith("devices.0.camera.zones.0.points:")
    assert "point 2 (1.3, 0.5) is outside 0..1" in problem


def test_a_self_intersecting_zone_is_refused(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, points="[[0.1,0.1],[0.9,0.9],[0.9,0.1],[0.1,0.8]]")
    assert problem.startswith("devices.0.camera.zones.0.points:")
    assert "cross" in problem and "intersects itself" in problem


def test_a_password_in_the_url_is_refused(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, source="rtsp://admin:hunter2@10.0.0.64/ch1")
    assert problem.startswith("devices.0.camera.source:")
    assert "password_env" in problem and "hunter2" not in problem


def test_a_bad_arming_window_is_refused(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, armed='["25:00-07:00"]')
    assert problem.startswith("devices.0.camera.armed")


def test_a_zone_may_have_its_own_severity_a_mask_may_not(tmp_path: Path) -> None:
    store = '[[devices.zones]]\nname = "炸药库"\npoints = [[0,0],[0.5,0],[0.5,0.4]]\nseverity = "{}"\n'
    (camera,) = load(tmp_path, more=store.format("major")).settings.devices  # type: ignore[attr-defined]
    assert [(z.name, z.severity) for z in camera.zones] == [("坑口", None), ("炸药库", "major")]
    (bad,) = problems(tmp_path, more=store.format("urgent"))
    assert bad == "devices.0.camera.zones.1.severity: Input should be 'normal' or 'major'"
    mask = '[[devices.masks]]\nname = "树"\npoints = [[0,0],[0.5,0],[0.5,0.4]]\nseverity = "major"\n'
    assert problems(tmp_path, more=mask) == ["devices.0.camera.masks.0.severity: unknown key (not allowed here)"]


def test_two_zones_with_one_name_are_refused(tmp_path: Path) -> None:
    twin = '[[devices.zones]]\nname = "坑口"\npoints = [[0,0],[0.5,0],[0.5,0.4]]\n'
    (problem,) = problems(tmp_path, more=twin)
    assert problem.startswith("devices.0.camera.zones: duplicate zone name '坑口'")


def test_an_offline_limit_a_quiet_camera_would_break_is_refused(tmp_path: Path) -> None:
    # While idle the camera is looked at once per keyframe (up to max_keyframe_interval_s, 4 s by default):
    # 4 s of silence is a quiet camera, and an offline alert every night would be the result.
    (problem,) = problems(tmp_path, armed='["19:00-07:00"]\noffline_after_s = 4')
    assert problem.startswith("devices.0.camera")
    assert "offline_after_s = 4 is too short" in problem and "at least 5 s" in problem
    shorter_keyframes = '["19:00-07:00"]\noffline_after_s = 4\nmax_keyframe_interval_s = 2'
    (camera,) = load(tmp_path, armed=shorter_keyframes).settings.devices  # type: ignore[attr-defined]
    assert camera.offline_after_s == 4
