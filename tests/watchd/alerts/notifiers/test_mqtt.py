"""MQTT channel against the real Mosquitto on 127.0.0.1:1883, a private one with passwords, and stalling peers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.fakes.mqtt_broker import PrivateMosquitto, StallingBroker, free_port
from tests.integration import need, port_open
from tests.watchd.alerts.notifiers.conftest import CONTEXT, TEXT, message
from watchd.alerts.notifiers.base import Outcome, OutgoingMessage, SendResult
from watchd.alerts.notifiers.mqtt import MqttConfig, MqttNotifier

BROKER = ("127.0.0.1", 1883)


def config(port: int, **overrides: object) -> MqttConfig:
    raw = {"kind": "mqtt", "id": "mqtt", "host": "127.0.0.1", "port": port, "timeout_seconds": 1.0}
    return MqttConfig.model_validate({**raw, **overrides})


def send(cfg: MqttConfig, *messages: OutgoingMessage) -> list[SendResult]:
    async def go() -> list[SendResult]:
        notifier = MqttNotifier(cfg, CONTEXT)
        try:
            return list(await asyncio.gather(*(notifier.send(m) for m in messages)))
        finally:
            await notifier.close()

    return asyncio.run(go())


class Subscriber:
    """A plain paho client subscribed with QoS 1, collecting what arrives."""

    def __init__(self, topic: str, port: int = BROKER[1]) -> None:
        self.received: list[paho.MQTTMessage] = []
        self.ready = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:8]}")
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: self.ready.set()
        self.client.on_message = lambda _c, _u, msg: self.received.append(msg)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.ready.wait(5), "subscription not confirmed"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[paho.MQTTMessage]:
        """What arrived once `count` messages are in (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_publishes_json_with_our_id_at_qos1_to_mosquitto() -> None:
    need(port_open(*BROKER), "Mosquitto not reachable on 127.0.0.1:1883")
    prefix = f"watchd-test/{uuid.uuid4().hex}"
    subscriber = Subscriber(f"{prefix}/#")
    try:
        results = send(
            config(BROKER[1], topic=prefix + "/{channel}/{recipient}"),
            message("m-1", "13800000001"), message("m-2", "13800000002"),
        )
        received = subscriber.wait_for(2)
    finally:
        subscriber.close()
    assert [r.outcome for r in results] == [Outcome.sent, Outcome.sent]
    by_topic = {m.topic: m for m in received}
    assert set(by_topic) == {f"{prefix}/mqtt/13800000001", f"{prefix}/mqtt/13800000002"}
    first = by_topic[f"{prefix}/mqtt/13800000001"]
    assert first.qos == 1
    assert json.loads(first.payload) == {
        "message_id": "m-1", "recipient": "13800000001", "text": TEXT, "incident_code": "17",
        "params": {"site": "3号沙坑", "time": "22:41", "event": "发现移动目标"},
    }


def test_the_connection_is_kept_between_messages() -> None:
    need(port_open(*BROKER), "Mosquitto not reachable on 127.0.0.1:1883")
    topic = f"watchd-test/{uuid.uuid4().hex}"
    subscriber = Subscriber(topic)

    async def go() -> list[SendResult]:
        notifier = MqttNotifier(config(BROKER[1], topic=topic), CONTEXT)
        try:
            return [await notifier.send(message(f"m-{i}")) for i in range(20)]
        finally:
            await notifier.close()

    try:
        results = asyncio.run(go())
        received = subscriber.wait_for(20)
    finally:
        subscriber.close()
    assert all(r.outcome is Outcome.sent for r in results)
    assert [json.loads(m.payload)["message_id"] for m in received] == [f"m-{i}" for i in range(20)]


def test_wrong_password_is_refused_by_mosquitto_and_fails_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need(PrivateMosquitto.available(), "mosquitto and mosquitto_passwd not installed")
    with PrivateMosquitto(tmp_path, username="watchd", password="right-password") as broker:
        monkeypatch.setenv("WATCHD_MQTT_PASSWORD", "wrong-password")
        (refused,) = send(config(broker.port, username="watchd", password_env="WATCHD_MQTT_PASSWORD"), message("m-1"))
        monkeypatch.setenv("WATCHD_MQTT_PASSWORD", "right-password")
        (accepted,) = send(config(broker.port, username="watchd", password_env="WATCHD_MQTT_PASSWORD"), message("m-2"))
    assert refused.outcome is Outcome.failed
    assert "refused" in refused.detail
    assert accepted.outcome is Outcome.sent


def test_connection_refused_is_retried() -> None:
    (result,) = send(config(free_port()), message("m-1"))
    assert result.outcome is Outcome.retry
    assert "cannot connect" in result.detail


def test_broker_that_never_answers_connect_is_retried() -> None:
    with StallingBroker("no_connack") as broker:
        (result,) = send(config(broker.port, timeout_seconds=0.3), message("m-1"))
    assert result.outcome is Outcome.retry
    assert broker.publishes == 0


def test_publish_without_puback_is_unknown() -> None:
    with StallingBroker("no_puback") as broker:
        (result,) = send(config(broker.port, timeout_seconds=0.3), message("m-1"))
        assert broker.publishes == 1
    assert result.outcome is Outcome.unknown
    assert "PUBACK" in result.detail


@pytest.mark.parametrize("topic", ["alerts/#", "alerts/+/x", "alerts/{who}"])
def test_bad_topics_are_refused_in_config(topic: str) -> None:
    with pytest.raises(ValueError, match="topic"):
        config(1883, topic=topic)
