"""A township whose duty room verifies camera events: 苏木值班室 covers 3号沙坑 (camera cam3, zones
坑口 and 道路), 张三 on duty with 乌云 the leader on duty, and the desk watch's state as the test says.
Messages go to a fake webhook receiver on loopback; the clock is the test's."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.clocks import FakeClock
from tests.watchd.alerts.alerting import MakeServices, alert_config
from tests.watchd.duty.conftest import DEVICES, admin, duty_config
from watchd.app import Services
from watchd.db.models import CameraEvent
from watchd.db.repositories.camera_events import CameraEventsRepository
from watchd.domain.observations import Observation, ObservationKind
from watchd.domain.presence import DeskState

LEADER = "13900000001"  # 乌云
PRINCIPAL = "13900000009"  # 巴雅尔
CAMERA = {
    "id": "cam3",
    "kind": "camera",
    "site": "shakeng",
    "name": "坑口东",
    "source": "rtsp://127.0.0.1:1/x",
    "zones": [
        {"name": "坑口", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]},
        {"name": "道路", "points": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]},
    ],
}


def review_township(
    make_services: MakeServices,
    receiver_url: str | None,
    clock: FakeClock,
    *,
    desk: DeskState | None = DeskState.present,
    officers: tuple[str, ...] = ("d001",),
    review: dict[str, Any] | None = None,
    **alerts: Any,
) -> Services:
    config = duty_config()
    config["devices"] = [*DEVICES, CAMERA]
    section = alert_config(receiver_url, review=review or {}, **alerts)["alerts"]
    section["on_call"] = [{"leader": "l001", "principal": "p001"}]
    services = make_services(**config, alerts=section)
    day = services.duty.shifts.day_of(clock())
    services.duty.set_day(admin(), "duty", day, officers=list(officers), leaders=["l001"])
    if desk is not None:
        services.duty_watch.recorder.change("duty", desk, clock())
    return services


def camera_event(
    services: Services,
    clock: FakeClock,
    *,
    kind: str = "motion",
    zones: tuple[str, ...] = ("坑口",),
    clip: Path | None = None,
    at: datetime | None = None,
) -> Observation:
    """A stored camera event (with a snapshot, and a clip if given) and the observation the camera
    watch reports for it."""
    at = at or clock()
    data = services.config.data_dir
    (data / "cameras").mkdir(parents=True, exist_ok=True)
    with services.db.unit_of_work() as s:
        repo = CameraEventsRepository(s)
        n = len(repo.search(camera_id=None, kind=None, since=None, until=None, limit=1000)) + 1
        snapshot = data / "cameras" / f"ev{n}.jpg"
        snapshot.write_bytes(JPEG)
        clip_rel = None
        if clip is not None:
            target = data / "cameras" / f"ev{n}.mp4"
            shutil.copy(clip, target)
            clip_rel = f"cameras/ev{n}.mp4"
        row = repo.insert(
            CameraEvent(
                event_key=f"cam3:{kind}:{at.isoformat()}",
                camera_id="cam3",
                site_id="shakeng",
                kind=kind,
                started_at=at,
                ended_at=at,
                zones=json.dumps(list(zones), ensure_ascii=False),
                peak_area=0.1,
                snapshot_path=f"cameras/ev{n}.jpg",
                clip_path=clip_rel,
                media_bytes=1,
            )
        )
        s.flush()
        event_id = row.id
    summary = {
        "motion": "坑口东 发现移动目标（" + "、".join(zones) + "）",
        "tamper": "坑口东 摄像机被遮挡",
        "camera_offline": "坑口东 摄像机离线",
    }[kind]
    return Observation(
        kind=ObservationKind(kind),
        site_id="shakeng",
        subject="cam3",
        occurred_at=at,
        summary=summary,
        details={"event_id": event_id, "zones": list(zones)},
        snapshot_path=f"cameras/ev{n}.jpg",
    )


# The smallest valid JPEG (1x1 grey).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e"
    "1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f00000105"
    "01010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d0102030004110512"
    "2131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748"
    "494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3"
    "b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f"
    "00fbd3ffd9"
)


def make_clip(path: Path) -> Path:
    """A 2 s H.264 MP4 with the index first (faststart), as the camera watch writes clips."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed: no clip to play")
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-t",
            "2",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    return path
