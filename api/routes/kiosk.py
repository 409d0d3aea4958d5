"""The kiosk's own endpoints, authenticated with the kiosk's device token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from api.deps import KioskDep, ServicesDep
from api.schemas import CheckinResult, KioskMe
from api.uploads import read_image_upload
from api.views import shown
from watchd.messages import zh

router = APIRouter(prefix="/api/kiosk", tags=["kiosk"])


@router.get("/me", response_model=KioskMe)
def me(services: ServicesDep, kiosk: KioskDep) -> KioskMe:
    settings = services.config.settings
    return KioskMe(
        device_id=kiosk.device_id, site_id=kiosk.site_id, site_name=kiosk.site_name, township=settings.township,
        liveness_required=settings.liveness.required, max_frames=settings.liveness.max_frames,
        timezone=settings.timezone,
    )


@router.post(
    "/checkins", response_model=CheckinResult, status_code=201,
    responses={200: {"model": CheckinResult, "description": "already recorded (replay or repeat)"}},
)
async def checkin(
    services: ServicesDep, kiosk: KioskDep, response: Response,
    frames: Annotated[list[UploadFile], File(description="JPEG frames in capture order")],
    idempotency_key: Annotated[str, Form(min_length=8, max_length=80, description="Unique per attempt; reused on resend")],
    captured_at: Annotated[datetime | None, Form(description="When the kiosk captured the frames (ISO 8601 with offset)")] = None,
    challenge: Annotated[Literal["left", "right"] | None, Form(description="Head-turn direction the person was asked for")] = None,
) -> CheckinResult:
    limit = services.config.settings.recognition.max_upload_bytes
    data = [await read_image_upload(f, limit) for f in frames]
    outcome = await run_in_threadpool(
        services.checkins.kiosk_checkin, kiosk, data, challenge=challenge, key=idempotency_key,
        captured_at=captured_at,
    )
    if outcome.status == "duplicate":
        response.status_code = 200
    return CheckinResult(
        status=outcome.status, message=zh(outcome.status),
        checkin=shown(outcome.checkin, services.config.settings.zone),
    )
