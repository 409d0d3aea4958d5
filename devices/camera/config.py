"""Configuration of a watched camera: the stream, and where and when motion matters."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from devices.config_base import DeviceConfigBase
from devices.geometry import Point, polygon_problem
from devices.video.source import PASSWORD_ENV_PATTERN, check_source_url

_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

class Polygon(BaseModel):
    """A named area of the picture, corners in fractions of its width and height (0..1, origin top left)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=40, title="Name", description="Shown in events, e.g. 坑口 or 树.")
    points: tuple[Point, ...] = Field(
        min_length=3, max_length=64, title="Corners",
        description="[[x, y], ...] in fractions of the picture (0..1, origin top left); edges must not cross.",
    )

    @field_validator("points")
    @classmethod
    def verify_polygon(cls, value: tuple[Point, ...]) -> tuple[Point, ...]:
        problem = polygon_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Zone(Polygon):
    """A zone where motion raises an event, optionally with its own severity and classes."""

    severity: Literal["normal", "major"] | None = Field(
        None, title="Severity",
        description="normal or major for motion in this zone (e.g. the explosives store); empty: the severity "
        "configured for motion at the camera's site ([alerts.kinds.motion]).",
    )
    classes: dict[Literal["person", "vehicle", "animal", "unknown"], Literal["alert", "normal", "major", "ignore"]] = (
        Field(
            default_factory=dict, title="Classes",
            description='With a detector ([camera_watch.classify]): what each class does in this zone, "alert" (the '
            'zone\'s severity), "normal", "major" or "ignore", e.g. { animal = "ignore" }; others as configured there.',
        )
    )


def parse_window(text: str) -> tuple[int, int]:
    """'19:00-07:00' as (start, end) minutes of the day; ValueError with the reason."""
    match = _WINDOW.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{text!r} is not a valid time window")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f"{text!r} is empty; leave `armed` empty to watch all day")
    return start, end


# While nothing moves a camera is looked at (one keyframe decoded and analysed) every 2 s at most: the
# blind time of the recommended keyframe interval (2 s), whatever the camera's own. A camera with a
# keyframe every second costs half as much while idle (docs/motion.md, "Capacity").
IDLE_LOOK_S = 2.0


