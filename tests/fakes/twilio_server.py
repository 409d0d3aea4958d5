"""A fake Twilio Messages API (2010-04-01): basic auth, form-encoded creates, Twilio's error bodies.

`callback_signature` signs a status callback or an inbound-SMS webhook the way Twilio does, written
from Twilio's documentation independently of watchd's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from dataclasses import dataclass

from tests.fakes.http_provider import FakeProvider, RecordedRequest, Reply

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})/Messages(?:/(?P<sid>SM[0-9a-f]{32}))?\.json$")


def callback_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    data = url
    for name in sorted(params):
        data += name + params[name]
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()).decode()


@dataclass
class TwilioMessage:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    status: str = "queued"


class FakeTwilio(FakeProvider):
    def __init__(
        self,
        *,
        account_sid: str = "AC" + "0" * 31 + "1",
        auth_token: str = "fake-twilio-token",
        numbers: tuple[str, ...] = ("+15005550006",),
        per_number_burst: int = 5,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.numbers = numbers
        self.per_number_burst = per_number_burst
        self.messages: list[TwilioMessage] = []
        self.final_status = "delivered"
        self._state = threading.Lock()

    def server_error(self) -> Reply:
        return Reply(503, {"code": 20503, "message": "Service Unavailable", "more_info": "https://www.twilio.com/docs/errors/20503", "status": 503})

    def respond(self, request: RecordedRequest) -> Reply:
        match = MESSAGES.match(request.path)
        if not match:
            return self._error(404, 20404, "The requested resource was not found")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if match["account"] != self.account_sid or request.headers.get("authorization") != expected:
            return self._error(401, 20003, "Authenticate")
        if request.method == "POST" and not match["sid"]:
            return self._create(request.form())
        if request.method == "GET" and match["sid"]:
            found = [m for m in self.messages if m.sid == match["sid"]]
            return Reply(200, self._resource(found[0])) if found else self._error(404, 20404, "not found")
        if request.method == "GET":
            to = request.query.get("To")
            rows = [m for m in reversed(self.messages) if to is None or m.to == to]
            size = int(request.query.get("PageSize", "50"))
            return Reply(200, {"messages": [self._resource(m) for m in rows[:size]], "page": 0, "page_size": size})
        return self._error(405, 20004, "Method not allowed")

    def _create(self, form: dict[str, str]) -> Reply:
        to = form.get("To", "")
        if not E164.match(to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        sender = form.get("From")
        if sender is not None and sender not in self.numbers:
            return self._error(400, 21606, f"The From phone number {sender} is not a valid, SMS-capable inbound phone number or short code for your account.")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        with self._state:
            if sum(1 for m in self.messages if m.to == to) >= self.per_number_burst:
                return self._error(429, 20429, "Too Many Requests")
            sid = "SM" + f"{len(self.messages) + 1:032x}"
            message = TwilioMessage(sid, to, sender or "", form["Body"], form.get("StatusCallback"))
            self.messages.append(message)
            reply = Reply(201, self._resource(message))
            message.status = self.final_status
        return reply

    def _resource(self, m: TwilioMessage) -> dict[str, object]:
        return {
            "sid": m.sid, "account_sid": self.account_sid, "to": m.to, "from": m.from_, "body": m.body,
            "status": m.status, "num_segments": "1", "direction": "outbound-api", "error_code": None,
            "error_message": None, "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{m.sid}.json",
        }

    @staticmethod
    def _error(status: int, code: int, message: str) -> Reply:
        return Reply(status, {"code": code, "message": message,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})
