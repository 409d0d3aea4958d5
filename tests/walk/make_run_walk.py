"""Walk every page of `make run` in headless Chromium, as a new user does with the README (issue 12).

    .venv/bin/python -m tests.walk.make_run_walk [--shots DIR]

Starts the Makefile's `run` target on a temporary data directory and a free port, waits for
`/healthz`, logs in on /admin with the password it printed, opens the kiosk through its printed
link, then every other page in the same browser (one login for all of them): /dashboard, /duty,
/reports, /visits, /worklog, /appraisal, /rectification, /spotcheck, /vote, /docs. Each page must show its
real content (not a blank page, not a second login form) with no console error, no failed request (any 4xx/5xx, the favicon too) and no
request leaving this machine: those are blocked and reported. Then SIGTERM, and watchd must stop
cleanly (exit 0, "watchd stopped"). A screenshot of each page at 1366x768 goes to --shots.
Exit status 0 when all is well; 1 with one line per problem otherwise. `.ci/run` runs it after the
tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tests.walk.make_run import ROOT, MakeRun, start_make_run

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Request,
        Response,
        Route,
        ViewportSize,
    )

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # A kiosk has a camera: Chromium's built-in test pattern stands in for it.
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT_MS = 20_000
SERVE_TIMEOUT_S = 900.0  # a fresh clone installs .venv first


@dataclass(frozen=True)
class Stop:
    """One page of the walk: where, and the selector that only matches once real content shows."""

    name: str
    path: str
    content: str
    logged_in: bool = True  # shows the app, not a login form
    tabs: tuple[str, ...] = ()  # the page's other tabs, each clicked and photographed
    full_page: bool = True  # False: only the first screen (/docs is some 12,000 px long)


STOPS = [
    Stop("admin", "/admin", "#today-villages .a-card", tabs=("people", "devices")),  # logs in first
    Stop("dashboard", "/dashboard", "#rooms .d-room"),
    Stop("duty", "/duty", "#roster-body tr", tabs=("swaps", "log")),
    Stop("reports", "/reports", "#daily-out table tbody tr", tabs=("monthly", "pairings", "calendar")),
    Stop("visits", "/visits", "#pairs-summary:not(:empty)", tabs=("leave",)),
    Stop("worklog", "/worklog", "#status-summary:not(:empty)", tabs=("meeting",)),
    Stop("appraisal", "/appraisal", "#round-status:not(:empty)", tabs=("mine",)),
    Stop("rectification", "/rectification", "#items tr"),
    Stop("vote", "/vote", "#code-form #code", logged_in=False),  # villagers: no login
    Stop("spotcheck", "/spotcheck", "#checks li"),
    Stop("docs", "/docs", ".swagger-ui .opblock", logged_in=False, full_page=False),
]


class Watch:
    """Everything that went wrong in one browser context, as lines for the report."""

    def __init__(self, context: BrowserContext, problems: list[str]) -> None:
        self.problems = problems
        self.where = "?"
        self.active = True
        self.inflight: set[Request] = set()
        context.route("**/*", self._route)
        context.on("page", self._page)
        for page in context.pages:
            self._page(page)

    def _add(self, text: str) -> None:
        if self.active:
            self.problems.append(f"{self.where}: {text}")

    def _route(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
            return
        self._add(f"request leaves this machine (blocked): {route.request.url}")
        route.abort("blockedbyclient")

    def _page(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self._add(f"uncaught script error: {exc}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.on("request", lambda request: self.inflight.add(request))
        page.on("requestfinished", lambda request: self.inflight.discard(request))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._add(f"console error: {message.text} ({message.location.get('url', '')})")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self._add(f"HTTP {response.status} for {response.request.method} {response.url}")

    def _failed(self, request: Request) -> None:
        self.inflight.discard(request)
        host = urlsplit(request.url).hostname or ""
        if host in LOOPBACK:  # a blocked outside request is already reported by _route
            self._add(f"request failed: {request.method} {request.url} ({request.failure})")


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        raise SystemExit(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def shows_content(page: Page, stop_name: str, selector: str, *, logged_in: bool, problems: list[str]) -> None:
    """The selector appears and is visible, the page has text, and no login form asks again."""
    try:
        page.wait_for_selector(selector, state="visible")
    except Exception:  # playwright's TimeoutError; the report says which page and what was missing
        problems.append(f"{stop_name}: no content: {selector!r} never became visible")
        return
    text = page.evaluate("document.body.innerText.trim()")
    if len(text) < 20:
        problems.append(f"{stop_name}: blank page ({len(text)} characters of text)")
    if logged_in and page.is_visible("#login"):
        problems.append(f"{stop_name}: asks for a second login in the same browser")
    # Headless Chromium does not ask for the icon itself; every browser on a desk does.
    icon = page.evaluate("(document.querySelector('link[rel~=icon]') || {}).href || location.origin + '/favicon.ico'")
    status = page.request.get(icon).status
    if status != 200:
        problems.append(f"{stop_name}: HTTP {status} for its icon {icon}")


def settle(page: Page, watch: Watch) -> None:
    """Until the page's requests are done and 0.5 s have passed without one (at most 5 s: the
    dashboard's event stream never ends), so the screenshot shows what the page loaded."""
    quiet = 0  # tenths of a second without a request in flight
    for _ in range(50):
        busy = [r for r in watch.inflight if "/api/dashboard/stream" not in r.url]
        quiet = 0 if busy else quiet + 1
        if quiet >= 5:
            return
        page.wait_for_timeout(100)


