"""A fake DingTalk custom robot webhook: access token, 加签 signature, keyword security, 20/min limit.

The signature is recomputed from the robot's secret as DingTalk documents it, independently of
watchd's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time

from tests.fakes.http_provider import FakeProvider, RecordedRequest, Reply


class FakeDingTalkRobot(FakeProvider):
    def __init__(
        self, *, access_token: str = "fake-dingtalk-token", secret: str | None = "SECfakedingtalksecret",
        keyword: str | None = None, per_minute: int = 20,
    ) -> None:
        super().__init__()
        self.access_token = access_token
        self.secret = secret
        self.keyword = keyword
        self.per_minute = per_minute
        self.posted: list[dict[str, object]] = []
        self._times: list[float] = []
        self._state = threading.Lock()

    def server_error(self) -> Reply:
        return Reply(502, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"})

    def respond(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or request.path != "/robot/send":
            return Reply(404, {"errcode": 404, "errmsg": "请求的URI地址不存在"})
        if request.query.get("access_token") != self.access_token:
            return Reply(200, {"errcode": 300005, "errmsg": "token is not exist"})
        if self.secret is not None:
            stamp = request.query.get("timestamp", "")
            if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600_000:
                return Reply(200, {"errcode": 310000, "errmsg": "invalid timestamp"})
            expected = base64.b64encode(
                hmac.new(self.secret.encode("utf-8"), f"{stamp}\n{self.secret}".encode(), hashlib.sha256).digest()
            ).decode()
            if request.query.get("sign") != expected:
                return Reply(200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"})
        body = request.json()
        if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
            return Reply(200, {"errcode": 40035, "errmsg": "缺少参数 json"})
        content = body["text"]["content"]
        if self.keyword is not None and self.keyword not in content:
            return Reply(200, {"errcode": 310000, "errmsg": "keywords not in content"})
        now = time.time()
        with self._state:
            self._times = [t for t in self._times if now - t < 60]
            if len(self._times) >= self.per_minute:
                return Reply(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
            self._times.append(now)
            self.posted.append(body)
        return Reply(200, {"errcode": 0, "errmsg": "ok"})
