"""Camera watch settings shared by all cameras: events, clips, retention, MQTT.

Per-camera settings (stream, zones, masks, minimum area and duration, armed hours) are in each
`[[devices]]` entry of kind "camera" (devices/camera/config.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from watchd.settings.base import ConfigModel
from watchd.settings.sites import Identifier

ObjectClassName = Literal["person", "vehicle", "animal", "unknown"]
# What motion of a class does: raise an event at the site's severity for motion, at this one, or nothing.
ClassAction = Literal["alert", "normal", "major", "ignore"]
ClassActions = dict[ObjectClassName, ClassAction]


class MqttSettings(ConfigModel):
    enabled: bool = Field(False, title="Publish over MQTT", description="Publish camera events to an MQTT broker.")
    host: str = Field("127.0.0.1", min_length=1, max_length=255, title="Broker host", description="Host name or address.")
    port: int = Field(1883, ge=1, le=65535, title="Broker port", description="1883 (plain) or 8883 (TLS).")
    tls: bool = Field(False, title="TLS", description="Connect with TLS (system CA certificates).")
    username: str | None = Field(None, max_length=100, title="User name", description="Broker login, if needed.")
    password_env: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$", title="Password variable",
        description="Environment variable (or systemd credential) holding the broker password.",
    )
    topic_prefix: str = Field(
        "watchd", min_length=1, max_length=100, pattern=r"^[^#+]+$", title="Topic prefix",
        description="Events go to PREFIX/cameras/CAMERA_ID/events, status to PREFIX/cameras/CAMERA_ID/status, "
        "motion ON/OFF to PREFIX/CAMERA_ID/motion, the service's availability to PREFIX/status (docs/mqtt.md).",
    )
    client_id: str | None = Field(
        None, min_length=1, max_length=64, title="Client id",
        description="MQTT client id. Default: watchd-NODE-xxxxxx, unique per node and per run; a fixed id must "
        "differ on every node, or the broker drops one connection each time the other connects.",
    )
    queue_limit: int = Field(
        1000, ge=10, le=100_000, title="Outgoing queue",
        description="Messages kept while the broker is unreachable; beyond this the oldest are dropped and counted.",
    )


class ClassifySettings(ConfigModel):
    """What moved: an object detector after motion (docs/detectors.md)."""

    detector: str = Field(
        "none", min_length=1, max_length=32, title="Detector",
        description='"none": motion only, every event is 发现移动目标; "oidv4": MediaPipe SSD (person, vehicle, '
        'dog, cat, cattle; installed by make from npm); "hog": OpenCV people detector (person only).',
    )
    threshold: float = Field(
        0.4, ge=0.1, le=0.95, title="Detection threshold", description="Score (0..1) a detection needs to count."
    )
    model_dir: str | None = Field(
        None, max_length=500, title="Model folder",
        description="Folder holding the model file; empty: the one make installs it to (.venv/share/watchd/models).",
    )
    budget_ms: int = Field(
        300, ge=20, le=5000, title="Time budget",
        description="Longest wait for the detector (it is shared by all cameras); past it the event goes out as "
        "unknown (发现移动目标) and the diagnostics say the detector falls behind.",
    )
    confirm_s: float = Field(
        1.0, ge=0, le=10, title="Wait for a class",
        description="Seconds a motion whose objects are not recognised waits for a class before it goes out as "
        "unknown (if unknown raises events).",
    )
    interval_s: float = Field(
        0.5, ge=0.1, le=10, title="Classification interval",
        description="While motion is being classified, at most one picture per this many seconds goes to the detector.",
    )
    classes: ClassActions = Field(
        default_factory=dict, title="Classes",
        description='What each class does everywhere: "alert" (default: the site\'s severity for motion), '
        '"normal", "major" or "ignore", e.g. { animal = "ignore" }.',
    )
    classes_by_site: dict[Identifier, ClassActions] = Field(
        default_factory=dict, title="Classes per site",
        description='The same per site, e.g. { pasture-2 = { animal = "normal" } }; a zone\'s own classes come first.',
    )

    @field_validator("detector")
    @classmethod
    def verify_detector(cls, value: str) -> str:
        from watchd.vision.detectors.registry import DETECTORS  # the plugins (cv2 only; models load later)

        if value != "none" and value not in DETECTORS:
            raise ValueError(f"unknown detector {value!r}; known: none, {', '.join(sorted(DETECTORS))}")
        return value


class CameraWatchSettings(ConfigModel):
    pre_s: float = Field(
        5.0, ge=0, le=30, title="Clip lead-in", description="Seconds of video kept from before the motion began."
    )
    quiet_s: float = Field(
        5.0, ge=1, le=120, title="Quiet before the end",
        description="An event ends (and its clip closes) after this many seconds without motion in any zone.",
    )
    max_clip_s: float = Field(
        300.0, ge=10, le=3600, title="Longest clip", description="A clip is closed after this long even if motion goes on."
    )
    clips: bool = Field(True, title="Keep clips", description="Store a video clip with each motion event.")
    retention_days: int = Field(
        30, ge=1, le=3650, title="Keep events for", description="Days after which events, snapshots and clips are deleted."
    )
    max_disk_mb: int = Field(
        20_000, ge=10, le=10_000_000, title="Disk budget",
        description="Megabytes of snapshots and clips kept; beyond it the oldest clips, then snapshots, are deleted.",
    )
    queue_size: int = Field(
        100, ge=10, le=10_000, title="Event queue (unused)",
        description="No longer used: each camera's thread stores its events as they happen, without a queue. "
        "Accepted so that existing configuration files stay valid.",
    )
    mqtt: MqttSettings = Field(default_factory=MqttSettings, title="MQTT", description="Publishing events.")
    classify: ClassifySettings = Field(
        default_factory=ClassifySettings, title="Classification",
        description="What moved (person, vehicle, animal) and which classes raise events.",
    )
