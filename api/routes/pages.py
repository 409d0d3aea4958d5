"""The web pages: the kiosk and the admin page (static HTML + JS calling the JSON API), the favicon,
and the table of pages the navigation offers to each role (each page's route lives with its API)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from watchd.services.permissions import Permission, allows

STATIC = Path(__file__).resolve().parent.parent / "static"
FAVICON = "/favicon.ico"
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class PageEntry:
    path: str
    title: str
    permission: Permission  # what the page's first view needs; the role must hold it


#: The pages' shared navigation, in order (api/static/session.js shows the ones a login may open).
PAGES = (
    PageEntry("/admin", "签到管理", Permission.checkins_read),
    PageEntry("/reports", "考勤报表", Permission.reports_read),
    PageEntry("/duty", "值班管理", Permission.duty_read),
    PageEntry("/dashboard", "值班大屏", Permission.dashboard_read),
    PageEntry("/visits", "走访登记", Permission.self_service),
    PageEntry("/worklog", "工作日志", Permission.self_service),
    PageEntry("/appraisal", "考核评议", Permission.appraisal_vote),
    PageEntry("/rectification", "整改台账", Permission.rectification_read),
)


def pages_for(role: str) -> list[PageEntry]:
    return [p for p in PAGES if allows(role, p.permission)]


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
