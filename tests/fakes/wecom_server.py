"""A fake WeCom group robot webhook: robot key, 2048-byte text limit, 20/min limit, WeCom's errcodes."""

from __future__ import annotations

import threading
import time

from tests.fakes.http_provider import FakeProvider, RecordedRequest, Reply


class FakeWeComRobot(FakeProvider):
    def __init__(self, *, key: str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", per_minute: int = 20) -> None:
        super().__init__()
        self.key = key
        self.per_minute = per_minute
        self.posted: list[dict[str, object]] = []
        self._times: list[float] = []
        self._state = threading.Lock()

    def server_error(self) -> Reply:
        return Reply(500, {"errcode": -1, "errmsg": "system error"})

    def respond(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or request.path != "/cgi-bin/webhook/send":
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        if request.query.get("key") != self.key:
            return Reply(200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1732591234_1_abc], from ip: 127.0.0.1"})
        body = request.json()
        if body.get("msgtype") != "text":
            return Reply(200, {"errcode": 40008, "errmsg": "invalid message type"})
        content = body.get("text", {}).get("content", "")
        if not content:
            return Reply(200, {"errcode": 44004, "errmsg": "empty content"})
        if len(content.encode()) > 2048:
            return Reply(200, {"errcode": 45002, "errmsg": "content exceed max length"})
        now = time.time()
        with self._state:
            self._times = [t for t in self._times if now - t < 60]
            if len(self._times) >= self.per_minute:
                return Reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
            self._times.append(now)
            self.posted.append(body)
        return Reply(200, {"errcode": 0, "errmsg": "ok"})
