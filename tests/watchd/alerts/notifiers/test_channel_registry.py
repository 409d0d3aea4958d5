"""The channel kinds as the configuration file declares them: every example in docs/channels.md loads,
builds its notifier without I/O, and mistakes are reported with their key path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.watchd.alerts.notifiers.conftest import CONTEXT
from watchd.alerts.notifiers.base import CallbackHandler, InboundPoller
from watchd.alerts.notifiers.registry import channel_kinds, create_notifier
from watchd.settings.load import ConfigError, load_settings

DOC = Path(__file__).resolve().parents[4] / "docs" / "channels.md"
MY_KINDS = {
    "aliyun_sms", "tencent_sms", "twilio_sms", "dingtalk", "wecom", "mqtt", "gammu_modem", "aliyun_voice", "tencent_voice",
}
PUSHES = {"aliyun_sms", "tencent_sms", "twilio_sms", "aliyun_voice", "tencent_voice"}  # take delivery reports / replies at the callback URL
POLLS = {"tencent_sms", "gammu_modem"}  # pull receipts / replies on every tick


def doc_examples() -> str:
    return "\n".join(re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL))


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "watchd.toml"
    path.write_text('township = "测试苏木"\n' + body, encoding="utf-8")
    return path


def test_every_documented_channel_loads_and_builds(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, doc_examples())).settings
    channels = settings.alerts.channels
    assert {c.kind for c in channels} == MY_KINDS
    assert set(channel_kinds()) >= MY_KINDS
    for channel in channels:
        notifier = create_notifier(channel, CONTEXT)
        assert notifier.kind == channel.kind
        assert isinstance(notifier, CallbackHandler) == (channel.kind in PUSHES), channel.kind
        assert isinstance(notifier, InboundPoller) == (channel.kind in POLLS), channel.kind


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('kind = "aliyun_sms"\nid = "a"\naccess_key_id = "LTAI5tExampleKeyId"\nsign_name = "苏木"\n'
         'template_code = "SMS_1"\n', "alerts.channels.0.aliyun_sms.template_code"),
        ('kind = "tencent_sms"\nid = "t"\nsecret_id = "AKIDExample01"\nsecret_key = "plain-text!"\n'
         'sms_sdk_app_id = "1400006666"\nsign_name = "苏木"\ntemplate_id = "1"\n',
         "alerts.channels.0.tencent_sms.secret_key: unknown key"),
        ('kind = "twilio_sms"\nid = "tw"\naccount_sid = "AC00000000000000000000000000000001"\n',
         "give exactly one of from_number and messaging_service_sid"),
        ('kind = "mqtt"\nid = "m"\ntopic = "alerts/#"\n', "alerts.channels.0.mqtt.topic"),
        ('kind = "dingtalk"\nid = "d"\naccess_token_env = "lower-case"\n', "alerts.channels.0.dingtalk.access_token_env"),
        ('kind = "gammu_modem"\nid = "g"\nsmsc = "SMSC"\n', "alerts.channels.0.gammu_modem.smsc"),
        ('kind = "sms_magic"\nid = "x"\n', "sms_magic"),
    ],
)
def test_mistakes_are_reported_with_their_key_path(tmp_path: Path, entry: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, "[[alerts.channels]]\n" + entry))
    assert any(problem in p for p in caught.value.problems), caught.value.problems
