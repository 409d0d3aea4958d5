"""Duty rooms, 24-hour shifts, swaps and the duty-room desk watch: the `[duty]` section.

A duty room is a site of kind `duty_room`; its id is the room id. Each room lists the cameras
that face its duty desk (devices of kind `duty_camera`) with the seat region in each picture.
"""

from __future__ import annotations

import re
from datetime import time

from pydantic import Field, field_validator

from devices.geometry import polygon_problem
from devices.registry import Role, has_role
from watchd.settings.base import ConfigModel
from watchd.settings.sites import Identifier
from watchd.settings.spot_checks import SpotCheckSettings

Point = tuple[float, float]
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


class DeskCamera(ConfigModel):
    camera: Identifier = Field(
        title="Camera", description="Id of a device of kind duty_camera that faces the duty desk."
    )
    seat: tuple[Point, ...] = Field(
        min_length=3, max_length=32, title="Seat region",
        description="Polygon [[x, y], ...] in fractions of the picture (0..1, origin top left) covering where a "
        "seated officer's head and upper body appear. Motion, a changed look and faces count only here.",
    )

    @field_validator("seat")
    @classmethod
    def verify_seat(cls, value: tuple[Point, ...]) -> tuple[Point, ...]:
        problem = polygon_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class DutyRoomSettings(ConfigModel):
    site: Identifier = Field(title="Duty room", description="Id of a site of kind duty_room; also the room's id.")
    desks: list[DeskCamera] = Field(
        default_factory=list, max_length=4, title="Desk cameras",
        description="Cameras watching this room's duty desk. Empty: the room has a roster and a log but no watch.",
    )
    covers: list[Identifier] = Field(
        default_factory=list, max_length=500, title="Sites covered",
        description="Sites whose incidents go to this room's leader on duty. Empty: this room and every site no "
        "other room lists.",
    )
    principal: Identifier | None = Field(
        None, title="Principal leader",
        description="Person id of the principal leader (主要领导) escalations of this room go to. Empty: the one "
        "in alerts.on_call.",
    )


class PresenceSettings(ConfigModel):
    enter_seconds: float = Field(
        15.0, ge=2, le=600, title="Settling in",
        description="Movement or a face at the seat must go on this long before someone counts as present "
        "(a person walking past the desk does not).",
    )
    hold_seconds: float = Field(
        90.0, ge=10, le=1800, title="Hold",
        description="Without any cue for this long, the person counts as gone (short gaps in the cues are normal).",
    )
    still_minutes: float = Field(
        20.0, ge=1, le=240, title="Still limit",
        description="A seat that looks occupied but shows no movement and no face keeps counting as present for "
        "at most this long after the last movement (a coat on the chair, a moved chair).",
    )
    unknown_after_seconds: float = Field(
        120.0, ge=10, le=3600, title="No pictures",
        description="Without a picture for this long the desk state is unknown (camera offline), not absent.",
    )
    face_every_seconds: float = Field(
        2.0, ge=0.5, le=600, title="Face search interval",
        description="How often the seat region is searched for faces.",
    )
    identify_every_seconds: float = Field(
        10.0, ge=1, le=3600, title="Identification interval",
        description="How often a face at the desk is identified (encoding costs ~80 ms of CPU).",
    )
    motion_min_area: float = Field(
        0.0006, ge=0.0001, le=0.05, title="Smallest movement",
        description="Smallest moving area at the seat that counts, as a fraction of the picture.",
    )
    occupied_fraction: float = Field(
        0.12, ge=0.02, le=0.9, title="Changed seat",
        description="Fraction of the seat region that must differ from the empty-seat reference for the seat to "
        "look occupied.",
    )


