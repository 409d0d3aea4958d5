"""Reading uploaded images with a size limit and a content-type check."""

from __future__ import annotations

from fastapi import UploadFile

from watchd.errors import ServiceError, TooLarge

ACCEPTED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/bmp"})


class UnsupportedMedia(ServiceError):
    status = 415


async def read_image_upload(upload: UploadFile, max_bytes: int) -> bytes:
    name = upload.filename or "upload"
    ctype = (upload.content_type or "").split(";")[0].strip().lower()
    if ctype not in ACCEPTED_TYPES:
        raise UnsupportedMedia(
            "unsupported_media_type", f"{name}: content type {ctype or 'missing'!r} is not an image type",
            filename=name,
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge("too_large", f"{name}: larger than {max_bytes} bytes", filename=name)
    return data
