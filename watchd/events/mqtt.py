"""Camera events over MQTT (Eclipse Paho): one topic per camera, delivered at least once (QoS 1).

Topics, under `topic_prefix` (the table with payloads and retain flags: docs/mqtt.md):
- `PREFIX/status`: "online" while a watchd node is connected, "offline" as each node's last will and
  on a clean stop; every node re-asserts "online" when it sees "offline" there, so with several nodes
  it reads "offline" only when none is left;
- `PREFIX/cameras/CAMERA/events`: one JSON message per event transition (start, end);
- `PREFIX/cameras/CAMERA/status`: "online" / "offline", retained; "offline" also when the node that
  watched the camera stops watching it. Valid while `PREFIX/status` is "online" (a crashed node
  cannot say anything per camera: its will covers them all);
- `PREFIX/CAMERA/motion`: "ON" while a motion event is open, "OFF" otherwise, retained (the topic
  Frigate users wire into Home Assistant).

The client id is per node and per process (`watchd-NODE-xxxxxx`) unless `client_id` is set, so
several nodes on one broker never take each other's session.

The client connects in the background and reconnects by itself (1 s up to 60 s); while the
broker is unreachable messages wait in Paho's queue, bounded by `queue_limit`; what does not fit
is dropped and counted. Publishing never blocks the caller.
"""

from __future__ import annotations

import contextlib
import json
import logging
import ssl
import threading
import time
import uuid
from collections.abc import Mapping

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from watchd.settings.cameras import MqttSettings

log = logging.getLogger(__name__)


STOP_WAIT_S = 2.0  # a clean stop waits this long for the broker to acknowledge its last messages


def default_client_id(node: str) -> str:
    """Unique per node and per process: two nodes (or two runs of one) never share a session."""
    return f"watchd-{node}-{uuid.uuid4().hex[:6]}"


class MqttPublisher:
    def __init__(self, settings: MqttSettings, node: str = "watchd") -> None:
        self.settings = settings
        self.prefix = settings.topic_prefix.rstrip("/")
        self.status_topic = f"{self.prefix}/status"
        self.client_id = settings.client_id or default_client_id(node)
        self._pending: list[mqtt.MQTTMessageInfo] = []  # the last word on each released camera
        self._lock = threading.Lock()
        self.published = 0
        self.dropped = 0
        self.connected = False
        self._ever_failed = False
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id)
        self._client.max_queued_messages_set(settings.queue_limit)
        self._client.reconnect_delay_set(1, 60)
        self._client.will_set(self.status_topic, "offline", qos=1, retain=True)
        if settings.username:
            # Imported here: watchd.alerts.notifiers.base imports the settings package (import cycle).
            from devices.secrets import MissingSecret, read_secret

            password = None
            if settings.password_env:
                try:
                    password = read_secret(settings.password_env)
                except MissingSecret as exc:
                    log.error("MQTT: %s; connecting without a password", exc)
            self._client.username_pw_set(settings.username, password)
        if settings.tls:
            self._client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False  # from here on "offline" on the status topic is ours: not re-asserted
        deadline = time.monotonic() + STOP_WAIT_S
        with self._lock:
            pending, self._pending = self._pending, []
        pending.append(self._client.publish(self.status_topic, "offline", qos=1, retain=True))
        for info in pending:
            if not self.connected:
                break
            with contextlib.suppress(RuntimeError, ValueError):  # not queued: the last will covers it
                info.wait_for_publish(timeout=max(0.0, deadline - time.monotonic()))
        self._client.disconnect()
        self._client.loop_stop()

    def camera_topic(self, camera_id: str, leaf: str) -> str:
        return f"{self.prefix}/cameras/{camera_id}/{leaf}"

    def publish_event(self, camera_id: str, payload: Mapping[str, object]) -> bool:
        return self._publish(self.camera_topic(camera_id, "events"), json.dumps(payload, ensure_ascii=False), False)

    def publish_status(self, camera_id: str, online: bool) -> bool:
        return self._publish(self.camera_topic(camera_id, "status"), "online" if online else "offline", True)

    def motion_topic(self, camera_id: str) -> str:
        return f"{self.prefix}/{camera_id}/motion"

    def publish_motion(self, camera_id: str, moving: bool) -> bool:
        return self._publish(self.motion_topic(camera_id), "ON" if moving else "OFF", True)

    def release_camera(self, camera_id: str) -> None:
        """This node stops watching the camera: nobody vouches for it now (a node taking it over
        publishes its state again). A clean stop waits for these to be acknowledged."""
        last_word = ((self.camera_topic(camera_id, "status"), "offline"), (self.motion_topic(camera_id), "OFF"))
        for topic, payload in last_word:
            info = self._send(topic, payload, True)
            if info is not None:
                with self._lock:
                    self._pending = [i for i in self._pending if not i.is_published()] + [info]

    def _publish(self, topic: str, payload: str, retain: bool) -> bool:
        return self._send(topic, payload, retain) is not None

    def _send(self, topic: str, payload: str, retain: bool) -> mqtt.MQTTMessageInfo | None:
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        with self._lock:
            if info.rc in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                self.published += 1
                return info
            self.dropped += 1
        log.warning("MQTT: %s not queued (%s); %d dropped so far", topic, mqtt.error_string(info.rc), self.dropped)
        return None

    def diagnostics(self) -> dict[str, object]:
        with self._lock:
            return {"connected": self.connected, "published": self.published, "dropped": self.dropped}

    def _on_connect(
        self, client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object
    ) -> None:
        if getattr(reason, "is_failure", False):
            if not self._ever_failed:
                log.warning("MQTT broker %s:%d refused us: %s", self.settings.host, self.settings.port, reason)
            self._ever_failed = True
            return
        self.connected = True
        log.info("MQTT connected to %s:%d as %s", self.settings.host, self.settings.port, self.client_id)
        client.publish(self.status_topic, "online", qos=1, retain=True)
        client.subscribe(self.status_topic, qos=1)  # another node's last will: say we are still here

    def _on_message(self, client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.status_topic and message.payload == b"offline" and self._started:
            log.info("MQTT: %s went offline (another node left); this node is still online", self.status_topic)
            client.publish(self.status_topic, "online", qos=1, retain=True)

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object
    ) -> None:
        if self.connected:
            log.warning("MQTT connection to %s:%d lost (%s); reconnecting", self.settings.host, self.settings.port, reason)
        self.connected = False
