"""Notification channel kinds: the config union and the notifier factory.

The alert runner builds channels only through `create_notifier`. Adding a channel means one module
(`<kind>.py` with its config model and notifier class), one member in the two unions below and one
case in `create_notifier`.
"""

from __future__ import annotations

from typing import Annotated, assert_never, get_args

from pydantic import Field

from watchd.alerts.notifiers.aliyun_sms import AliyunSmsConfig, AliyunSmsNotifier
from watchd.alerts.notifiers.aliyun_voice import AliyunVoiceConfig, AliyunVoiceNotifier
from watchd.alerts.notifiers.base import ChannelContext, Notifier
from watchd.alerts.notifiers.console import ConsoleChannelConfig, ConsoleNotifier
from watchd.alerts.notifiers.dingtalk import DingTalkConfig, DingTalkNotifier
from watchd.alerts.notifiers.gammu_modem import GammuModemConfig, GammuModemNotifier
from watchd.alerts.notifiers.mqtt import MqttConfig, MqttNotifier
from watchd.alerts.notifiers.tencent_sms import TencentSmsConfig, TencentSmsNotifier
from watchd.alerts.notifiers.tencent_voice import TencentVoiceConfig, TencentVoiceNotifier
from watchd.alerts.notifiers.twilio_sms import TwilioSmsConfig, TwilioSmsNotifier
from watchd.alerts.notifiers.webhook import WebhookChannelConfig, WebhookNotifier
from watchd.alerts.notifiers.wecom import WeComConfig, WeComNotifier

AnyChannelConfig = (
    ConsoleChannelConfig | WebhookChannelConfig | AliyunSmsConfig | TencentSmsConfig | TwilioSmsConfig
    | DingTalkConfig | WeComConfig | MqttConfig | GammuModemConfig | AliyunVoiceConfig | TencentVoiceConfig
)
ChannelConfig = Annotated[
    ConsoleChannelConfig | WebhookChannelConfig | AliyunSmsConfig | TencentSmsConfig | TwilioSmsConfig
    | DingTalkConfig | WeComConfig | MqttConfig | GammuModemConfig | AliyunVoiceConfig | TencentVoiceConfig,
    Field(discriminator="kind"),
]


def create_notifier(config: AnyChannelConfig, context: ChannelContext) -> Notifier:
    """The notifier for one configured channel. Does no I/O."""
    match config:
        case ConsoleChannelConfig():
            return ConsoleNotifier(config, context)
        case WebhookChannelConfig():
            return WebhookNotifier(config, context)
        case AliyunSmsConfig():
            return AliyunSmsNotifier(config, context)
        case TencentSmsConfig():
            return TencentSmsNotifier(config, context)
        case TwilioSmsConfig():
            return TwilioSmsNotifier(config, context)
        case DingTalkConfig():
            return DingTalkNotifier(config, context)
        case WeComConfig():
            return WeComNotifier(config, context)
        case MqttConfig():
            return MqttNotifier(config, context)
        case GammuModemConfig():
            return GammuModemNotifier(config, context)
        case AliyunVoiceConfig():
            return AliyunVoiceNotifier(config, context)
        case TencentVoiceConfig():
            return TencentVoiceNotifier(config, context)
        case _:
            assert_never(config)


def channel_kinds() -> list[str]:
    """Every `kind` accepted in `[[alerts.channels]]`, sorted."""
    return sorted(get_args(model.model_fields["kind"].annotation)[0] for model in get_args(AnyChannelConfig))