class CameraConfig(DeviceConfigBase):
    """A protected-site camera watched for motion in zones, tampering and loss of signal."""

    kind: Literal["camera"] = Field(title="Kind", description="Protected-site camera (RTSP, HTTP MJPEG or file).")
    source: str = Field(
        min_length=1, max_length=500, title="Stream",
        description="rtsp:// or http(s):// URL (the user name may be in it, never the password), or a video file "
        "(played at its own speed, for demos).",
    )
    record_source: str | None = Field(
        None, min_length=1, max_length=500, title="Main stream for clips",
        description="The `record` role: the camera's main stream (e.g. Hikvision /Streaming/Channels/101, Dahua "
        "subtype=0), read without decoding, event clips cut from it at full resolution. `source` is then the "
        "substream (102, subtype=1) for analysis (`detect`) and the live wall (`live`). Unset: one stream serves all.",
    )
    password_env: str | None = Field(
        None, pattern=PASSWORD_ENV_PATTERN, title="Password variable",
        description="Name of the environment variable (or systemd credential, LoadCredential=) holding the "
        "camera password; it is added to the URL at connect time and never logged.",
    )
    transport: Literal["tcp", "udp"] = Field(
        "tcp", title="RTSP transport", description="tcp (default: survives lossy links) or udp."
    )
    offline_after_s: float = Field(
        30.0, ge=3, le=3600, title="Offline after",
        description="Seconds without a picture before the camera counts as offline. A quiet camera is looked at every "
        "2 s, or at each keyframe when they are further apart (up to max_keyframe_interval_s), so this must be at "
        "least 1 s more than the larger of the two (5 s with the defaults).",
    )
    open_timeout_s: float = Field(10.0, ge=1, le=120, title="Connect timeout", description="Seconds to open the stream.")
    reconnect_max_s: float = Field(
        60.0, ge=1, le=3600, title="Longest retry interval",
        description="Reconnect attempts back off exponentially from 1 s up to this.",
    )
    analysis_fps: float = Field(
        5.0, ge=0.5, le=15, title="Pictures analysed per second",
        description="While motion is suspected or an event is open (full decoding).",
    )
    analysis_width: int = Field(
        320, ge=160, le=960, title="Analysis width", description="The luma plane is shrunk to this width for analysis."
    )
    adaptive: bool = Field(
        True, title="Keyframes only while quiet",
        description="Decode only keyframes while nothing moves; switch to every picture on suspected motion.",
    )
    max_keyframe_interval_s: float = Field(
        4.0, ge=1, le=60, title="Longest keyframe interval for idling",
        description="Keyframe-only idling is used only while the camera's measured keyframe (I-frame) interval is "
        "at most this many seconds; longer, every picture is decoded (more CPU), the camera page says why and "
        "the administrators get a notice. Set the camera's I-frame interval to 2 s or less.",
    )
    zones: tuple[Zone, ...] = Field(
        (), max_length=16, title="Zones",
        description="Areas where motion raises an event. Empty: the whole picture is one zone.",
    )
    masks: tuple[Polygon, ...] = Field(
        (), max_length=32, title="Masks",
        description="Areas whose motion is ignored: trees, a road, the timestamp overlay.",
    )
    min_area: float = Field(
        0.002, ge=0.0002, le=0.5, title="Smallest object",
        description="Smallest moving object that counts, as a fraction of the picture area (0.002 = 0.2 %).",
    )
    min_duration_s: float = Field(
        1.0, ge=0, le=30, title="Minimum duration", description="Motion must last this long in a zone to raise an event."
    )
    min_contrast: int = Field(
        14, ge=4, le=80, title="Smallest brightness change",
        description="Grey levels (0-255) a pixel must differ from the learnt background, at least; noisy pixels need more.",
    )
    armed: tuple[str, ...] = Field(
        (), max_length=8, title="Armed hours",
        description='Local time windows when motion raises events, e.g. ["19:00-07:00"]. Empty: always.',
    )
    tamper: bool = Field(True, title="Tamper check", description="Report a covered, turned-away or defocused camera.")
    tamper_after_s: float = Field(
        20.0, ge=2, le=600, title="Tamper hold", description="A tamper condition must last this long to be reported."
    )

    @field_validator("source")
    @classmethod
    def verify_source(cls, value: str) -> str:
        return check_source_url(value)

    @field_validator("record_source")
    @classmethod
    def verify_record_source(cls, value: str | None) -> str | None:
        return None if value is None else check_source_url(value)

    @field_validator("zones")
    @classmethod
    def verify_zone_names(cls, value: tuple[Zone, ...]) -> tuple[Zone, ...]:
        names = [z.name for z in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate zone name {dupes[0]!r}: events name their zones, so each needs its own")
        return value

    @field_validator("armed")
    @classmethod
    def verify_armed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for window in value:
            parse_window(window)
        return value

    @model_validator(mode="after")
    def verify_offline_after(self) -> CameraConfig:
        # While idle the watch sees one picture per keyframe, at most one every IDLE_LOOK_S: silence that short
        # is a quiet camera, not a dead one (a 3 s limit on a 4 s keyframe interval flapped offline all night).
        longest = max(self.max_keyframe_interval_s, IDLE_LOOK_S)
        if self.offline_after_s < longest + 1.0:
            raise ValueError(
                f"offline_after_s = {self.offline_after_s:g} is too short: while nothing moves the camera is looked at "
                f"once per keyframe, up to max_keyframe_interval_s = {self.max_keyframe_interval_s:g} s apart, so it "
                f"would count as offline between two pictures. Use at least {longest + 1.0:g} s (or lower "
                "max_keyframe_interval_s)"
            )
        return self

    def zone_severity(self, names: tuple[str, ...]) -> Literal["normal", "major"] | None:
        """The severity of motion in these zones: major if one of them is; None (the site's) if one has none."""
        own = [z.severity for z in self.zones if z.name in names]
        if "major" in own:
            return "major"
        return "normal" if own and None not in own else None

    @property
    def armed_windows(self) -> tuple[tuple[int, int], ...]:
        return tuple(parse_window(w) for w in self.armed)

    @property
    def is_network(self) -> bool:
        return "://" in self.source
