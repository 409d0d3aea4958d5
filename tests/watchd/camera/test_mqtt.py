"""Camera events and status reach subscribers of the real Mosquitto broker on loopback."""

from __future__ import annotations

import json
import queue
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.helpers.waits import wait_for
from tests.integration import need, port_open
from watchd.events.mqtt import MqttPublisher
from watchd.settings.cameras import MqttSettings


def test_events_and_retained_status_are_published() -> None:
    need(port_open("127.0.0.1", 1883), "Mosquitto not reachable on 127.0.0.1:1883")
    prefix = f"watchd-test-{uuid.uuid4().hex[:8]}"
    received: queue.Queue[tuple[str, str, bool]] = queue.Queue()
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sub-{prefix}")
    sub.on_message = lambda _c, _u, m: received.put((m.topic, m.payload.decode(), bool(m.retain)))
    sub.connect("127.0.0.1", 1883)
    sub.subscribe(f"{prefix}/#", qos=1)
    sub.loop_start()
    pub = MqttPublisher(MqttSettings(enabled=True, topic_prefix=prefix, client_id=f"pub-{prefix}"))
    try:
        pub.start()
        wait_for(lambda: pub.connected, 10, "the publisher to connect")
        pub.publish_status("cam-pit", online=False)
        pub.publish_event("cam-pit", {"event": "start", "zones": ["沙坑入口"]})
        got: dict[str, str] = {}
        while len(got) < 3:
            topic, payload, _retained = received.get(timeout=10)
            got[topic] = payload
        assert got[f"{prefix}/status"] == "online"
        assert got[f"{prefix}/cameras/cam-pit/status"] == "offline"
        assert json.loads(got[f"{prefix}/cameras/cam-pit/events"]) == {"event": "start", "zones": ["沙坑入口"]}
    finally:
        pub.stop()
        sub.loop_stop()
        sub.disconnect()
    # A late subscriber still learns the camera's last state (retained).
    late: queue.Queue[tuple[str, str, bool]] = queue.Queue()
    sub2 = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"late-{prefix}")
    sub2.on_message = lambda _c, _u, m: late.put((m.topic, m.payload.decode(), bool(m.retain)))
    sub2.connect("127.0.0.1", 1883)
    sub2.subscribe(f"{prefix}/cameras/cam-pit/status", qos=1)
    sub2.loop_start()
    try:
        assert late.get(timeout=10) == (f"{prefix}/cameras/cam-pit/status", "offline", True)
    finally:
        sub2.loop_stop()
        sub2.disconnect()
        cleanup = mqtt.Client(CallbackAPIVersion.VERSION2)
        cleanup.connect("127.0.0.1", 1883)
        for t in (f"{prefix}/status", f"{prefix}/cameras/cam-pit/status"):
            cleanup.publish(t, b"", qos=1, retain=True).wait_for_publish(5)
        cleanup.disconnect()
