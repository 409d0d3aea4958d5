"""Response and request bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from watchd.services.checkins import CheckinView
from watchd.services.overview import VillageDay


class Problem(BaseModel):
    code: str
    message: str


class FieldProblem(BaseModel):
    field: str = Field(description="Where: e.g. body.start_at, query.month")
    problem: str


class ProblemDetail(BaseModel):
    """Every error answer: a stable code, a Chinese message for the user, and what went wrong where."""

    model_config = ConfigDict(extra="allow", title="ProblemDetail")
    code: str = Field(description="Stable, machine-readable")
    message: str = Field(description="For the user, in Simplified Chinese")
    reason: str | None = Field(None, description="For logs and developers, in English")
    fields: list[FieldProblem] | None = Field(None, description="422 bad_request: each field at fault")


class ProblemOut(BaseModel):
    model_config = ConfigDict(title="Problem")
    detail: ProblemDetail


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    username: str
    role: str


class PageLinkOut(BaseModel):
    path: str = Field(description="e.g. /reports")
    title: str = Field(description="Chinese name shown in the pages' navigation")


class MeOut(BaseModel):
    username: str
    role: str
    role_name: str = Field(description="The role in Chinese, e.g. 管理员")
    name: str | None = Field(description="The person's name when the username is a person id (a cadre's login)")
    pages: list[PageLinkOut] = Field(description="The pages this login's role may open, in navigation order")
    permissions: list[str] = Field(description="The role's permissions (docs/access.md), for pages to hide what it may not do")


class BiometricsErasedOut(BaseModel):
    person_id: str
    templates: int = Field(description="Face templates deleted")
    photos: int = Field(description="Kept enrolment photos deleted")
    snapshots: int = Field(description="Check-in face snapshots deleted (the check-ins stay)")


class PhotoResultOut(BaseModel):
    filename: str
    ok: bool
    code: str
    message: str
    template_id: int | None = None


class EnrollmentOut(BaseModel):
    person_id: str
    stored: int
    templates: int
    results: list[PhotoResultOut]


class CheckinResult(BaseModel):
    status: str
    message: str
    checkin: CheckinView


class TodayOut(BaseModel):
    date: str
    villages: list[VillageDay]


class KioskMe(BaseModel):
    device_id: str
    site_id: str
    site_name: str
    township: str
    liveness_required: bool
    max_frames: int
    timezone: str


class DeviceTokenOut(BaseModel):
    device_id: str
    token: str
    kiosk_url: str