class DutySettings(ConfigModel):
    shift_start: time = Field(
        time(8, 30), title="Shift boundary",
        description="Local time a 24-hour duty shift starts and the previous one ends (HH:MM), e.g. 08:30.",
    )
    absence_limit_minutes: float = Field(
        10.0, ge=1, le=240, title="Absence limit",
        description="Nobody at the duty desk for longer than this raises 'duty room unwatched'.",
    )
    wrong_person_minutes: float = Field(
        30.0, ge=5, le=720, title="Wrong person stretch",
        description="Only faces other than the rostered officers at the desk for this long raise 'wrong person "
        "on duty'.",
    )
    wrong_person_sightings: int = Field(
        3, ge=1, le=1000, title="Sightings needed",
        description="Faces of someone else identified at least this often in the stretch, and no rostered officer.",
    )
    swap_notice_days: int = Field(
        1, ge=0, le=60, title="Swap notice",
        description="A swap must be approved at least this many days (×24 h) before the first shift it changes.",
    )
    checkin_early_minutes: int = Field(
        60, ge=0, le=720, title="Early check-in",
        description="A check-in at the duty room this many minutes before the shift starts confirms taking over.",
    )
    handover_minutes: int = Field(
        90, ge=0, le=720, title="Hand-over window",
        description="A check-in by the officer within this many minutes of the shift end (either side) is the "
        "hand-over.",
    )
    presence: PresenceSettings = Field(
        default_factory=PresenceSettings, title="Presence", description="How the desk cameras decide presence."
    )
    rooms: list[DutyRoomSettings] = Field(
        default_factory=list, max_length=50, title="Duty rooms", description="Rooms with a roster and a watch."
    )
    spot_checks: SpotCheckSettings = Field(
        default_factory=SpotCheckSettings, title="Spot checks",
        description="Random checks (查岗) that the officer on duty is awake at the desk (docs/duty.md).",
    )

    @field_validator("shift_start", mode="before")
    @classmethod
    def parse_shift_start(cls, value: object) -> object:
        if isinstance(value, str):
            match = _HHMM.match(value.strip())
            if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
                raise ValueError(f"{value!r} is not a time of day like 08:30")
            return time(int(match.group(1)), int(match.group(2)))
        return value

    def room(self, room_id: str) -> DutyRoomSettings | None:
        return next((r for r in self.rooms if r.site == room_id), None)


def duty_reference_errors(
    duty: DutySettings, site_kinds: dict[str, str], devices: dict[str, tuple[str, str]], people: set[str]
) -> list[str]:
    """Cross-references the section cannot check alone. `devices`: id → (kind, site)."""
    errors: list[str] = []
    rooms: set[str] = set()
    cameras: set[str] = set()
    for i, room in enumerate(duty.rooms):
        where = f"duty.rooms.{i}"
        if room.site in rooms:
            errors.append(f"{where}.site: duplicate duty room {room.site!r}")
        rooms.add(room.site)
        if site_kinds.get(room.site) != "duty_room":
            errors.append(f"{where}.site: {room.site!r} is not a site of kind duty_room")
        for j, desk in enumerate(room.desks):
            kind, site = devices.get(desk.camera, ("", ""))
            if desk.camera in cameras:
                errors.append(f"{where}.desks.{j}.camera: camera {desk.camera!r} watches another desk already")
            cameras.add(desk.camera)
            if not has_role(kind, Role.duty_camera):
                errors.append(f"{where}.desks.{j}.camera: {desk.camera!r} is not a device of kind duty_camera")
            elif site != room.site:
                errors.append(f"{where}.desks.{j}.camera: {desk.camera!r} is installed at {site!r}, not in this room")
        for j, site_id in enumerate(room.covers):
            if site_id not in site_kinds:
                errors.append(f"{where}.covers.{j}: unknown site {site_id!r}")
        if room.principal is not None and room.principal not in people:
            errors.append(f"{where}.principal: unknown person {room.principal!r}")
    for i, room_id in enumerate(duty.spot_checks.rooms):
        if room_id not in rooms:
            errors.append(f"duty.spot_checks.rooms.{i}: {room_id!r} is not a room under [[duty.rooms]]")
    return errors
