"""A fake HTTP MJPEG camera on loopback, in a thread (tests only).

`GET /video` answers `multipart/x-mixed-replace` with one JPEG part per picture, paced at `fps`,
like the MJPEG URL of a cheap IP camera. Each picture comes from `render()` (a grey or BGR
array), called when the part is sent, so a test changes the scene by changing what its
`render` returns.

Faults, switched on and off while the stream runs by setting `fault`:
- "garbage": the multipart framing stays intact, but each part's body is random bytes;
- "truncated": each JPEG is cut off half-way (the part says so in its Content-Length);
- "noise": random bytes with no framing at all, instead of parts.
`stop()` closes the listening socket and every open stream (the camera is gone); `start()`
listens again on the same port.
"""

from __future__ import annotations

import random
import select
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

Fault = Literal["garbage", "truncated", "noise"]
BOUNDARY = "watchdframe"


class MjpegServer:
    """See the module docstring."""

    def __init__(self, render: Callable[[], npt.NDArray[np.uint8]], *, fps: float = 10.0, quality: int = 85) -> None:
        self.render = render
        self.fps = fps
        self.quality = quality
        self.fault: Fault | None = None
        self.parts_sent = 0
        self.connections = 0
        self.open_streams = 0  # clients being served now
        self.max_open_streams = 0  # the most at any one time (a camera watched twice shows as 2)
        self._random = random.Random(3)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video"

    def start(self) -> MjpegServer:
        self._closing = threading.Event()  # streams of an earlier start() end with that one's event
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=f"mjpeg-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and end every open stream."""
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> MjpegServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- one stream ------------------------------------------------------------------------

    def _noise(self, size: int) -> bytes:
        with self._lock:
            return self._random.randbytes(size)

    def next_chunk(self) -> bytes:
        """The bytes of the next picture, as the current `fault` dictates."""
        ok, encoded = cv2.imencode(".jpg", self.render(), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        assert ok, "JPEG encoding failed"
        jpeg = np.asarray(encoded).tobytes()
        fault = self.fault
        if fault == "noise":
            return self._noise(len(jpeg))
        if fault == "garbage":
            jpeg = self._noise(len(jpeg))
        elif fault == "truncated":
            jpeg = jpeg[: len(jpeg) // 2]
        head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
        return head + jpeg + b"\r\n"

    def serve_stream(self, write: Callable[[bytes], object], client: socket.socket | None = None) -> None:
        """Send parts until stopped or, when `client` is given, until the client hangs up (noticed
        at once: the socket turns readable at end of file, no need to wait for a failed write)."""
        interval, closing = 1.0 / self.fps, self._closing
        with self._lock:
            self.open_streams += 1
            self.max_open_streams = max(self.max_open_streams, self.open_streams)
        try:
            while not closing.is_set():
                if client is None:
                    closing.wait(interval)
                elif select.select([client], [], [], interval)[0] and not client.recv(1, socket.MSG_PEEK):
                    return
                if closing.is_set():
                    return
                write(self.next_chunk())
                self.parts_sent += 1
        finally:
            with self._lock:
                self.open_streams -= 1


def _handler_for(server: MjpegServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/video":
                self.send_error(404)
                return
            server.connections += 1
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                server.serve_stream(self._send, self.connection)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client went away

        def _send(self, data: bytes) -> None:
            self.wfile.write(data)
            self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
