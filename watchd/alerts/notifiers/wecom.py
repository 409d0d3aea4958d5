"""WeCom (企业微信) group robot: a text message posted to the duty group, @-mentioning the leader.

Webhook `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. The key is the robot's only
credential (WeCom robots have no request signing), so it comes from the environment or systemd
credentials and is removed from httpx's request log lines. Text is limited to 2048 bytes.
"""

from __future__ import annotations

import json
from typing import ClassVar, Literal

from pydantic import Field

from devices.secrets import MissingSecret, read_secret
from watchd.alerts.notifiers.base import (
    ChannelConfigBase,
    ChannelContext,
    Outcome,
    OutgoingMessage,
    SecretName,
    SendResult,
)
from watchd.alerts.notifiers.http_outcomes import (
    LazyClient,
    errcode_result,
    exchange,
    redact_request_urls_in_logs,
)
from watchd.alerts.notifiers.phone_numbers import china_national, is_phone_number

MAX_TEXT_BYTES = 2048
THROTTLED = {45009: 60.0}  # api freq out of limit: a robot may post 20 messages a minute


class WeComConfig(ChannelConfigBase):
    kind: Literal["wecom"] = Field(title="Kind", description="WeCom group robot (群机器人).")
    key_env: SecretName = Field(
        "WATCHD_WECOM_ROBOT_KEY", title="Robot key",
        description="Environment variable (or systemd credential) holding the `key` of the robot's webhook.",
    )
    mention: bool = Field(
        True, title="Mention the recipient",
        description="@-mention the recipient by mobile number (they must be in the group with that number).",
    )
    endpoint: str = Field(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", pattern=r"^https?://[^\s?]+$", max_length=200,
        title="Endpoint", description="Webhook address without the query; changed only for tests.",
    )


def fit_utf8(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, on a character boundary, marked with '…'."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - len("…".encode())].decode("utf-8", "ignore")
    return cut + "…"


class WeComNotifier:
    kind: ClassVar[str] = "wecom"

    def __init__(self, config: WeComConfig, context: ChannelContext) -> None:
        self.config = config
        self._http = LazyClient(config.timeout_seconds)
        redact_request_urls_in_logs()

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            key = read_secret(self.config.key_env)
        except MissingSecret as exc:
            return SendResult(outcome=Outcome.failed, detail=f"wecom: channel {self.config.id}: {exc}")
        text: dict[str, object] = {"content": fit_utf8(message.text, MAX_TEXT_BYTES)}
        if self.config.mention and is_phone_number(message.recipient):
            text["mentioned_mobile_list"] = [china_national(message.recipient)]
        client = self._http.get()
        request = client.build_request(
            "POST", self.config.endpoint, params={"key": key},
            content=json.dumps({"msgtype": "text", "text": text}, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        reply = await exchange(client, request, provider="wecom")
        if isinstance(reply, SendResult):
            return reply
        return errcode_result(reply, provider="wecom", throttled=THROTTLED)

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        return None  # robots keep no message log we could ask

    async def close(self) -> None:
        await self._http.aclose()
