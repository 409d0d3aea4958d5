"""The duty-room screen: its page, its full state, and a live stream of that state (SSE).

The stream sends the whole state as the first event of every connection and again whenever it
changes, plus a `ping` with the server time every 15 s; the page reconnects by itself, so after
a server restart or a network blink it shows the stored truth again at once. The page reads the
stream with fetch() so the login token travels in the Authorization header, never in the URL.

A connection lasts at most `STREAM_SECONDS` and ends with a `bye` event; the page reconnects at
once. This bounds how long a stopping server waits for open screens (uvicorn lets responses in
progress finish) and re-checks the login token regularly.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.access import P, allowed
from api.deps import ServicesDep, UserDep
from api.routes.pages import html_page
from api.views import shown
from watchd.app import Services

router = APIRouter(tags=["dashboard"])
POLL_SECONDS = 1.0
PING_SECONDS = 15.0
STREAM_SECONDS = 30.0


@router.get("/dashboard", include_in_schema=False)
def dashboard_page() -> HTMLResponse:
    return html_page("dashboard.html")


def _now(services: Services) -> str:
    return shown(services.clock(), services.config.settings.zone).isoformat()


def _state(services: Services) -> dict[str, Any]:
    state = services.dashboard.state()
    return {"version": state.version, "server_time": _now(services), **state.data}


@router.get("/api/dashboard/state", dependencies=[allowed(P.dashboard_read)])
def state(services: ServicesDep, user: UserDep) -> dict[str, Any]:
    """Everything the duty-room screen shows: duty rooms, cameras, open incidents."""
    return _state(services)


@router.get("/api/dashboard/stream", dependencies=[allowed(P.dashboard_read)], response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream(request: Request, services: ServicesDep, user: UserDep) -> StreamingResponse:
    """Server-sent events: `state` (the full state, first and on every change) and `ping`."""

    async def events() -> AsyncIterator[str]:
        sent: str | None = None
        opened = last = time.monotonic()
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            if time.monotonic() - opened >= STREAM_SECONDS:
                yield "event: bye\ndata: {}\n\n"
                return
            current = await run_in_threadpool(_state, services)
            if current["version"] != sent:
                sent = current["version"]
                last = time.monotonic()
                yield f"id: {sent}\nevent: state\ndata: {json.dumps(current, ensure_ascii=False)}\n\n"
            elif time.monotonic() - last >= PING_SECONDS:
                last = time.monotonic()
                yield f"event: ping\ndata: {json.dumps({'server_time': _now(services)})}\n\n"
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        events(), media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
