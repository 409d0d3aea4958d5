from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(services: ServicesDep) -> dict[str, object]:
    with services.db.read() as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok", "database": services.db.dialect, "gallery_templates": len(services.engine.gallery)}
