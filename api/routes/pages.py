"""The web pages: the kiosk and the admin page (static HTML + JS calling the JSON API)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
FAVICON = "/favicon.ico"
router = APIRouter(include_in_schema=False)


@router.get(FAVICON)
def favicon() -> FileResponse:
    """Browsers ask every site for it; every page also links it."""
    return FileResponse(STATIC / "favicon.ico", media_type="image/vnd.microsoft.icon",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/admin")


@router.get("/kiosk")
def kiosk_page() -> FileResponse:
    return FileResponse(STATIC / "kiosk.html", media_type="text/html; charset=utf-8")


@router.get("/admin")
def admin_page() -> FileResponse:
    return FileResponse(STATIC / "admin.html", media_type="text/html; charset=utf-8")
