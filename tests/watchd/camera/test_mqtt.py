"""Camera events, status and motion reach subscribers of the real Mosquitto broker on loopback."""

from __future__ import annotations

import json
import queue
import time
import uuid
from typing import Literal

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from devices.registry import CameraConfig
from tests.helpers.mqtt_peer import Subscriber, retained
from tests.integration import need, port_open
from watchd.app import Services
from watchd.events.mqtt import MqttPublisher
from watchd.pipeline.camera_watch.loop import LoopEvent
from watchd.pipeline.camera_watch.recorder import CameraRecorder
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
        deadline = time.monotonic() + 10
        while not pub.connected:
            assert time.monotonic() < deadline, "publisher never connected"
            time.sleep(0.05)
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


def test_motion_is_on_while_an_event_is_open_and_a_released_camera_is_offline(services: Services) -> None:
    """What a Home Assistant binary sensor wired to PREFIX/CAMERA/motion shows, and what is left on
    the broker after the node stops watching the camera (retained: a late subscriber reads it)."""
    need(port_open("127.0.0.1", 1883), "Mosquitto not reachable on 127.0.0.1:1883")
    prefix = f"watchd-test-{uuid.uuid4().hex[:8]}"
    config = CameraConfig(kind="camera", id="cam-pit", site="pit", source="rtsp://127.0.0.1:1/none")
    pub = MqttPublisher(MqttSettings(enabled=True, topic_prefix=prefix), "node-a")
    recorder = CameraRecorder({config.id: config}, services.db, services.config.data_dir, services.clock, publisher=pub)
    at = services.clock()

    def motion(phase: Literal["start", "end"]) -> LoopEvent:
        return LoopEvent(camera_id=config.id, kind="motion", phase=phase, key="", media_s=0.0, at=at)

    with Subscriber(1883, f"{prefix}/#") as peer:
        try:
            pub.start()
            recorder.watching(config.id, True)
            recorder.publish_status(config.id, True)
            topic = f"{prefix}/cam-pit/motion"
            peer.wait_for(topic, "OFF", 10)
            recorder.record(motion("start"))
            peer.wait_for(topic, "ON", 10)
            recorder.record(motion("end"))
            recorder.record(motion("start"))
            deadline = time.monotonic() + 10
            while [m.payload for m in peer.seen(topic)] != ["OFF", "ON", "OFF", "ON"]:
                assert time.monotonic() < deadline, peer.seen(topic)
                time.sleep(0.05)
            assert retained(1883, topic) == "ON"
            recorder.watching(config.id, False)  # the node stops watching it (lease handed over, or a stop)
            pub.stop()
            assert pub.client_id.startswith("watchd-node-a-")
        finally:
            pub.stop()
        assert retained(1883, topic) == "OFF"
        assert retained(1883, f"{prefix}/cameras/cam-pit/status") == "offline"
        assert retained(1883, f"{prefix}/status") == "offline"
        assert [m.payload for m in peer.seen(f"{prefix}/status")] == ["online", "offline"]
    clear_retained(prefix, [f"{prefix}/status", f"{prefix}/cameras/cam-pit/status", topic])


def clear_retained(prefix: str, topics: list[str]) -> None:
    cleanup = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"cleanup-{prefix}")
    cleanup.connect("127.0.0.1", 1883)
    cleanup.loop_start()
    for t in topics:
        cleanup.publish(t, b"", qos=1, retain=True).wait_for_publish(5)
    cleanup.loop_stop()
    cleanup.disconnect()
