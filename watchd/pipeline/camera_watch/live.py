"""Live view fan-out: one camera connection, one remuxer, any number of viewers (docs/live.md).

The camera's worker thread remuxes its packets into fragmented MP4 while someone watches
(`devices.camera.live`) and hands the bytes to the camera's `LiveChannel`. The channel keeps the
init segment and the fragments since the last keyframe, so a new viewer gets a picture at once,
and offers every fragment to each viewer's bounded queue on the viewer's event loop. A viewer
that falls behind loses fragments up to the next keyframe; nothing ever blocks the camera's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from watchd.domain.live import LiveMessage, LiveSubscription, LiveView

_GROUP_MAX = 900  # fragments kept since the last keyframe (a minute at 15 fps; a stream without keyframes)


@dataclass(eq=False, slots=True)
class Viewer:
    """One viewer's queue, read on its own event loop."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[LiveMessage] = field(default_factory=lambda: asyncio.Queue(maxsize=240))
    skipping: bool = False  # fell behind: fragments are dropped until the next keyframe
    dropped: int = 0

    def offer(self, message: LiveMessage) -> None:
        """From any thread."""
        with contextlib.suppress(RuntimeError):  # the viewer's loop has closed: it is going away
            self.loop.call_soon_threadsafe(self._put, message)

    def _put(self, message: LiveMessage) -> None:
        if message.kind != "data" or message.keyframe:
            self.skipping = False
        elif self.skipping:
            self.dropped += 1
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.skipping = True
            self.dropped += 1


class LiveChannel:
    """A camera's live view (a `devices.contracts.LiveSink`); thread-safe."""

    def __init__(self, camera_id: str) -> None:
        self.camera_id = camera_id
        self._lock = threading.Lock()
        self._viewers: set[Viewer] = set()
        self._mime: str | None = None
        self._init = b""
        self._group: list[bytes] = []
        self._problem = "connecting"  # why there is no picture ("" while live)
        self.sessions = 0
        self.fragments = 0

    # --- LiveSink (the camera's worker thread) ---------------------------------------------------

    def wanted(self) -> bool:
        return bool(self._viewers)

    def begin(self, mime: str, init: bytes) -> None:
        with self._lock:
            self._mime, self._init, self._group, self._problem = mime, init, [], ""
            self.sessions += 1
            self._send(self._viewers, self._start_messages())

    def fragment(self, data: bytes, *, keyframe: bool) -> None:
        with self._lock:
            if self._mime is None:
                return
            if keyframe:
                self._group = [data]
            elif len(self._group) < _GROUP_MAX:
                self._group.append(data)
            self.fragments += 1
            self._send(self._viewers, [LiveMessage("data", data=data, keyframe=keyframe)])

    def unavailable(self, reason: str) -> None:
        with self._lock:
            self._mime, self._init, self._group, self._problem = None, b"", [], reason
            self._send(self._viewers, [LiveMessage("error", text=reason)])

    def connected(self) -> None:
        """The camera is connected again (its worker thread): live as soon as someone watches."""
        with self._lock:
            if self._mime is None:
                self._problem = ""

    # --- viewers (the event loop) ----------------------------------------------------------------

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> Viewer:
        viewer = Viewer(loop)
        with self._lock:
            self._viewers.add(viewer)
            if self._mime is not None:
                self._send(
                    [viewer],
                    self._start_messages()
                    + [LiveMessage("data", data=d, keyframe=i == 0) for i, d in enumerate(self._group)],
                )
            elif self._problem not in ("", "connecting"):  # else the picture follows when the worker begins
                self._send([viewer], [LiveMessage("error", text=self._problem)])
        return viewer

    def unsubscribe(self, viewer: LiveSubscription) -> None:
        with self._lock:
            # The last viewer gone: the worker stops remuxing at its next packet, and the next
            # viewer starts a new session (until then a newcomer joins the one still running).
            self._viewers.discard(viewer)

    def status(self) -> dict[str, object]:
        with self._lock:
            return {
                "viewers": len(self._viewers),
                "live": self._mime is not None,
                "problem": self._problem,
                "sessions": self.sessions,
                "fragments": self.fragments,
            }

    def _start_messages(self) -> list[LiveMessage]:
        assert self._mime is not None
        return [LiveMessage("mse", text=self._mime), LiveMessage("data", data=self._init, keyframe=True)]

    @staticmethod
    def _send(viewers: Iterable[Viewer], messages: list[LiveMessage]) -> None:
        for viewer in viewers:
            for message in messages:
                viewer.offer(message)


def live_view(codec: str, channel: LiveChannel) -> LiveView:
    """The view of a camera this node watches, from its codec (known once connected) and its channel."""
    status = channel.status()
    viewers = int(str(status["viewers"]))
    if codec and codec != "h264":
        return LiveView(False, f"codec:{codec}", viewers)
    problem = str(status["problem"])
    return LiveView(problem in ("", "connecting") and bool(codec), problem if problem != "" else "", viewers)


class LiveHub:
    """The live channels of the cameras this node watches."""

    def __init__(self, camera_ids: Iterable[str]) -> None:
        self._channels = {camera_id: LiveChannel(camera_id) for camera_id in camera_ids}

    def channel(self, camera_id: str) -> LiveChannel | None:
        return self._channels.get(camera_id)
