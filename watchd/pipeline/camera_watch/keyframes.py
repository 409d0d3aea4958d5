"""Is keyframe-only idling safe for this camera? Its measured keyframe interval decides.

While nothing moves the camera watch decodes only keyframes (docs/motion.md). That is blind
between two keyframes: a camera sending one every 25 s (a long I-frame interval, or H.264+/H.265+
"smart codec") shows an intruder who crosses in 19 s to nobody. So idling is allowed only once
the interval has been measured on the current connection and is within the camera's
`max_keyframe_interval_s`; beyond it every picture is decoded, the camera page says why and how to
fix it, and the administrators get a notice (cleared when the interval is fine again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from watchd.domain.notices import Notice, NoticeKind

FIX = "请在摄像机设置中把 I 帧间隔设为 2 秒以内，并关闭 H.264+/H.265+ 智能编码"
FIX_EN = "set the camera's I-frame interval to 2 s or less and turn off H.264+/H.265+ smart codec"


@dataclass(frozen=True, slots=True)
class DecodingView:
    """What the camera page shows about a camera's decoding."""

    keyframe_interval_s: float | None  # measured (None: not yet)
    idle: bool  # keyframe-only idling allowed
    warning: str | None  # what is wrong and how to fix it (Chinese), None when all is well


class KeyframeCheck:
    """The measured keyframe interval of one camera against its limit."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.interval_s: float | None = None  # the last measurement (kept across reconnects)
        self.too_long: bool | None = None  # None: never measured
        self.measured = False  # measured on the current connection

    def new_connection(self) -> None:
        self.measured = False

    def update(self, interval_s: float | None) -> bool:
        """Take the stream's measurement; True when the verdict changed (to be reported)."""
        if interval_s is None:
            return False
        self.interval_s = interval_s
        self.measured = True
        too_long = interval_s > self.limit_s + 1e-6
        changed = too_long != self.too_long
        self.too_long = too_long
        return changed

    @property
    def idling_allowed(self) -> bool:
        return self.measured and self.too_long is False

    def warning(self) -> str | None:
        if not self.too_long or self.interval_s is None:
            return None
        return (
            f"关键帧间隔 {self.interval_s:.1f} 秒，超过 {self.limit_s:g} 秒：仅解码关键帧的空闲模式会漏看两个关键帧之间的画面，"
            f"已改为逐帧分析（占用更多 CPU）。{FIX}。"
        )

    def warning_en(self) -> str:
        return (
            f"keyframe interval {self.interval_s or 0:.1f} s is longer than {self.limit_s:g} s: keyframe-only idling "
            f"would be blind between keyframes, so every picture is decoded; {FIX_EN}"
        )

    def view(self) -> DecodingView:
        interval = None if self.interval_s is None else round(self.interval_s, 2)
        return DecodingView(interval, self.idling_allowed, self.warning())

    def notice(self, camera_id: str, label: str, now: datetime) -> Notice:
        """The administrator notice for the current verdict (active while too long)."""
        interval = self.interval_s or 0.0
        text = (
            f"摄像机 {label} 的关键帧间隔为 {interval:.1f} 秒，超过 {self.limit_s:g} 秒，watchd 已改为逐帧分析该摄像机"
            f"（占用更多 CPU）。{FIX}。" if self.too_long
            else f"摄像机 {label} 的关键帧间隔为 {interval:.1f} 秒，已恢复仅解码关键帧的空闲模式。"
        )
        return Notice(
            kind=NoticeKind.camera_keyframe_interval, subject=camera_id, observed_at=now, active=bool(self.too_long),
            text=text, details={"keyframe_interval_s": round(interval, 2), "limit_s": self.limit_s},
        )
