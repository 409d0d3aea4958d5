"""A reader for dlib's binary serialization (dlib/serialize.h, dlib/dnn/tensor.h), enough for a DNN.

Integers use dlib's compact encoding: one header byte (low 4 bits: how many little-endian bytes
follow; 0x80: negative; the other bits must be clear), then the magnitude. Floats and doubles are
a float_details pair: int64 mantissa and int16 exponent in that encoding, value = m * 2**e.
Booleans are the characters '1' / '0'; strings are a length, then the bytes. A tensor (version 2)
is its four dimensions, then raw little-endian float32 values; an alias_tensor is a version and
four dimensions. Every read says what it expected and where, so a foreign or truncated file gives
a clear error rather than a wrong network.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["DlibReader", "ModelFormatError"]

_NEGATIVE: Final = 0x80
_SIZE_MASK: Final = 0x0F
_FLOAT_SPECIAL: Final = {32000: math.inf, 32001: -math.inf, 32002: math.nan}  # float_details codes


class ModelFormatError(ValueError):
    """The file is not the dlib model expected: says what was expected and at which byte."""


class DlibReader:
    """Sequential reads from the bytes of one serialized dlib object."""

    def __init__(self, data: bytes, source: str) -> None:
        self._data = memoryview(data)
        self.source = source
        self.offset = 0

    def error(self, message: str, at: int | None = None) -> ModelFormatError:
        return ModelFormatError(f"{self.source}: byte {self.offset if at is None else at}: {message}")

    def _take(self, count: int, what: str) -> memoryview:
        end = self.offset + count
        if count < 0 or end > len(self._data):
            raise self.error(f"file ends inside {what} (needs {count} more bytes, {self.remaining} left)")
        chunk = self._data[self.offset : end]
        self.offset = end
        return chunk

    @property
    def remaining(self) -> int:
        return len(self._data) - self.offset

    def integer(self, what: str, max_bytes: int = 8) -> int:
        start = self.offset
        header = self._take(1, what)[0]
        size = header & _SIZE_MASK
        if header & 0x70 or size > max_bytes:
            raise self.error(f"{what}: not a dlib integer (header byte 0x{header:02x})", start)
        magnitude = int.from_bytes(self._take(size, what), "little")
        return -magnitude if header & _NEGATIVE else magnitude

    def count(self, what: str) -> int:
        """A non-negative integer (dlib's long / unsigned long sizes)."""
        start = self.offset
        value = self.integer(what)
        if value < 0:
            raise self.error(f"{what}: negative ({value})", start)
        return value

    def real(self, what: str) -> float:
        mantissa = self.integer(f"{what} (mantissa)")
        exponent = self.integer(f"{what} (exponent)", max_bytes=2)
        if exponent in _FLOAT_SPECIAL:
            return _FLOAT_SPECIAL[exponent]
        return math.ldexp(float(mantissa), exponent)

    def flag(self, what: str) -> bool:
        start = self.offset
        char = self._take(1, what)[0]
        if char not in (ord("0"), ord("1")):
            raise self.error(f"{what}: expected '0' or '1', found 0x{char:02x}", start)
        return char == ord("1")

    def text(self, what: str, max_length: int = 256) -> str:
        start = self.offset
        length = self.count(f"{what} (length)")
        if length > max_length:
            raise self.error(f"{what}: a string of {length} bytes is not plausible here", start)
        try:
            return bytes(self._take(length, what)).decode("ascii")
        except UnicodeDecodeError:
            raise self.error(f"{what}: not an ASCII string", start) from None

    def expect_text(self, expected: str, what: str) -> None:
        start = self.offset
        found = self.text(what)
        if found != expected:
            raise self.error(f"{what}: expected {expected!r}, found {found!r}", start)

    def expect_integer(self, allowed: tuple[int, ...], what: str) -> int:
        start = self.offset
        value = self.integer(what)
        if value not in allowed:
            raise self.error(f"{what}: expected {' or '.join(map(str, allowed))}, found {value}", start)
        return value

    def _shape(self, what: str) -> tuple[int, int, int, int]:
        n, k, nr, nc = (self.count(f"{what} ({dim})") for dim in ("num_samples", "k", "nr", "nc"))
        return n, k, nr, nc

    def tensor(self, what: str) -> npt.NDArray[np.float32]:
        """A tensor as a float32 array of shape (num_samples, k, nr, nc)."""
        start = self.offset
        version = self.integer(f"{what} (tensor version)")
        if version != 2:
            raise self.error(f"{what}: tensor version {version}; only version 2 (raw float32) is read", start)
        shape = self._shape(what)
        size = math.prod(shape)
        raw = self._take(4 * size, f"{what} ({size} floats)")
        values = np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
        if not np.isfinite(values).all():
            raise self.error(f"{what}: holds NaN or infinite values", start)
        return values

    def alias_shape(self, what: str) -> tuple[int, int, int, int]:
        self.expect_integer((1,), f"{what} (alias_tensor version)")
        return self._shape(what)

    def expect_end(self) -> None:
        if self.remaining:
            raise self.error(f"{self.remaining} unexpected bytes after the end of the network")
