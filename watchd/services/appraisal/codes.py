"""Single-use appraisal codes and device fingerprints.

A code is 10 symbols of an alphabet without look-alikes (0/O, 1/I): 50 bits, printed as ABCDE-FGHJK.
Only its HMAC-SHA256 under a key derived from the server secret (watchd/alerts/secret_key.py) is
stored, so a copy of the database cannot vote. A device is the HMAC of the round, the client's
address and its browser string: the same device counts together within a round and cannot be
followed across rounds; nothing raw is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalised(text: str) -> str | None:
    """The code as typed (any case, spaces and dashes), or None when it cannot be a code."""
    code = "".join(ch for ch in text.upper() if ch not in " -\u3000\t")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


class CodeKey:
    def __init__(self, secret: bytes) -> None:
        self._codes = hmac.new(secret, b"watchd appraisal codes v1", hashlib.sha256).digest()
        self._devices = hmac.new(secret, b"watchd appraisal devices v1", hashlib.sha256).digest()

    def hash(self, code: str) -> str:
        return hmac.new(self._codes, code.encode("ascii"), hashlib.sha256).hexdigest()

    def device(self, round_id: int, address: str, user_agent: str) -> str:
        text = f"{round_id}\n{address}\n{user_agent[:300]}".encode()
        return hmac.new(self._devices, text, hashlib.sha256).hexdigest()
