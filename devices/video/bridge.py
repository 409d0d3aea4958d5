"""The hand-off between a capture thread and the event loop, and the counters both sides share."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from datetime import datetime
from typing import Literal

from devices.contracts import DeviceEvent, EventSink, Frame

_LOGGER = logging.getLogger(__name__)

State = Literal["idle", "connecting", "online", "offline", "ended", "stopped"]


class CaptureCounters:
    """Counters shared by the worker thread and the loop; read through `snapshot()`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state: State = "idle"
        self.frames_read = 0
        self.frames_skipped = 0  # over the fps budget: never converted
        self.frames_emitted = 0
        self.frames_dropped = 0  # replaced before delivery, or refused by the sink
        self.status_dropped = 0
        self.reconnects = 0
        self.last_error = ""
        self.last_frame_at: datetime | None = None
        self.online_since: datetime | None = None

    def mark_stopped(self) -> None:
        with self.lock:
            if self.state != "ended":
                self.state = "stopped"

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            return {
                "state": self.state,
                "frames_read": self.frames_read,
                "frames_skipped": self.frames_skipped,
                "frames_emitted": self.frames_emitted,
                "frames_dropped": self.frames_dropped,
                "status_dropped": self.status_dropped,
                "reconnects": self.reconnects,
                "last_error": self.last_error,
                "last_frame_at": self.last_frame_at.isoformat() if self.last_frame_at else None,
                "online_since": self.online_since.isoformat() if self.online_since else None,
            }


class LoopBridge:
    """Thread → loop hand-off that keeps order and holds at most one undelivered frame in a row."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sink: EventSink, counters: CaptureCounters) -> None:
        self._loop = loop
        self._sink = sink
        self._counters = counters
        self._lock = threading.Lock()
        self._pending: deque[DeviceEvent] = deque()
        self._scheduled = False
        self._closed = False

    def post(self, event: DeviceEvent) -> None:
        """Called from the worker thread; never blocks on the sink."""
        with self._lock:
            if self._closed:
                return
            if isinstance(event, Frame) and self._pending and isinstance(self._pending[-1], Frame):
                self._pending[-1] = event
                with self._counters.lock:
                    self._counters.frames_dropped += 1
            else:
                self._pending.append(event)
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self._loop.call_soon_threadsafe(self.deliver)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self.close()

    def deliver(self) -> None:
        """Runs on the loop: hand everything pending to the sink."""
        with self._lock:
            events = list(self._pending) if not self._closed else []
            self._pending.clear()
            self._scheduled = False
        for event in events:
            self._emit(event)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._pending.clear()

    def _emit(self, event: DeviceEvent) -> None:
        try:
            accepted = self._sink.emit(event)
        except Exception:
            _LOGGER.exception("Event sink raised while accepting %s", type(event).__name__)
            accepted = False
        with self._counters.lock:
            if isinstance(event, Frame):
                if accepted:
                    self._counters.frames_emitted += 1
                else:
                    self._counters.frames_dropped += 1
            elif not accepted:
                self._counters.status_dropped += 1
