"""Pages and endpoints reached from outside without a login.

- `/a/{token}`: the acknowledge link in a message. Opening it (GET) only shows the incidents, with
  the camera snapshot, so a link preview cannot acknowledge anything; the button (POST) does.
- `/api/alerts/callbacks/{channel_id}/{token}`: providers push delivery reports and SMS replies here.
"""

from __future__ import annotations

from html import escape
from string import Template
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.params import RowId
from api.routes.pages import STATIC
from api.views import shown
from watchd.alerts.notifiers.base import CallbackRequest
from watchd.alerts.views import AckPage, IncidentView
from watchd.errors import ServiceError
from watchd.messages import zh

router = APIRouter(tags=["alerts"])
PAGE = Template((STATIC / "ack.html").read_text(encoding="utf-8"))
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
FOOTER = "也可以直接回复短信 1 确认。如有疑问请联系苏木值班室。"


def _when(view: IncidentView, zone: ZoneInfo) -> str:
    return shown(view.opened_at, zone).strftime("%m月%d日 %H:%M")


def _card(token: str, v: IncidentView, zone: ZoneInfo, clip: bool = False) -> str:
    css = "card major" if v.severity == "major" else "card"
    if v.status != "open":
        css += " done"
    severity = "重大" if v.severity == "major" else "一般"
    lines = [
        f'<section class="{css}">',
        f'<div class="tag">{severity} · {escape(v.status_text)} · 编号 {escape(v.code)}</div>',
        f"<h2>{escape(v.site_name)} {escape(v.event_text)}</h2>",
        f"<div>{_when(v, zone)} 发生" + (f"，共 {v.count} 次" if v.count > 1 else "") + "</div>",
    ]
    if clip:  # the event's clip plays here; the snapshot is its poster
        poster = f' poster="/a/{escape(token)}/snapshot/{v.id}"' if v.has_snapshot else ""
        lines.append(
            f'<video class="clip" src="/a/{escape(token)}/clip/{v.id}"{poster} controls muted playsinline '
            'preload="metadata" aria-label="现场录像"></video>'
        )
    elif v.has_snapshot:
        lines.append(f'<img src="/a/{escape(token)}/snapshot/{v.id}" alt="现场抓拍">')
    if v.acknowledged_by and v.acknowledged_at:
        lines.append(f'<p class="who">已由 {escape(v.acknowledged_by)} 于 {shown(v.acknowledged_at, zone):%H:%M} 确认</p>')
    if v.resolved_at:
        lines.append(f'<p class="who">已于 {shown(v.resolved_at, zone):%H:%M} 解除</p>')
    lines.append("</section>")
    return "\n".join(lines)


def _page(token: str, page: AckPage, zone: ZoneInfo) -> HTMLResponse:
    open_ = [v for v in page.incidents if v.status == "open"]
    notice = ""
    if page.acknowledged_now:
        notice = f'<div class="notice">已确认 {len(page.acknowledged_now)} 起警情，后续提醒已停止。请尽快处理。</div>'
    form = ""
    if open_:
        label = "确认收到，我来处理" if len(open_) == 1 else f"全部确认（{len(open_)} 起）"
        form = f'<form method="post" action="/a/{escape(token)}"><button type="submit">{label}</button></form>'
    title = "值班提醒" if len(page.incidents) <= 1 else f"值班提醒（{len(page.incidents)} 起）"
    html = PAGE.substitute(
        title=escape(title), notice=notice, cards="\n".join(_card(token, v, zone, v.id in page.clips) for v in page.incidents),
        form=form, footer=escape(f"{page.recipient_name}：{FOOTER}"),
    )
    return HTMLResponse(html, headers=NO_STORE)


def _error(exc: ServiceError) -> HTMLResponse:
    title = "链接已过期" if exc.code == "link_expired" else "链接无效"
    html = PAGE.substitute(
        title=title, notice=f'<div class="notice bad">{escape(zh(exc.code))}</div>', cards="", form="",
        footer=escape(FOOTER),
    )
    return HTMLResponse(html, status_code=exc.status, headers=NO_STORE)


@router.get("/a/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ack_page(token: str, services: ServicesDep) -> HTMLResponse:
    try:
        page = await run_in_threadpool(services.alerts.ack_page, token)
    except ServiceError as exc:
        return _error(exc)
    return _page(token, page, services.config.settings.zone)


@router.post("/a/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ack_submit(token: str, services: ServicesDep) -> HTMLResponse:
    try:
        page = await run_in_threadpool(lambda: services.alerts.ack_page(token, acknowledge=True))
    except ServiceError as exc:
        return _error(exc)
    return _page(token, page, services.config.settings.zone)


@router.get("/a/{token}/snapshot/{incident_id}", response_class=FileResponse, include_in_schema=False)
async def ack_snapshot(token: str, incident_id: RowId, services: ServicesDep) -> FileResponse:
    path = await run_in_threadpool(services.alerts.link_snapshot, token, incident_id)
    return FileResponse(path, media_type="image/jpeg", headers=NO_STORE)


@router.get("/a/{token}/clip/{incident_id}", response_class=FileResponse, include_in_schema=False)
async def ack_clip(token: str, incident_id: RowId, services: ServicesDep) -> FileResponse:
    """The incident's camera clip (MP4), for the leader's phone; the link's token is the permission."""
    path = await run_in_threadpool(services.alerts.link_clip, token, incident_id)
    return FileResponse(path, media_type="video/mp4" if path.suffix == ".mp4" else "video/x-matroska", headers=NO_STORE)


@router.post("/api/alerts/callbacks/{channel_id}/{token}")
async def provider_callback(channel_id: str, token: str, request: Request, services: ServicesDep) -> Response:
    """Delivery reports and SMS replies pushed by a provider (the URL is listed in /api/alerts/outbox)."""
    pushed = CallbackRequest(
        body=await request.body(), headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params), url=str(request.url),
    )
    result = await run_in_threadpool(services.alerts.handle_callback, channel_id, token, pushed)
    return Response(result.body, status_code=result.status_code, media_type=result.content_type)
