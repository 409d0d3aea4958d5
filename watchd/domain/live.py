"""Live view of a camera: whether the duty-room wall can play it, and what to say when it cannot."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal, Protocol

MessageKind = Literal["mse", "data", "error"]


@dataclass(frozen=True, slots=True)
class LiveMessage:
    """To a viewer: `mse` (the MSE type; an init segment follows), `data` (bytes), or `error` (a reason)."""

    kind: MessageKind
    text: str = ""
    data: bytes = b""
    keyframe: bool = False


class LiveSubscription(Protocol):
    """One viewer of a camera: its messages arrive on this queue, on the viewer's event loop."""

    @property
    def queue(self) -> asyncio.Queue[LiveMessage]: ...


class LiveFeed(Protocol):
    """A camera's live view as the HTTP surface sees it (watchd.pipeline.camera_watch.live.LiveChannel)."""

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> LiveSubscription: ...
    def unsubscribe(self, viewer: LiveSubscription) -> None: ...

# What the wall and the camera page say when there is no live picture (reason -> text).
LIVE_TEXTS = {
    "connecting": "正在连接摄像机…",
    "offline": "摄像机离线，显示最近抓拍",
    "stopped": "本节点已停止监看该摄像机",
    "not_here": "该摄像机不由本节点监看",
    "codec:hevc": "实时画面为 H.265 编码，浏览器无法播放：请在摄像机设置中把子码流改为 H.264（I 帧间隔等于帧率）",
}
HEVC_FIX = LIVE_TEXTS["codec:hevc"]


def live_text(reason: str) -> str:
    if reason.startswith("codec:") and reason not in LIVE_TEXTS:
        return f"实时画面为 {reason[6:]} 编码，浏览器无法播放：请把子码流改为 H.264"
    return LIVE_TEXTS.get(reason, reason)


@dataclass(frozen=True, slots=True)
class LiveView:
    """Whether a camera can be watched live on this node; `problem` is a reason key of LIVE_TEXTS."""

    playable: bool
    problem: str
    viewers: int

    @property
    def warning(self) -> str | None:
        """A camera setting to fix (H.265 substream), in Chinese; None when there is nothing to fix."""
        return live_text(self.problem) if self.problem.startswith("codec:") else None

    def as_dict(self) -> dict[str, object]:
        return {
            "playable": self.playable,
            "problem": self.problem,
            "viewers": self.viewers,
            "warning": self.warning,
        }
