"""Live camera video for the duty-room wall: fragmented MP4 over a WebSocket, played with MSE (docs/live.md).

Protocol (the go2rtc "mse" shape):
- the client opens `ws(s)://HOST/api/cameras/{camera_id}/live` and sends one JSON text message
  `{"type": "mse", "token": "<login token>", "codecs": ["avc1.640029", ...]}`: the login token
  travels in the message, never in the URL (which lands in logs);
- the server answers `{"type": "mse", "value": "video/mp4; codecs=\\"avc1.64001f\\""}` then binary
  messages: the init segment, then one fragment per picture, starting at the last keyframe; again
  `mse` + init when the camera reconnects;
- `{"type": "error", "value": "<reason>", "text": "<中文>"}` when there is no live picture (camera
  offline, H.265, watched by another node); the socket stays open and the picture follows when it
  comes back. Refusals close the socket: 4401 (login), 4403 (permission), 4404 (no such camera).
WebSockets are outside the browser's six-connections-per-host limit that the SSE stream shares.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from devices.registry import Role, has_role
from watchd.app import Services
from watchd.domain.live import LiveFeed, LiveMessage, LiveSubscription, live_text
from watchd.errors import ServiceError
from watchd.services.permissions import Permission, allows

log = logging.getLogger(__name__)
router = APIRouter(tags=["cameras"])
HELLO_TIMEOUT_S = 10.0


async def _refuse(websocket: WebSocket, code: int, reason: str, text: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(
            json.dumps({"type": "error", "value": reason, "text": text}, ensure_ascii=False)
        )
        await websocket.close(code=code, reason=reason)


def _channel(services: Services, camera_id: str) -> LiveFeed | None:
    devices = services.runtime.devices
    return devices.live_feed(camera_id) if devices is not None else None


async def _hello(websocket: WebSocket) -> dict[str, Any] | None:
    try:
        text = await asyncio.wait_for(websocket.receive_text(), HELLO_TIMEOUT_S)
        hello = json.loads(text)
    except (TimeoutError, ValueError, KeyError, WebSocketDisconnect):
        return None
    return hello if isinstance(hello, dict) and hello.get("type") == "mse" else None


@router.websocket("/api/cameras/{camera_id}/live")
async def live(websocket: WebSocket, camera_id: str) -> None:
    services: Services = websocket.state.services
    await websocket.accept()
    hello = await _hello(websocket)
    if hello is None:
        await _refuse(
            websocket, 4400, "bad_hello", '请求格式错误：第一条消息应为 {"type": "mse", "token": ...}'
        )
        return
    try:
        user = await asyncio.to_thread(services.auth.principal, str(hello.get("token") or ""))
    except ServiceError:
        await _refuse(websocket, 4401, "not_authenticated", "登录已过期，请重新登录")
        return
    if not allows(user.role, Permission.camera_media_read):
        await _refuse(websocket, 4403, "forbidden", "没有查看摄像机画面的权限")
        return
    if camera_id not in {d.id for d in services.config.settings.devices if has_role(d.kind, Role.camera)}:
        await _refuse(websocket, 4404, "camera_not_found", f"没有摄像机 {camera_id}")
        return
    channel = _channel(services, camera_id)
    if channel is None:
        await _refuse(websocket, 4409, "not_here", live_text("not_here"))
        return
    viewer = channel.subscribe(asyncio.get_running_loop())
    try:
        await _pump(websocket, viewer)
    finally:
        channel.unsubscribe(viewer)


async def _pump(websocket: WebSocket, viewer: LiveSubscription) -> None:
    """Send the viewer's messages until the browser goes away (anything it sends is ignored)."""

    async def drain_incoming() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    incoming = asyncio.create_task(drain_incoming())
    try:
        while not incoming.done():
            getter = asyncio.ensure_future(viewer.queue.get())
            done, _ = await asyncio.wait({getter, incoming}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                return
            await _send(websocket, getter.result())
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        return
    finally:
        incoming.cancel()
        with contextlib.suppress(BaseException):
            await incoming


async def _send(websocket: WebSocket, message: LiveMessage) -> None:
    if message.kind == "data":
        await websocket.send_bytes(message.data)
    elif message.kind == "mse":
        await websocket.send_text(json.dumps({"type": "mse", "value": message.text}))
    else:
        await websocket.send_text(
            json.dumps(
                {"type": "error", "value": message.text, "text": live_text(message.text)}, ensure_ascii=False
            )
        )
