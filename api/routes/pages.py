"""The web pages: the kiosk and the admin page (static HTML + JS calling the JSON API), the favicon,
and the table of pages the navigation offers to each role (each page's route lives with its API)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

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


# `<!--#login 标题-->` (or `<!--#login 标题 用户名标签-->`) and `<!--#top 标题-->` in a page stand for the
# login form and the top bar every signed-in page shares (api/static/shell/): one copy of each.
_SHELL_MARK = re.compile(r"<!--#(login|top) ([^ >]+)(?: ([^>]+?))?-->\n?")


@cache
def _shell_part(name: str) -> Template:
    return Template((STATIC / "shell" / f"{name}.html").read_text(encoding="utf-8"))


@cache
def _rendered(name: str) -> str:
    def part(match: re.Match[str]) -> str:
        kind, title, user_label = match.group(1), match.group(2), match.group(3) or "用户名"
        return _shell_part(kind).substitute(title=html.escape(title), user_label=html.escape(user_label))

    return _SHELL_MARK.sub(part, (STATIC / name).read_text(encoding="utf-8"))


def html_page(name: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """One of the pages in api/static, with its shared parts filled in."""
    return HTMLResponse(_rendered(name), headers=headers)


@router.get(FAVICON)
def favicon() -> FileResponse:
    """Browsers ask every site for it; every page also links it."""
    return FileResponse(STATIC / "favicon.ico", media_type="image/vnd.microsoft.icon",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/admin")


@router.get("/kiosk")
def kiosk_page() -> HTMLResponse:
    return html_page("kiosk.html")


@router.get("/admin")
def admin_page() -> HTMLResponse:
    return html_page("admin.html")
