"""Mobile numbers in the forms providers want: Aliyun takes national numbers, Tencent and Twilio E.164."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")


def _clean(number: str) -> str:
    return _SEPARATORS.sub("", number.strip())


def is_phone_number(address: str) -> bool:
    """True for a phone number, false for other addresses (e.g. `group:duty-robot`)."""
    return bool(_PHONE.match(_clean(address)))


def e164(number: str, default_country_code: str = "86") -> str:
    """`13800000001` → `+8613800000001`; `0086…` → `+86…`; `+…` unchanged."""
    n = _clean(number)
    if n.startswith("+"):
        return n
    if n.startswith("00"):
        return "+" + n[2:]
    if default_country_code == "86" and len(n) == 13 and n.startswith("861"):
        return "+" + n
    return f"+{default_country_code}{n.lstrip('0')}"


def china_national(number: str) -> str:
    """`+8613800000001`, `008613800000001`, `8613800000001` → `13800000001`; other numbers unchanged."""
    n = _clean(number)
    for prefix in ("+86", "0086"):
        if n.startswith(prefix):
            return n[len(prefix):]
    if len(n) == 13 and n.startswith("861"):
        return n[2:]
    return n
