"""MQTT channel: each message is published once with QoS 1 to a broker (Mosquitto, EMQX, ...).

The payload is JSON with our message id, so subscribers (a duty-room display, a siren controller,
a home-made SMS gateway) can drop repeats:

    {"message_id": "...", "recipient": "13800000003", "text": "【值班提醒】…", "incident_code": "17",
     "params": {"site": "…", "time": "22:41", ...}}

Outcomes: PUBACK received → sent; no connection (refused, unreachable, no CONNACK) → retry; the
broker refuses our credentials → failed; published but no PUBACK within the timeout → unknown
(paho keeps the message and sends it again on reconnect with the DUP flag). Paho runs its own
network thread; the blocking calls run in worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import threading
from pathlib import Path
from typing import ClassVar, Literal

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import Field, field_validator

from devices.secrets import MissingSecret, read_secret
from watchd.alerts.notifiers.base import (
    ChannelConfigBase,
    ChannelContext,
    Outcome,
    OutgoingMessage,
    SecretName,
    SendResult,
)

log = logging.getLogger(__name__)
MAX_CONNECT_TIMEOUT_S = 5.0
# CONNACK codes meaning "these credentials will never do" (MQTT 5 numbering, which paho also uses for 3.1.1).
AUTH_REFUSED = {0x84, 0x85, 0x86, 0x87, 0x8C}  # bad protocol, client id, user/password, not authorized, bad auth


class MqttConfig(ChannelConfigBase):
    kind: Literal["mqtt"] = Field(title="Kind", description="Publish each message to an MQTT broker (QoS 1).")
    host: str = Field("127.0.0.1", min_length=1, max_length=255, title="Broker host", description="Name or address.")
    port: int = Field(1883, ge=1, le=65535, title="Broker port", description="1883, or 8883 with TLS.")
    topic: str = Field(
        "watchd/alerts/{recipient}", min_length=1, max_length=200, title="Topic",
        description="Topic to publish to; {recipient} is replaced by the recipient's number (or group:<id>) "
        "and {channel} by this channel's id.",
    )
    username: str | None = Field(None, max_length=100, title="User name", description="Empty: anonymous.")
    password_env: SecretName | None = Field(
        None, title="Password", description="Environment variable (or systemd credential) holding the password."
    )
    client_id: str = Field(
        "", max_length=64, pattern=r"^[A-Za-z0-9_.-]*$", title="Client id",
        description="MQTT client id; empty: watchd-<channel id>.",
    )
    tls: bool = Field(False, title="TLS", description="Connect with TLS (system CA store unless ca_file is set).")
    ca_file: Path | None = Field(None, title="CA file", description="PEM file of the CA that signed the broker.")
    retain: bool = Field(False, title="Retain", description="Ask the broker to keep the last message per topic.")
    keepalive_seconds: int = Field(60, ge=5, le=3600, title="Keep-alive", description="MQTT keep-alive interval.")

    @field_validator("topic")
    @classmethod
    def verify_topic(cls, value: str) -> str:
        if "#" in value or "+" in value:
            raise ValueError("a topic to publish to cannot contain the wildcards '+' or '#'")
        try:
            value.format(recipient="x", channel="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{recipient}} and {{channel}} may be used in the topic ({exc})") from None
        return value


class MqttNotifier:
    kind: ClassVar[str] = "mqtt"

    def __init__(self, config: MqttConfig, context: ChannelContext) -> None:
        self.config = config
        self._client: paho.Client | None = None
        self._connect_lock = threading.Lock()
        self._connack = threading.Event()
        self._connack_code: ReasonCode | None = None

    async def send(self, message: OutgoingMessage) -> SendResult:
        topic = self.config.topic.format(recipient=message.recipient, channel=self.config.id)
        payload = json.dumps(
            {
                "message_id": message.message_id, "recipient": message.recipient, "text": message.text,
                "incident_code": message.incident_code, "params": dict(message.template_params),
            },
            ensure_ascii=False,
        ).encode()
        return await asyncio.to_thread(self._publish, topic, payload)

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        return None  # a broker keeps no record we could ask; paho itself re-sends unacknowledged messages

    async def close(self) -> None:
        await asyncio.to_thread(self._disconnect)

    # --- blocking parts, run in worker threads ------------------------------------------------
    def _publish(self, topic: str, payload: bytes) -> SendResult:
        with self._connect_lock:
            problem = self._ensure_connected()
            client = self._client
        if problem is not None:
            return problem
        assert client is not None
        info = client.publish(topic, payload, qos=1, retain=self.config.retain)
        if info.rc == paho.MQTT_ERR_NO_CONN:
            # Lost the connection just now; paho queued the message and may still send it on reconnect.
            return SendResult(outcome=Outcome.unknown, detail="mqtt: connection dropped while publishing")
        if info.rc != paho.MQTT_ERR_SUCCESS:
            return SendResult(outcome=Outcome.retry, detail=f"mqtt: not queued ({paho.error_string(info.rc)})")
        try:
            info.wait_for_publish(self.config.timeout_seconds)
        except (ValueError, RuntimeError) as exc:
            return SendResult(outcome=Outcome.unknown, detail=f"mqtt: {exc}")
        if info.is_published():
            return SendResult(outcome=Outcome.sent, provider_id=str(info.mid), detail=f"mqtt PUBACK on {topic}")
        return SendResult(
            outcome=Outcome.unknown, detail=f"mqtt: no PUBACK within {self.config.timeout_seconds:g} s on {topic}"
        )

    def _ensure_connected(self) -> SendResult | None:
        if self._client is not None and self._client.is_connected():
            return None
        if self._client is not None:  # paho's loop thread is reconnecting; give it the timeout
            if self._wait_connack():
                return None
            self._drop_client()
            return SendResult(outcome=Outcome.retry, detail="mqtt: broker unreachable (reconnecting)")
        try:
            client = self._new_client()
        except MissingSecret as exc:
            return SendResult(outcome=Outcome.failed, detail=f"mqtt: channel {self.config.id}: {exc}")
        except (OSError, ssl.SSLError) as exc:
            return SendResult(outcome=Outcome.failed, detail=f"mqtt: TLS set-up: {exc}")
        self._connack.clear()
        self._connack_code = None
        try:
            client.connect(self.config.host, self.config.port, keepalive=self.config.keepalive_seconds)
        except (OSError, ssl.SSLError) as exc:  # refused, unreachable, DNS, TLS handshake
            return SendResult(outcome=Outcome.retry, detail=f"mqtt: cannot connect ({type(exc).__name__}: {exc})")
        self._client = client
        client.loop_start()
        if self._wait_connack():
            log.info("mqtt channel %s connected to %s:%s", self.config.id, self.config.host, self.config.port)
            return None
        code = self._connack_code
        self._drop_client()
        if code is not None and code.value in AUTH_REFUSED:
            return SendResult(outcome=Outcome.failed, detail=f"mqtt: broker refused us: {code}")
        if code is not None:
            return SendResult(outcome=Outcome.retry, detail=f"mqtt: broker refused the connection: {code}")
        return SendResult(outcome=Outcome.retry, detail="mqtt: no CONNACK from the broker")

    def _wait_connack(self) -> bool:
        self._connack.wait(min(self.config.timeout_seconds, MAX_CONNECT_TIMEOUT_S))
        return self._client is not None and self._client.is_connected()

    def _new_client(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.config.client_id or f"watchd-{self.config.id}",
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        client.connect_timeout = min(self.config.timeout_seconds, MAX_CONNECT_TIMEOUT_S)
        if self.config.username is not None:
            password = read_secret(self.config.password_env) if self.config.password_env else None
            client.username_pw_set(self.config.username, password)
        if self.config.tls:
            client.tls_set(ca_certs=str(self.config.ca_file) if self.config.ca_file else None)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        return client

    def _on_connect(
        self, client: paho.Client, userdata: object, flags: object, reason: ReasonCode, properties: object
    ) -> None:
        self._connack_code = reason
        self._connack.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: object, flags: object, reason: ReasonCode, properties: object
    ) -> None:
        self._connack.clear()
        if reason.is_failure:
            log.warning("mqtt channel %s lost the broker: %s", self.config.id, reason)

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.disconnect()
            client.loop_stop()

    def _disconnect(self) -> None:
        with self._connect_lock:
            self._drop_client()
