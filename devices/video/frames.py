"""The frame capture driver: a local or network camera read with OpenCV, frames handed to the core.

The camera kiosk (devices/kiosk) and the duty-room desk camera (devices/duty_camera) are this
driver with their own kind, rate and picture size; the duty camera adds a password read at
connect time (devices/video/source.py).

One worker thread per camera opens the source with OpenCV, grabs every frame (so a live camera
never buffers stale ones), and hands at most `fps` frames per second to the event loop, shrunk to
`max_side` and converted to RGB. Between the thread and the sink sits a one-frame slot: when the
loop has not yet delivered the previous frame, the newer one replaces it (latest frame wins) and
the older one counts as dropped. A sink that refuses a frame also counts a drop.

The driver reconnects by itself with capped exponential backoff (devices/backoff.py: 1 s doubling
to 30 s, reset after a session that delivered frames) and emits `DeviceStatus` once per online/offline
transition, logging each transition once; retries are logged at DEBUG only.

A file source is played at its own speed, like a camera. Reaching its end is the end of the
stream: the driver emits a final `DeviceStatus` offline ("end of stream") and `run` returns. This
is for tests and for analysing a recorded clip; a file that cannot be opened is retried like a
camera (the mount may come back).

`run` returns within about half a second of `stop` being set. If the worker thread is then still
blocked inside OpenCV (opening a silent network camera can take up to the open timeout), it is
left to finish on its own; it is a daemon thread, emits nothing more, and releases the camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Literal

import cv2

from devices.backoff import REAL_TIME, Backoff, Timing
from devices.contracts import DeviceInfo, DeviceStatus, DeviceUnavailable, EventSink, Frame
from devices.video.bridge import CaptureCounters, LoopBridge, State
from devices.video.capture import CaptureError, FrameReader, open_capture, shrink_to_rgb
from devices.video.source import CameraSource, parse_source, resolve_source

_LOGGER = logging.getLogger(__name__)

RETRY_INITIAL_S = 1.0
RETRY_MAX_S = 30.0
_STOP_GRACE_S = 0.5

_Outcome = Literal["halted", "ended", "lost"]


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    """What the capture needs of a device's configuration."""

    id: str
    source: str
    fps: float
    max_side: int
    password_env: str | None = None  # added to a URL source at connect time
    label: str = "camera"  # how a missing password names the device ("duty camera cam-1")


