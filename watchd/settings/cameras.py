"""Camera watch settings shared by all cameras: events, clips, retention, MQTT.

Per-camera settings (stream, zones, masks, minimum area and duration, armed hours) are in each
`[[devices]]` entry of kind "camera" (devices/camera/config.py).
"""

from __future__ import annotations

from pydantic import Field

from watchd.settings.base import ConfigModel


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
        description="Events go to PREFIX/cameras/CAMERA_ID/events, status to PREFIX/cameras/CAMERA_ID/status.",
    )
    client_id: str = Field("watchd", min_length=1, max_length=64, title="Client id", description="MQTT client id.")
    queue_limit: int = Field(
        1000, ge=10, le=100_000, title="Outgoing queue",
        description="Messages kept while the broker is unreachable; beyond this the oldest are dropped and counted.",
    )


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
