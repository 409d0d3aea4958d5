"""Camera events over MQTT (Eclipse Paho): one topic per camera, delivered at least once (QoS 1).

Topics, under `topic_prefix`:
- `PREFIX/cameras/CAMERA/events`: one JSON message per event transition (start, end);
- `PREFIX/cameras/CAMERA/status`: "online" / "offline", retained;
- `PREFIX/status`: "online" while watchd is connected, "offline" as its last will.

The client connects in the background and reconnects by itself (1 s up to 60 s); while the
broker is unreachable messages wait in Paho's queue, bounded by `queue_limit`; what does not fit
is dropped and counted. Publishing never blocks the caller.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections.abc import Mapping

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from watchd.settings.cameras import MqttSettings

log = logging.getLogger(__name__)


class MqttPublisher:
    def __init__(self, settings: MqttSettings) -> None:
        self.settings = settings
        self.prefix = settings.topic_prefix.rstrip("/")
        self._lock = threading.Lock()
        self.published = 0
        self.dropped = 0
        self.connected = False
        self._ever_failed = False
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=settings.client_id)
        self._client.max_queued_messages_set(settings.queue_limit)
        self._client.reconnect_delay_set(1, 60)
        self._client.will_set(f"{self.prefix}/status", "offline", qos=1, retain=True)
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
        self._started = False
        try:
            info = self._client.publish(f"{self.prefix}/status", "offline", qos=1, retain=True)
            if self.connected:
                info.wait_for_publish(timeout=2)
        except (RuntimeError, ValueError):
            pass
        self._client.disconnect()
        self._client.loop_stop()

    def camera_topic(self, camera_id: str, leaf: str) -> str:
        return f"{self.prefix}/cameras/{camera_id}/{leaf}"

    def publish_event(self, camera_id: str, payload: Mapping[str, object]) -> bool:
        return self._publish(self.camera_topic(camera_id, "events"), json.dumps(payload, ensure_ascii=False), False)

    def publish_status(self, camera_id: str, online: bool) -> bool:
        return self._publish(self.camera_topic(camera_id, "status"), "online" if online else "offline", True)

    def _publish(self, topic: str, payload: str, retain: bool) -> bool:
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        with self._lock:
            if info.rc in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                self.published += 1
                return True
            self.dropped += 1
        log.warning("MQTT: %s not queued (%s); %d dropped so far", topic, mqtt.error_string(info.rc), self.dropped)
        return False

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
        log.info("MQTT connected to %s:%d", self.settings.host, self.settings.port)
        client.publish(f"{self.prefix}/status", "online", qos=1, retain=True)

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object
    ) -> None:
        if self.connected:
            log.warning("MQTT connection to %s:%d lost (%s); reconnecting", self.settings.host, self.settings.port, reason)
        self.connected = False
