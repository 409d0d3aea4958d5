"""The duty watch's decisions for one room, with the picture's time as `now`.

The desk empty for longer than the absence limit -> `duty_room_unwatched` (its time is when the
limit was crossed, so a replay after a restart is the same observation); someone other than the
rostered officers for the configured stretch -> `wrong_person_on_duty`; both are cleared when
the condition ends. Presence changes are stored as the room's timeline, and the open stretch is
confirmed every CHECK_EVERY. Observations go to the `ObservationSink` (the incident service).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from watchd.domain.duty import OnDuty
from watchd.domain.observations import Observation, ObservationKind, ObservationSink
from watchd.domain.presence import Change, DeskState, unwatched_since, wrong_person
from watchd.pipeline.duty_watch.files import DeskFiles
from watchd.pipeline.duty_watch.state import UNKNOWN_FACE, RoomRuntime
from watchd.services.duty import DutyService, PresenceRecorder

log = logging.getLogger(__name__)
CHECK_EVERY = timedelta(seconds=30)  # how often the open presence stretch is confirmed in the database
ROSTER_EVERY = timedelta(seconds=30)


class RoomDecisions:
    def __init__(
        self, duty: DutyService, recorder: PresenceRecorder, sink: ObservationSink | None, files: DeskFiles
    ) -> None:
        self.duty = duty
        self.config = duty.config
        self.recorder = recorder
        self.sink = sink
        self.files = files
        self.limit = timedelta(minutes=self.config.absence_limit_minutes)
        self.stretch = timedelta(minutes=self.config.wrong_person_minutes)

    def apply(self, room: RoomRuntime, changes: list[Change], now: datetime) -> None:
        """Store the presence changes, confirm the open stretch now and then, and decide."""
        for change in changes:
            self.recorder.change(room.room_id, change.state, change.at)
            room.last_check = change.at
            log.info("duty room %s: %s since %s", room.room_id, change.state.value, change.at.isoformat())
        view = room.tracker.view
        if view.state != DeskState.unknown and (room.last_check is None or now - room.last_check >= CHECK_EVERY):
            if room.last_check is None:
                self.recorder.change(room.room_id, view.state, view.since or now)
            self.recorder.check(room.room_id, now, dict(room.faces))
            room.faces.clear()
            room.last_check = now
        shift = self._shift(room, now)
        self._decide_unwatched(room, shift, now)
        self._decide_wrong_person(room, shift, now)

    def _shift(self, room: RoomRuntime, now: datetime) -> OnDuty:
        stale = room.shift is None or room.shift_loaded is None or now - room.shift_loaded >= ROSTER_EVERY
        if stale or (room.shift is not None and not room.shift.start <= now < room.shift.end):
            room.shift = self.duty.shift_at(room.room_id, now)
            room.shift_loaded = now
        assert room.shift is not None
        return room.shift

    def _names(self, ids: tuple[str, ...]) -> str:
        return "、".join(self.duty.person_names(ids)) or "无排班"

    def _decide_unwatched(self, room: RoomRuntime, shift: OnDuty, now: datetime) -> None:
        view = room.tracker.view
        crossed = unwatched_since(view, self.limit, now)
        if crossed is not None and room.unwatched != crossed:
            room.unwatched = crossed
            room.clear_sent = False
            minutes = f"{self.config.absence_limit_minutes:g}"
            self.report(Observation(
                kind=ObservationKind.duty_room_unwatched, site_id=room.room_id, subject=room.room_id,
                occurred_at=crossed,
                summary=f"无人值守超过{minutes}分钟（值班：{self._names(shift.officers)}）",
                details={
                    "room": room.room_id, "absent_since": (view.since or crossed).isoformat(),
                    "officers": list(shift.officers), "leaders": list(shift.leaders),
                },
                snapshot_path=self.files.snapshot(room, "unwatched", crossed),
            ))
        elif view.state == DeskState.present and (room.unwatched is not None or not room.clear_sent):
            room.unwatched = None
            room.clear_sent = True
            self.report(Observation(
                kind=ObservationKind.duty_room_unwatched, site_id=room.room_id, subject=room.room_id,
                occurred_at=view.since or now, active=False, summary="值班人员已回到岗位",
            ))

    def _decide_wrong_person(self, room: RoomRuntime, shift: OnDuty, now: datetime) -> None:
        view = room.tracker.view
        present_since = view.since if view.state == DeskState.present else None
        finding = wrong_person(
            room.sightings, frozenset(shift.officers), present_since, now, self.stretch,
            self.config.wrong_person_sightings,
        )
        if finding is not None and room.wrong is None:
            room.wrong = finding
            seen = [pid for pid, _ in finding.seen if pid is not None]
            unknown = any(pid is None for pid, _ in finding.seen)
            who = "、".join([*self.duty.person_names(tuple(seen)), *(["未识别人员"] if unknown else [])])
            self.report(Observation(
                kind=ObservationKind.wrong_person_on_duty, site_id=room.room_id, subject=room.room_id,
                occurred_at=now,
                summary=f"在岗非排班人员：应为{self._names(shift.officers)}，实为{who}",
                details={
                    "room": room.room_id, "since": finding.since.isoformat(), "officers": list(shift.officers),
                    "seen": {pid or UNKNOWN_FACE: n for pid, n in finding.seen},
                },
                snapshot_path=self.files.snapshot(room, "wrong-person", now),
            ))
        elif finding is None and room.wrong is not None:
            room.wrong = None
            self.report(Observation(
                kind=ObservationKind.wrong_person_on_duty, site_id=room.room_id, subject=room.room_id,
                occurred_at=now, active=False, summary="排班人员已在岗或来人已离开",
            ))

    def report(self, obs: Observation) -> None:
        if self.sink is None:
            log.warning("observation %s not reported: no incident service attached", obs.key)
            return
        try:
            self.sink.report(obs)
        except Exception:  # the incident service logged it; the watch goes on
            log.warning("observation %s could not be recorded", obs.key)
