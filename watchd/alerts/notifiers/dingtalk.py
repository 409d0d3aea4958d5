"""DingTalk (钉钉) group robot: a text message posted to the duty group, @-mentioning the leader.

Webhook `https://oapi.dingtalk.com/robot/send?access_token=…`. With the robot's 加签 security on, each
request carries `timestamp` (ms) and `sign` = Base64(HMAC-SHA256(secret, "timestamp\\nsecret")).
With 自定义关键词 security, every message must contain a keyword: set `keyword`. The access token
and the signing secret come from the environment or systemd credentials; httpx's request log
lines have the query (with the token) removed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
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
    utc_now,
)
from watchd.alerts.notifiers.http_outcomes import (
    LazyClient,
    errcode_result,
    exchange,
    redact_request_urls_in_logs,
)
from watchd.alerts.notifiers.phone_numbers import china_national, is_phone_number

# 130101: "send too fast, exceed 20 times per minute"; 410100: 发送速度太快而限流. The robot is limited
# to 20 messages a minute.
THROTTLED = {130101: 60.0, 410100: 60.0}


class DingTalkConfig(ChannelConfigBase):
    kind: Literal["dingtalk"] = Field(title="Kind", description="DingTalk custom group robot (自定义机器人).")
    access_token_env: SecretName = Field(
        "WATCHD_DINGTALK_ACCESS_TOKEN", title="Access token",
        description="Environment variable (or systemd credential) holding the access_token of the robot's webhook.",
    )
    secret_env: SecretName | None = Field(
        None, title="Signing secret",
        description="Environment variable (or systemd credential) holding the robot's 加签 secret (SEC…), "
        "e.g. WATCHD_DINGTALK_SECRET. Not set: the robot uses keyword or IP security instead.",
    )
    keyword: str = Field(
        "", max_length=20, title="Keyword",
        description="For robots with 自定义关键词 security: put in front of messages that lack it.",
    )
    mention: bool = Field(
        True, title="Mention the recipient",
        description="@-mention the recipient by mobile number (they must be in the group with that number).",
    )
    endpoint: str = Field(
        "https://oapi.dingtalk.com/robot/send", pattern=r"^https?://[^\s?]+$", max_length=200, title="Endpoint",
        description="Webhook address without the query; changed only for tests.",
    )


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}"
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()).decode()


class DingTalkNotifier:
    kind: ClassVar[str] = "dingtalk"

    def __init__(
        self, config: DingTalkConfig, context: ChannelContext, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self._clock = clock  # wall clock: DingTalk refuses signatures more than an hour off
        self._http = LazyClient(config.timeout_seconds)
        redact_request_urls_in_logs()

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            query = {"access_token": read_secret(self.config.access_token_env)}
            if self.config.secret_env:
                timestamp = int(self._clock().timestamp() * 1000)
                query |= {"timestamp": str(timestamp), "sign": dingtalk_sign(read_secret(self.config.secret_env), timestamp)}
        except MissingSecret as exc:
            return SendResult(outcome=Outcome.failed, detail=f"dingtalk: channel {self.config.id}: {exc}")
        text = message.text
        if self.config.keyword and self.config.keyword not in text:
            text = f"{self.config.keyword} {text}"
        at: dict[str, object] = {"isAtAll": False}
        if self.config.mention and is_phone_number(message.recipient):
            mobile = china_national(message.recipient)
            text = f"{text} @{mobile}"  # the mention only shows when the number is also in the text
            at["atMobiles"] = [mobile]
        body = {"msgtype": "text", "text": {"content": text}, "at": at}
        client = self._http.get()
        request = client.build_request(
            "POST", self.config.endpoint, params=query,
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        reply = await exchange(client, request, provider="dingtalk")
        if isinstance(reply, SendResult):
            return reply
        return errcode_result(reply, provider="dingtalk", throttled=THROTTLED)

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        return None  # robots keep no message log we could ask

    async def close(self) -> None:
        await self._http.aclose()
