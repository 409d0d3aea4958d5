"""HTTP to a real `watchd run` in the end-to-end tests, waiting as long as a user's browser would.

httpx gives up after 5 s. A daemon that has just started (or restarted after a SIGKILL) runs its
catch-up jobs beside the first requests, and on a CI box whose other worker drives a browser the
first answer has taken 2-5 s; a browser would have waited. The tests assert what the answers say,
and a stalled daemon still fails them, at 30 s."""

from __future__ import annotations

from typing import Any

import httpx

PATIENCE = httpx.Timeout(30.0)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(url, timeout=kwargs.pop("timeout", PATIENCE), **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, timeout=kwargs.pop("timeout", PATIENCE), **kwargs)


def put(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.put(url, timeout=kwargs.pop("timeout", PATIENCE), **kwargs)
