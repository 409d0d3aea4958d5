"""The `[alerts]` section: mistakes are reported with their key path at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchd.domain.observations import ObservationKind
from watchd.settings import ConfigError, load_settings

HEAD = """
township = "测试苏木"
[[sites]]
id = "shakeng"
name = "3号沙坑"
kind = "protected_site"
[[people]]
id = "l001"
name = "乌云"
phone = "13800000003"
role = "leader"
[[people]]
id = "p001"
name = "巴雅尔"
role = "principal_leader"
"""


def problems(tmp_path: Path, alerts: str) -> list[str]:
    path = tmp_path / "watchd.toml"
    path.write_text(HEAD + alerts, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def test_on_call_people_must_exist_and_have_a_phone(tmp_path: Path) -> None:
    found = problems(tmp_path, """
[[alerts.on_call]]
sites = ["shakeng", "nowhere"]
leader = "l001"
principal = "p001"
[[alerts.on_call]]
leader = "ghost"
principal = "l001"
""")
    assert found == [
        "alerts.on_call.0.sites.1: unknown site 'nowhere'",
        "alerts.on_call.0.principal: person 'p001' has no phone number",
        "alerts.on_call.1.leader: unknown person 'ghost'",
    ]


def test_severity_mistakes_name_the_kind_and_the_site(tmp_path: Path) -> None:
    found = problems(tmp_path, """
[alerts.kinds.motion]
severity_by_site = { shakeng = "major", pit-9 = "major" }
[alerts.kinds.tamper]
severity = "urgent"
[alerts.kinds.motoin]
severity = "major"
""")
    assert found[0] == "alerts.kinds.tamper.severity: Input should be 'normal' or 'major'"
    assert found[1].startswith("alerts.kinds.motoin.[key]: Input should be 'motion',")
    assert len(found) == 2
    found = problems(tmp_path, """
[alerts.kinds.motion]
severity_by_site = { shakeng = "major", pit-9 = "major" }
""")
    assert found == ["alerts.kinds.motion.severity_by_site.pit-9: unknown site 'pit-9'"]


def test_channel_mistakes_name_the_channel(tmp_path: Path) -> None:
    found = problems(tmp_path, """
[alerts.escalation]
wait_minutes = 0
[[alerts.channels]]
id = "hook"
kind = "webhook"
url = "not a url"
[[alerts.channels]]
id = "x"
kind = "carrier_pigeon"
""")
    assert any(p.startswith("alerts.escalation.wait_minutes:") for p in found)
    assert any(p.startswith("alerts.channels.0.webhook.url:") for p in found)
    assert any(p.startswith("alerts.channels.1:") and "carrier_pigeon" in p for p in found)


def test_duplicate_channels_and_no_way_to_reach_people(tmp_path: Path) -> None:
    assert problems(tmp_path, """
[[alerts.channels]]
id = "c"
kind = "console"
[[alerts.channels]]
id = "c"
kind = "console"
""") == ["alerts.channels: duplicate channel id 'c'"]
    found = problems(tmp_path, """
[[alerts.on_call]]
leader = "l001"
principal = "l001"
[[alerts.channels]]
id = "robot"
kind = "console"
audience = "group"
""")
    assert found == ["alerts: channels: no enabled channel with audience = 'person' to reach the on-call leaders"]


def test_a_complete_section_loads(tmp_path: Path) -> None:
    path = tmp_path / "watchd.toml"
    path.write_text(HEAD.replace('role = "principal_leader"', 'role = "principal_leader"\nphone = "13800000004"') + """
[alerts]
public_url = "https://watch.example.cn"
[alerts.escalation]
wait_minutes = 5
rounds = 3
[[alerts.on_call]]
leader = "l001"
principal = "p001"
[alerts.kinds.motion]
resolve_quiet_minutes = 60
[[alerts.channels]]
id = "hook"
kind = "webhook"
url = "https://hooks.example.cn/watchd"
secret_env = "WATCHD_HOOK_SECRET"
[[alerts.channels]]
id = "log"
kind = "console"
path = "messages.jsonl"
""", encoding="utf-8")
    alerts = load_settings(path).settings.alerts
    assert [c.id for c in alerts.person_channels()] == ["hook", "log"]
    motion = alerts.rule(ObservationKind.motion)
    assert motion.resolve_quiet_minutes == 60
    assert motion.resolve_on_clear is False and motion.severity == "normal"  # the keys not written stay built in
    assert alerts.rule(ObservationKind.tamper).severity == "major"  # built-in rule kept
