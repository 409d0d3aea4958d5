"""A fake webhook receiver (our generic webhook channel's protocol) on loopback, built on the shared
`FakeProvider` server. It keeps every accepted message by our message id, answers status queries,
and can be made flaky (every other call refused with 503) or down (every call 503)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from tests.fakes.http_provider import FakeProvider, RecordedRequest, Reply


class WebhookReceiver(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.accepted: dict[str, dict[str, Any]] = {}  # message_id -> body
        self.posts: Counter[str] = Counter()  # message_id -> POSTs that reached us (accepted or not)
        self.repeats: Counter[str] = Counter()  # message_id -> POSTs after we had accepted it (must stay 0)
        self.flaky = False
        self.down = False
        self.refuse: set[str] = set()  # recipients answered 400 (bad number)
        self._calls = 0
        self._state = threading.Lock()
        # Poll for shutdown every 50 ms instead of 500 ms: closing the server at the end of a test is quick.
        self._thread = threading.Thread(
            target=lambda: self._server.serve_forever(poll_interval=0.05), name="webhook-receiver", daemon=True
        )

    @property
    def send_url(self) -> str:
        return self.url + "/send"

    @property
    def status_url(self) -> str:
        return self.url + "/status"

    def respond(self, request: RecordedRequest) -> Reply:
        if request.method == "GET" and request.path == "/status":
            found = self.accepted.get(request.query.get("message_id", ""))
            if found is None:
                return Reply(404, {"error": "no such message"})
            return Reply(200, {"status": "accepted", "id": found["_id"]})
        body = request.json()
        message_id = str(body["message_id"])
        with self._state:
            self.posts[message_id] += 1
            if message_id in self.accepted:
                self.repeats[message_id] += 1
            self._calls += 1
            flake = self.flaky and self._calls % 2 == 1
        if self.down or flake:
            return Reply(503, {"error": "busy"}, {"Retry-After": "1"})
        if body["recipient"] in self.refuse:
            return Reply(400, {"error": "bad recipient"})
        with self._state:
            first = message_id not in self.accepted
            if first:
                self.accepted[message_id] = {**body, "_id": f"r{len(self.accepted) + 1}"}
        return Reply(200 if first else 409, {"id": self.accepted[message_id]["_id"]})

    def server_error(self) -> Reply:
        return Reply(500, {"error": "internal"})

    def texts_to(self, recipient: str) -> list[str]:
        return [b["text"] for b in self.accepted.values() if b["recipient"] == recipient]
