"""An MQTT peer for the tests: a Paho subscriber that records every message it gets, in order."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True, slots=True)
class Seen:
    topic: str
    payload: str
    retained: bool
    at: float  # monotonic


class Subscriber:
    """Subscribes to `topic` (wildcards allowed) and keeps what arrives; use as a context manager."""

    def __init__(
        self, port: int, topic: str, *, username: str | None = None, password: str | None = None
    ) -> None:
        self.port, self.topic = port, topic
        self._seen: list[Seen] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"peer-{uuid.uuid4().hex[:8]}")
        if username:
            self._client.username_pw_set(username, password)
        self._client.on_message = self._on_message
        self._client.on_subscribe = lambda *_args: self._subscribed.set()

    def __enter__(self) -> Subscriber:
        self._client.connect("127.0.0.1", self.port)
        self._client.subscribe(self.topic, qos=1)
        self._client.loop_start()
        assert self._subscribed.wait(10), "the broker never acknowledged the subscription"
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.loop_stop()
        self._client.disconnect()

    def _on_message(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self._seen.append(
                Seen(message.topic, message.payload.decode(), bool(message.retain), time.monotonic())
            )

    def seen(self, topic: str | None = None, *, since: float = 0.0) -> list[Seen]:
        with self._lock:
            return [m for m in self._seen if (topic is None or m.topic == topic) and m.at >= since]

    def last(self, topic: str) -> str | None:
        got = self.seen(topic)
        return got[-1].payload if got else None

    def wait_for(self, topic: str, payload: str, timeout: float, *, since: float = 0.0) -> Seen:
        """The first message with this payload on this topic after `since`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.seen(topic, since=since):
                if m.payload == payload:
                    return m
            time.sleep(0.05)
        raise AssertionError(
            f"no {payload!r} on {topic} within {timeout} s; got {self.seen(topic, since=since)}"
        )


def retained(
    port: int, topic: str, *, username: str | None = None, password: str | None = None
) -> str | None:
    """What a subscriber arriving now learns first on `topic` (the retained message), or None."""
    with Subscriber(port, topic, username=username, password=password) as late:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not late.seen():
            time.sleep(0.05)
        got = late.seen()
        return got[0].payload if got and got[0].retained else None
