"""Face recognition, liveness and check-in settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from watchd.settings.base import ConfigModel


class RecognitionSettings(ConfigModel):
    tolerance: float = Field(
        0.5, ge=0.2, le=0.8, title="Match tolerance",
        description="Largest face distance accepted as the same person (face_recognition units; lower is stricter).",
    )
    margin: float = Field(
        0.08, ge=0.0, le=0.5, title="Margin over the runner-up",
        description="The best person must be at least this much closer than the best other person, otherwise 'unknown'.",
    )
    detect_max_side: int = Field(
        320, ge=160, le=1920, title="Detection scale",
        description="Frames are shrunk so their longest side is at most this many pixels before face detection. "
        "A kiosk face fills much of the frame, so a small scale finds it quickly.",
    )
    min_face_px: int = Field(
        80, ge=20, le=1000, title="Smallest usable face",
        description="Faces narrower than this (in pixels of the original image) are too small to use.",
    )
    encoder: Literal["fast", "dlib"] = Field(
        "fast", title="Face encoder",
        description="How the 128-number face encoding is computed: 'fast' runs dlib's network with numpy "
        "(about 5x faster), 'dlib' runs it in dlib. Both give the same encodings; templates stay valid.",
    )
    max_upload_bytes: int = Field(
        5_000_000, ge=10_000, le=50_000_000, title="Largest image upload",
        description="Uploaded photos or frames larger than this are refused.",
    )
    max_pixels: int = Field(
        25_000_000, ge=100_000, le=200_000_000, title="Largest image size",
        description="Images with more pixels than this are refused (protects against decompression bombs).",
    )
    workers: int = Field(
        1, ge=1, le=16, title="Recognition workers",
        description="Worker processes for face detection and encoding.",
    )
    keep_enrollment_photos: bool = Field(
        False, title="Keep enrolment photos",
        description="Store the raw enrolment photos in the data directory. Off by default: only templates are kept (PIPL).",
    )


class LivenessSettings(ConfigModel):
    required: bool = Field(
        True, title="Require liveness",
        description="A check-in from a kiosk camera must pass the head-turn challenge.",
    )
    min_yaw_change: float = Field(
        0.25, ge=0.05, le=1.0, title="Head turn needed",
        description="Change of the yaw ratio (nose offset from the eye midpoint, in eye distances) "
        "between the frontal and the turned frames.",
    )
    frontal_yaw: float = Field(
        0.12, ge=0.02, le=0.5, title="Frontal tolerance",
        description="Yaw ratio below which a face counts as looking straight at the camera.",
    )
    max_frames: int = Field(
        16, ge=3, le=60, title="Frames per attempt",
        description="Most frames a kiosk may send for one check-in attempt.",
    )
    max_box_jump: float = Field(
        0.5, ge=0.05, le=2.0, title="Tracking continuity",
        description="Largest movement of the face centre between consecutive frames, in face widths; "
        "a bigger jump means a different face and fails the check.",
    )


class CheckinSettings(ConfigModel):
    dedup_window_minutes: int = Field(
        10, ge=0, le=720, title="Repeat window",
        description="A second check-in of the same person at the same site within this window counts once.",
    )
    keep_snapshot: bool = Field(
        False, title="Keep a snapshot",
        description="Store a small JPEG of the face with each kiosk check-in.",
    )
    snapshot_max_side: int = Field(
        240, ge=64, le=1280, title="Snapshot size", description="Longest side of a stored check-in snapshot."
    )
    max_clock_skew_minutes: int = Field(
        10, ge=1, le=1440, title="Kiosk clock tolerance",
        description="A kiosk capture time further in the future than this is refused.",
    )
    max_offline_days: int = Field(
        14, ge=1, le=90, title="Offline queue age",
        description="Queued check-ins older than this many days are refused when they finally arrive.",
    )
