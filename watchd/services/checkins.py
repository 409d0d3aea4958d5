"""Recording check-ins: kiosk face check-ins with liveness, and terminal check-ins. Idempotent."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from watchd.db.models import Checkin
from watchd.db.repositories.checkins import CheckinsRepository
from watchd.db.repositories.people import PeopleRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.checkin import CaptureTimeRejected, RepeatWindow, accept_capture_time, local_day
from watchd.errors import Invalid, NotFound
from watchd.ops.datafiles import delete_data_file
from watchd.services.auth import KioskIdentity
from watchd.settings.root import Settings
from watchd.vision.images import ImageRejected
from watchd.vision.liveness import check_head_turn
from watchd.vision.recognition import FramesAnalysis, RecognitionEngine

log = logging.getLogger(__name__)
KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
Direction = Literal["left", "right"]


@dataclass(frozen=True, slots=True)
class CheckinView:
    id: int
    person_id: str
    person_name: str
    site_id: str
    site_name: str
    device_id: str
    occurred_at: datetime
    received_at: datetime
    method: str
    distance: float | None
    liveness: str
    has_snapshot: bool


@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    status: Literal["accepted", "duplicate"]
    checkin: CheckinView


@dataclass(frozen=True, slots=True)
class NewCheckin:
    key: str
    person_id: str
    device_id: str
    occurred_at: datetime
    method: str
    liveness: str
    distance: float | None = None
    second_distance: float | None = None
    snapshot: bytes | None = None


class CheckinService:
    def __init__(
        self, db: Database, engine: RecognitionEngine, settings: Settings, data_dir: Path,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.engine = engine
        self.settings = settings
        self.zone = settings.zone
        self.data_dir = data_dir
        self.clock = clock
        self.window = RepeatWindow(settings.checkin.dedup_window_minutes)

    # -- kiosk -------------------------------------------------------------------------------
    def kiosk_checkin(
        self, kiosk: KioskIdentity, frames: Sequence[bytes], *, challenge: Direction | None, key: str,
        captured_at: datetime | None,
    ) -> CheckinOutcome:
        """Recognise the person in a burst of kiosk frames, check liveness, and record the check-in.

        A replay of the same key (the kiosk re-sending a queued check-in) returns the stored
        record and changes nothing.
        """
        if not KEY_RE.match(key):
            raise Invalid("bad_key", "idempotency key must be 8-80 characters of [A-Za-z0-9_.:-]")
        full_key = f"{kiosk.device_id}:{key}"
        existing = self._by_key(full_key)
        if existing is not None:
            return CheckinOutcome("duplicate", existing)
        live = self.settings.liveness
        if not frames:
            raise Invalid("too_few_frames", "no frame was sent")
        if len(frames) > live.max_frames:
            raise Invalid("too_many_frames", f"at most {live.max_frames} frames per check-in")
        now = self.clock()
        try:
            occurred_at = accept_capture_time(
                captured_at, now=now,
                max_skew=timedelta(minutes=self.settings.checkin.max_clock_skew_minutes),
                max_age=timedelta(days=self.settings.checkin.max_offline_days),
            )
        except CaptureTimeRejected as exc:
            raise Invalid(exc.code, exc.message) from None
        snapshot_side = self.settings.checkin.snapshot_max_side if self.settings.checkin.keep_snapshot else None
        try:
            analysis = self.engine.analyze_frames(frames, snapshot_side=snapshot_side)
        except ImageRejected as exc:
            raise Invalid(exc.code, exc.message) from None
        liveness = self._liveness(analysis, challenge)
        if analysis.encoding is None:
            raise Invalid("no_face", "no face in any frame")
        match = self.engine.match(analysis.encoding)
        if match.person_id is None:
            log.info(
                "kiosk %s: unknown face (nearest %s at %s, runner-up %s)",
                kiosk.device_id, match.candidate, _fmt(match.distance), _fmt(match.second_distance),
            )
            raise Invalid("unknown_person", "face not recognised")
        return self.record(
            NewCheckin(
                key=full_key, person_id=match.person_id, device_id=kiosk.device_id, occurred_at=occurred_at,
                method="kiosk_face", liveness=liveness, distance=match.distance,
                second_distance=match.second_distance, snapshot=analysis.snapshot,
            )
        )

    def _liveness(self, analysis: FramesAnalysis, challenge: Direction | None) -> str:
        live = self.settings.liveness
        if not live.required:
            return "not_required"
        result = check_head_turn(
            analysis.faces, challenge, frontal_yaw=live.frontal_yaw, min_yaw_change=live.min_yaw_change,
            max_box_jump=live.max_box_jump,
        )
        if not result.passed:
            log.info("liveness failed (%s); yaws %s", result.code, result.yaws)
            raise Invalid(result.code, "liveness check failed", liveness=result.code)
        return "passed"

    # -- recording ---------------------------------------------------------------------------
    def record(self, new: NewCheckin) -> CheckinOutcome:
        """Store a check-in once. Same key → the stored one; same person and site within the window → that one."""
        received = self.clock()
        snapshot_path = self._save_snapshot(new) if new.snapshot else None
        with self.db.unit_of_work() as s:
            repo = CheckinsRepository(s)
            sites = SitesRepository(s)
            device = sites.get_device(new.device_id)
            if device is None:
                raise NotFound("device_not_found", f"no device {new.device_id!r}")
            person = PeopleRepository(s).get(new.person_id)
            if person is None:
                raise NotFound("person_not_found", f"no person {new.person_id!r}")
            status: Literal["accepted", "duplicate"] = "duplicate"
            found = repo.by_key(new.key)
            if found is None and self.window.minutes:
                since, until = self.window.bounds(new.occurred_at)
                found = repo.latest_for(new.person_id, device.site_id, since, until)
            if found is None:
                row = Checkin(
                    idempotency_key=new.key, person_id=new.person_id, site_id=device.site_id,
                    device_id=new.device_id, occurred_at=new.occurred_at, received_at=received,
                    local_date=local_day(new.occurred_at, self.zone), method=new.method,
                    distance=new.distance, second_distance=new.second_distance, liveness=new.liveness,
                    snapshot_path=snapshot_path,
                )
                found = repo.insert(row)
                if found is not None:
                    status = "accepted"
                else:  # a concurrent replay of the same key won the race
                    found = repo.by_key(new.key)
            assert found is not None
            if found.person_id != person.id:  # a replayed key stored for someone else: show its own person
                person = PeopleRepository(s).get(found.person_id, include_deleted=True) or person
            site = sites.get_site(found.site_id)
            view = _view(found, person.name, site.name if site else found.site_id)
        if status == "duplicate":
            delete_data_file(self.data_dir, snapshot_path, "check-in replay")
        log.info(
            "check-in %s: %s at %s via %s (%s)", status, view.person_id, view.site_id, view.device_id, view.occurred_at
        )
        return CheckinOutcome(status, view)

    def _save_snapshot(self, new: NewCheckin) -> str:
        day = local_day(new.occurred_at, self.zone).isoformat()
        rel = Path("snapshots") / day / f"{uuid.uuid4().hex}.jpg"
        path = self.data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new.snapshot or b"")
        return str(rel)

    def _by_key(self, key: str) -> CheckinView | None:
        with self.db.read() as s:
            row = CheckinsRepository(s).by_key(key)
            return self.get(row.id) if row is not None else None

    # -- queries -----------------------------------------------------------------------------
    def get(self, checkin_id: int) -> CheckinView:
        with self.db.read() as s:
            row = s.get(Checkin, checkin_id)
            if row is None:
                raise NotFound("checkin_not_found", f"no check-in {checkin_id}")
            person = PeopleRepository(s).get(row.person_id, include_deleted=True)
            site = SitesRepository(s).get_site(row.site_id)
            return _view(row, person.name if person else row.person_id, site.name if site else row.site_id)

    def search(
        self, *, day: date | None = None, site_id: str | None = None, person_id: str | None = None,
        limit: int = 200, offset: int = 0,
    ) -> list[CheckinView]:
        with self.db.read() as s:
            rows = CheckinsRepository(s).search(
                day=day, site_id=site_id, person_id=person_id, limit=limit, offset=offset
            )
            return [_view(c, person_name, site_name) for c, person_name, site_name in rows]

    def snapshot_file(self, checkin_id: int) -> Path | None:
        with self.db.read() as s:
            row = s.get(Checkin, checkin_id)
            if row is None:
                raise NotFound("checkin_not_found", f"no check-in {checkin_id}")
            return self.data_dir / row.snapshot_path if row.snapshot_path else None

    def today(self) -> date:
        return local_day(self.clock(), self.zone)


def _view(row: Checkin, person_name: str, site_name: str) -> CheckinView:
    return CheckinView(
        id=row.id, person_id=row.person_id, person_name=person_name, site_id=row.site_id, site_name=site_name,
        device_id=row.device_id, occurred_at=row.occurred_at, received_at=row.received_at, method=row.method,
        distance=row.distance, liveness=row.liveness, has_snapshot=row.snapshot_path is not None,
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
