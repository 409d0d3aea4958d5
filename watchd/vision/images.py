"""Untrusted image bytes in, RGB arrays out; small JPEG snapshots back.

Every check that can be made before the expensive decode is made first: the byte size, the
format's magic bytes, the pixel count from the header (a small file may declare a huge image),
and whether the file is complete (OpenCV silently fills a cut-off JPEG with grey).
"""

from __future__ import annotations

import io
import struct
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

#: Images with a side shorter than this cannot hold a usable face.
MIN_SIDE: Final = 16
#: Longest side over shortest side; anything more elongated is not a photo of a person.
MAX_ASPECT: Final = 10.0

_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_PNG_END: Final = b"\x00\x00\x00\x00IEND"  # an empty IEND chunk: length 0, then the type


class ImageRejected(ValueError):
    """The bytes are not an image we accept. `code` is stable; `message` is English, for logs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def decode_image(data: bytes, *, max_bytes: int, max_pixels: int) -> npt.NDArray[np.uint8]:
    """Decode JPEG, PNG, WebP or BMP bytes into a contiguous RGB uint8 array of shape (H, W, 3).

    Grey images are expanded to three channels, alpha is dropped (like Pillow's convert("RGB")),
    16-bit images are scaled to 8 bits, and a JPEG's EXIF orientation is applied.
    Raises ImageRejected with code "empty", "too_large", "not_an_image", "bad_dimensions",
    "too_many_pixels" or "truncated".
    """
    if not data:
        raise ImageRejected("empty", "no image data")
    if len(data) > max_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes is more than the limit of {max_bytes}")
    fmt = _sniff_format(data)
    if fmt is None:
        raise ImageRejected("not_an_image", "not a JPEG, PNG, WebP or BMP file")
    if not _is_complete(data, fmt):
        raise ImageRejected("truncated", f"the {fmt} data ends before the image does")
    width, height = _header_size(data, fmt)
    _check_dimensions(width, height, max_pixels)
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.ndim != 3 or bgr.shape[2] != 3:
        raise ImageRejected("not_an_image", f"the {fmt} data could not be decoded")
    if bgr.shape[:2] not in ((height, width), (width, height)):  # EXIF orientation may swap them
        raise ImageRejected(
            "bad_dimensions", f"decoded {bgr.shape[1]}x{bgr.shape[0]}, header said {width}x{height}"
        )
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)


def encode_jpeg(rgb: npt.NDArray[np.uint8], *, max_side: int, quality: int = 85) -> bytes:
    """A JPEG of an RGB image, shrunk (never enlarged) so that its longest side is at most max_side."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1:
        raise ValueError(f"expected a non-empty RGB uint8 image, got {rgb.dtype} {rgb.shape}")
    if max_side < 1 or not 1 <= quality <= 100:
        raise ValueError(f"bad max_side {max_side} or quality {quality}")
    height, width = rgb.shape[:2]
    scale = max_side / max(height, width)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - libjpeg does not fail on a valid array
        raise ValueError("JPEG encoding failed")
    return bytes(buf.tobytes())


def _sniff_format(data: bytes) -> str | None:
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:2] == b"BM":
        return "BMP"
    return None


def _header_size(data: bytes, fmt: str) -> tuple[int, int]:
    """Width and height from the header only: Image.open does not decode pixels."""
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as im:
            width, height = im.size
    except Image.DecompressionBombError as exc:  # Pillow's own limit, far above any sane one
        raise ImageRejected("too_many_pixels", f"header declares a decompression bomb ({exc})") from exc
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise ImageRejected("not_an_image", f"the {fmt} header is unreadable ({exc})") from exc
    return int(width), int(height)


def _check_dimensions(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageRejected(
            "too_many_pixels", f"{width}x{height} is more than the limit of {max_pixels} pixels"
        )
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageRejected("bad_dimensions", f"{width}x{height} is too small or too elongated for a photo")


def _is_complete(data: bytes, fmt: str) -> bool:
    if len(data) < 32:
        return False
    if fmt == "JPEG":
        return _jpeg_is_complete(data)
    if fmt == "PNG":
        return data.find(_PNG_END, len(_PNG_MAGIC)) >= 0
    if fmt == "WEBP":
        (riff_size,) = struct.unpack_from("<I", data, 4)
        return len(data) >= 8 + int(riff_size)
    (file_size,) = struct.unpack_from("<I", data, 2)  # BMP; some writers leave it 0
    return file_size == 0 or len(data) >= int(file_size)


def _jpeg_is_complete(data: bytes) -> bool:
    """True when the header segments are whole and an EOI marker follows the first scan.

    A broken segment structure is not truncation: it raises ImageRejected("not_an_image").

    The segments are walked by their lengths, so an EXIF thumbnail (a complete JPEG with its own
    scan and EOI inside APP1) is skipped. Inside entropy-coded data every 0xFF byte is followed
    by 0x00 or a restart marker, so the first FF D9 after the start of scan is the real EOI.
    """
    pos = 2
    size = len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            raise ImageRejected("not_an_image", f"JPEG structure broken at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD8 or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data up to EOI
            return data.find(b"\xff\xd9", pos + 2 + length) >= 0
        pos += 2 + int(length)
    return False
