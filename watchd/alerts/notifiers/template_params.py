"""Filling a provider's approved SMS template from an outgoing message.

Aliyun and Tencent only send pre-approved templates; the configuration maps each template variable
to one of the message's parameters (`site`, `time`, `event`, `link`, ...) or to `text` (the whole
message) or `incident_code` (the reply code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

from pydantic import StringConstraints

from watchd.alerts.notifiers.base import OutgoingMessage

ParamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")]

TEXT_SOURCE = "text"
CODE_SOURCE = "incident_code"


class MissingTemplateParam(ValueError):
    """The message lacks a parameter the channel's template needs."""


def param_value(message: OutgoingMessage, source: str) -> str:
    if source in message.template_params:
        return message.template_params[source]
    if source == TEXT_SOURCE:
        return message.text
    if source == CODE_SOURCE:
        return message.incident_code
    raise MissingTemplateParam(f"message has no template parameter {source!r}")


def named_params(message: OutgoingMessage, mapping: Mapping[str, str]) -> dict[str, str]:
    """Template variable → value; an empty mapping passes the message's parameters through unchanged."""
    if not mapping:
        return dict(message.template_params)
    return {variable: param_value(message, source) for variable, source in mapping.items()}


def ordered_params(message: OutgoingMessage, sources: Sequence[str]) -> list[str]:
    """Values for positional templates ({1}, {2}, ... in Tencent's)."""
    return [param_value(message, source) for source in sources]