class FrameCaptureDriver:
    """Reads a local or network camera and emits `Frame` events (see the module docstring)."""

    kind: ClassVar[str]

    def __init__(
        self,
        config: CaptureSettings,
        *,
        retry_initial_s: float = RETRY_INITIAL_S,
        retry_max_s: float = RETRY_MAX_S,
        timing: Timing = REAL_TIME,
    ) -> None:
        self._config = config
        self._timing = timing
        self._source: CameraSource = parse_source(config.source)  # the password is added at connect time
        self._period_s = 1.0 / config.fps
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._counters = CaptureCounters()
        self._online: bool | None = None  # None until the first transition
        self._seq = 0
        self._running = False

    # --- public surface -------------------------------------------------------------------

    async def probe(self) -> DeviceInfo:
        """Open the source, read one frame, and describe the camera; `DeviceUnavailable` otherwise."""
        self._resolve()
        return await asyncio.to_thread(self._probe_blocking)

    async def run(self, sink: EventSink, stop: asyncio.Event) -> None:
        self._resolve()  # `MissingSecret` when the named password is not set
        if self._running:
            raise RuntimeError(f"driver {self._config.id} is already running")
        self._running = True
        self._online = None  # a new run reports its first status again
        with self._counters.lock:
            self._counters.state = "connecting"
        loop = asyncio.get_running_loop()
        bridge = LoopBridge(loop, sink, self._counters)
        halt = threading.Event()
        finished = asyncio.Event()

        crashed: list[BaseException] = []

        def work() -> None:
            try:
                self._work(bridge, halt)
            except Exception as exc:  # a bug, not a camera problem: report it through run()
                _LOGGER.exception("Camera %s: worker thread failed", self._config.id)
                crashed.append(exc)
            finally:
                with contextlib.suppress(RuntimeError):  # loop already closed
                    loop.call_soon_threadsafe(finished.set)

        thread = threading.Thread(target=work, name=f"camera-{self._config.id}", daemon=True)
        thread.start()
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(finished.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            halt.set()
            for waiter in waiters:
                waiter.cancel()
            if finished.is_set():
                bridge.deliver()  # whatever the thread posted last (the final status of a file)
            else:
                await self._grace(finished, thread)
            bridge.close()
            self._counters.mark_stopped()
            self._running = False
        if crashed:
            raise DeviceUnavailable(
                self._source.scrub(f"camera {self._source.redacted}: capture thread failed: {crashed[0]}")
            )

    def diagnostics(self) -> Mapping[str, object]:
        """Support dump; the source and errors are redacted, never containing a password."""
        info: dict[str, object] = {
            "kind": self.kind,
            "device_id": self._config.id,
            "source": self._source.redacted,
            "source_kind": self._source.kind,
            "mode": "stream",
            "fps": self._config.fps,
            "max_side": self._config.max_side,
        }
        info.update(self._counters.snapshot())
        return info

    def _resolve(self) -> None:
        """The source with its password, read now so a changed credential takes effect."""
        c = self._config
        self._source = resolve_source(c.source, c.password_env, where=f"{c.label} {c.id}")

    # --- worker thread --------------------------------------------------------------------

    def _probe_blocking(self) -> DeviceInfo:
        try:
            cap = open_capture(self._source)
        except CaptureError as exc:
            raise DeviceUnavailable(self._source.scrub(str(exc))) from None
        except Exception as exc:  # cv2.error must not leave the driver
            message = f"camera {self._source.redacted} could not be opened: {exc}"
            raise DeviceUnavailable(self._source.scrub(message)) from None
        try:
            ok, image = cap.read()
        except Exception as exc:
            raise DeviceUnavailable(self._source.scrub(f"camera {self._source.redacted}: {exc}")) from None
        finally:
            cap.release()
        if not ok or image is None or image.size == 0:
            raise DeviceUnavailable(f"camera {self._source.redacted} opened but returned no frame")
        height, width = image.shape[:2]
        return DeviceInfo(serial=self._source.redacted, model=f"camera {width}x{height}")

    def _work(self, bridge: LoopBridge, halt: threading.Event) -> None:
        backoff = Backoff(self._retry_initial_s, self._retry_max_s, timing=self._timing)
        while not halt.is_set():
            if backoff.attempt():
                with self._counters.lock:
                    self._counters.reconnects += 1
                _LOGGER.debug("Camera %s: reconnecting to %s", self._config.id, self._source.redacted)
            outcome, delivered, error = self._session(bridge, halt)
            if outcome == "halted" or halt.is_set():
                return
            if outcome == "ended":
                self._transition(bridge, online=False, detail="end of stream", state="ended")
                _LOGGER.info("Camera %s: end of file %s", self._config.id, self._source.redacted)
                return
            self._transition(bridge, online=False, detail=error)
            if delivered:
                backoff.worked()
            _LOGGER.debug("Camera %s: retrying in %.1f s", self._config.id, backoff.delay_s)
            if backoff.wait(halt):
                return

    def _session(self, bridge: LoopBridge, halt: threading.Event) -> tuple[_Outcome, bool, str]:
        """One open → read loop. Returns how it ended, whether frames came, and the error text."""
        try:
            cap = open_capture(self._source)
        except CaptureError as exc:
            return "lost", False, self._record_error(str(exc))
        except Exception as exc:  # OpenCV may raise cv2.error; keep it inside the driver
            return (
                "lost",
                False,
                self._record_error(f"camera {self._source.redacted} could not be opened: {exc}"),
            )
        if halt.is_set():
            cap.release()
            return "halted", False, ""
        try:
            return self._pump(cap, bridge, halt)
        except Exception as exc:
            _LOGGER.debug("Camera %s: capture failed", self._config.id, exc_info=True)
            return "lost", False, self._record_error(f"camera {self._source.redacted} failed: {exc}")
        finally:
            cap.release()

    def _pump(
        self, cap: cv2.VideoCapture, bridge: LoopBridge, halt: threading.Event
    ) -> tuple[_Outcome, bool, str]:
        reader = FrameReader(cap, self._source, halt)
        delivered = False
        next_due = 0.0
        while not halt.is_set():
            if not reader.grab():
                break
            now = time.monotonic()
            occurred_at = datetime.now(UTC)
            with self._counters.lock:
                self._counters.frames_read += 1
                self._counters.last_frame_at = occurred_at
            if not delivered:
                delivered = True
                self._transition(bridge, online=True, detail="")
            if now < next_due:
                with self._counters.lock:
                    self._counters.frames_skipped += 1
                continue
            # Keep the average at `fps`; after a stall, restart the schedule instead of bursting.
            next_due = next_due + self._period_s if next_due + self._period_s > now else now + self._period_s
            image = reader.retrieve()
            if image is None:
                break
            self._seq += 1
            frame = Frame(
                device_id=self._config.id,
                occurred_at=occurred_at,
                seq=self._seq,
                image=shrink_to_rgb(image, self._config.max_side),
            )
            bridge.post(frame)
        if halt.is_set():
            return "halted", delivered, ""
        if self._source.is_file and delivered:
            return "ended", True, ""
        message = "stopped sending frames" if delivered else "opened but returned no frame"
        return "lost", delivered, self._record_error(f"camera {self._source.redacted} {message}")

    def _record_error(self, message: str) -> str:
        message = self._source.scrub(message)
        with self._counters.lock:
            self._counters.last_error = message
        return message

    def _transition(
        self, bridge: LoopBridge, *, online: bool, detail: str, state: State | None = None
    ) -> None:
        """Emit and log a status change exactly once per transition."""
        now = datetime.now(UTC)
        changed = self._online is not online
        recovered = self._online is False
        with self._counters.lock:
            self._counters.state = state or ("online" if online else "offline")
            if not online:
                self._counters.online_since = None
            elif changed:
                self._counters.online_since = now
        if not changed:
            return
        self._online = online
        if online:
            _LOGGER.info(
                "Camera %s (%s) is %s",
                self._config.id,
                self._source.redacted,
                "back online" if recovered else "online",
            )
        elif state != "ended":
            _LOGGER.warning("Camera %s (%s) is offline: %s", self._config.id, self._source.redacted, detail)
        bridge.post(
            DeviceStatus(
                device_id=self._config.id,
                occurred_at=now,
                state="online" if online else "offline",
                detail=detail,
            )
        )

    @staticmethod
    async def _grace(finished: asyncio.Event, thread: threading.Thread) -> None:
        """Give the worker a moment to release the camera, but never hold up the caller for long."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(finished.wait(), _STOP_GRACE_S)
        if thread.is_alive():
            _LOGGER.debug("Camera thread %s still busy in OpenCV; leaving it to finish", thread.name)