def visit(
    context: BrowserContext, watch: Watch, run: MakeRun, stop: Stop, shots: Path, n: int, password: str | None = None
) -> None:
    """Open the page in a new tab of the browser; with `password`, log in as admin there first."""
    watch.where = stop.name
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(run.base + stop.path)
    if password is not None:
        page.fill("#login-username", "admin")
        page.fill("#login-password", password)
        page.click("#login-form button[type=submit]")
    shows_content(page, stop.name, stop.content, logged_in=stop.logged_in, problems=watch.problems)
    settle(page, watch)
    page.screenshot(path=str(shots / f"{n:02d}-{stop.name}.png"), full_page=stop.full_page)
    for tab in stop.tabs:
        watch.where = f"{stop.name} {tab}"
        page.click(f".a-tab[data-tab={tab}]")
        settle(page, watch)
        page.screenshot(path=str(shots / f"{n:02d}-{stop.name}-{tab}.png"), full_page=True)
    watch.active = False  # closing aborts the page's open requests: not a failure
    page.close()
    watch.active = True


def walk(run: MakeRun, shots: Path) -> list[str]:
    problems: list[str] = []
    password, kiosks = run.credentials()
    with chromium() as browser:
        # The kiosk is a device of its own: its link carries its token, no login.
        device = browser.new_context(viewport=VIEWPORT)
        watch = Watch(device, problems)
        watch.where = "kiosk"
        page = device.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        link = kiosks["kiosk-bayan"]
        if not link.startswith(run.base + "/kiosk#token="):
            problems.append(f"kiosk: printed link {link} is not on {run.base}")
        page.goto(link)
        shows_content(page, "kiosk", "#site-name:has-text('巴音嘎查')", logged_in=False, problems=problems)
        settle(page, watch)
        page.screenshot(path=str(shots / "00-kiosk.png"))
        watch.active = False
        device.close()

        office = browser.new_context(viewport=VIEWPORT)
        watch = Watch(office, problems)
        for n, stop in enumerate(STOPS, start=1):
            visit(office, watch, run, stop, shots, n, password if n == 1 else None)
        watch.active = False
        office.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shots", type=Path, default=ROOT / "test-artifacts" / "walk",
                        help="folder for the screenshots and make-run.log (default: test-artifacts/walk)")
    args = parser.parse_args(argv)
    shots: Path = args.shots
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="watchd-walk-") as tmp:
        run = start_make_run(Path(tmp) / "data")
        problems: list[str] = []
        try:
            run.wait_until_serving(SERVE_TIMEOUT_S)
            problems = walk(run, shots)
        finally:
            code = run.stop()
            (shots / "make-run.log").write_text(run.output, encoding="utf-8")
    if code != 0:
        problems.append(f"stop: make run exited with {code} after SIGTERM, expected 0")
    if "watchd stopped" not in run.output:
        problems.append("stop: watchd did not log 'watchd stopped'")
    for line in problems:
        print(f"walk: {line}", file=sys.stderr)
    pages = 1 + len(STOPS)
    print(f"walk: {pages} pages of make run in Chromium, {len(problems)} problems; screenshots in {shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
