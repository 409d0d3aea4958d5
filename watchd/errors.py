"""Errors the services raise to the API and the CLI. Each carries a stable code."""

from __future__ import annotations

from watchd.messages import zh


class ServiceError(Exception):
    """`code` is stable and machine-readable; `message` is English, for logs."""

    status = 400
    #: The user's message in Chinese when the code's own text is not enough (else `zh(code)`).
    text: str | None = None

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.details = details


class NotFound(ServiceError):
    status = 404


class Invalid(ServiceError):
    status = 422


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    """The caller is known but may not do this (another person's request, a role without the right)."""

    status = 403


class Conflict(ServiceError):
    status = 409


class TooLarge(ServiceError):
    status = 413


def already_decided(code: str, message: str, state: str, state_text: str) -> Conflict:
    """409 for a decision on a request that is no longer pending; the answer names its state."""
    exc = Conflict(code, message, state=state, state_text=state_text)
    exc.text = f"{zh(code)}（当前状态：{state_text}）"
    return exc
