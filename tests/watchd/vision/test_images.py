"""decode_image refuses what is not a whole, reasonably sized photo and decodes the rest to RGB."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from watchd.vision.images import ImageRejected, decode_image, encode_jpeg

LIMITS = {"max_bytes": 5_000_000, "max_pixels": 25_000_000}


def scene(height: int = 480, width: int = 640) -> npt.NDArray[np.uint8]:
    """A smooth colour gradient with some texture: compresses like a photo, survives JPEG well."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], axis=-1)
    noise = np.random.default_rng(0).integers(0, 16, size=rgb.shape)
    return np.asarray(rgb + noise, dtype=np.uint8)


def encoded(rgb: npt.NDArray[np.uint8], ext: str, *params: int) -> bytes:
    ok, buf = cv2.imencode(ext, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), list(params))
    assert ok
    return bytes(buf.tobytes())


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims width x height RGB pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def rejection(data: bytes, **limits: int) -> str:
    with pytest.raises(ImageRejected) as info:
        decode_image(data, **{**LIMITS, **limits})
    assert info.value.message  # an English reason for the logs
    return info.value.code


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".bmp"])
def test_each_accepted_format_decodes_to_rgb_in_the_right_channel_order(ext: str) -> None:
    rgb = np.zeros((64, 96, 3), dtype=np.uint8)
    rgb[:, :32] = (255, 0, 0)
    rgb[:, 32:64] = (0, 255, 0)
    rgb[:, 64:] = (0, 0, 255)
    out = decode_image(encoded(rgb, ext), **LIMITS)
    assert out.shape == (64, 96, 3) and out.dtype == np.uint8
    # Centre of each band, away from JPEG's colour bleeding at the edges.
    assert np.abs(out[32, [16, 48, 80]].astype(int) - [[255, 0, 0], [0, 255, 0], [0, 0, 255]]).max() < 40


def test_a_photo_survives_decoding() -> None:
    rgb = scene()
    out = decode_image(encoded(rgb, ".png"), **LIMITS)
    np.testing.assert_array_equal(out, rgb)


def test_grayscale_images_become_three_equal_channels() -> None:
    gray = scene()[:, :, 0]
    for data in (encoded(np.dstack([gray] * 3), ".jpg"), bytes(cv2.imencode(".png", gray)[1].tobytes())):
        out = decode_image(data, **LIMITS)
        assert out.shape == (480, 640, 3)
        np.testing.assert_array_equal(out[:, :, 0], out[:, :, 1])
        np.testing.assert_array_equal(out[:, :, 1], out[:, :, 2])
    out = decode_image(bytes(cv2.imencode(".png", gray)[1].tobytes()), **LIMITS)
    np.testing.assert_array_equal(out[:, :, 0], gray)


def test_a_32_bit_png_loses_its_alpha_like_pillow_convert_rgb() -> None:
    rgb = scene()
    alpha = np.full(rgb.shape[:2], 128, dtype=np.uint8)
    bgra = np.dstack([cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), alpha])
    data = bytes(cv2.imencode(".png", bgra)[1].tobytes())
    assert Image.open(io.BytesIO(data)).mode == "RGBA"
    out = decode_image(data, **LIMITS)
    np.testing.assert_array_equal(out, rgb)
    np.testing.assert_array_equal(out, np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))


def test_a_16_bit_png_is_scaled_to_8_bits() -> None:
    rgb = scene()
    data = bytes(
        cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257)[1].tobytes()
    )
    np.testing.assert_array_equal(decode_image(data, **LIMITS), rgb)


def test_the_exif_orientation_of_a_phone_photo_is_applied() -> None:
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.fromarray(scene(120, 200)).save(buf, "JPEG", exif=exif)
    assert decode_image(buf.getvalue(), **LIMITS).shape == (200, 120, 3)


def test_empty_data_is_refused() -> None:
    assert rejection(b"") == "empty"


def test_data_over_the_byte_limit_is_refused_before_decoding() -> None:
    data = encoded(scene(), ".png")
    assert rejection(data, max_bytes=len(data) - 1) == "too_large"
    assert decode_image(data, max_bytes=len(data), max_pixels=LIMITS["max_pixels"]).shape == (480, 640, 3)


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes(),
        "签到 check-in log\n".encode() * 500,
        b"%PDF-1.7\n" + b"0" * 1000,
        b"GIF89a" + b"\x00" * 100,
    ],
    ids=["random-bytes", "text", "pdf", "gif"],
)
def test_what_is_not_an_accepted_image_is_refused(data: bytes) -> None:
    assert rejection(data) == "not_an_image"


def test_a_jpeg_with_a_garbled_header_is_refused() -> None:
    data = encoded(scene(), ".jpg")
    assert rejection(data[:3] + b"\x00" * 300 + data[303:]) == "not_an_image"


def test_a_jpeg_cut_in_half_is_refused_not_padded_with_grey() -> None:
    data = encoded(scene(), ".jpg", cv2.IMWRITE_JPEG_QUALITY, 90)
    assert rejection(data[: len(data) // 2]) == "truncated"
    assert rejection(data[:-2]) == "truncated"  # only the end-of-image marker missing


def test_a_cut_jpeg_is_caught_even_when_its_exif_thumbnail_is_complete() -> None:
    """The thumbnail inside APP1 has its own scan and end marker; only the main image's count."""
    thumbnail = encoded(scene(40, 60), ".jpg")
    app1 = b"Exif\x00\x00" + thumbnail
    main = encoded(scene(), ".jpg")
    data = main[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + main[2:]
    assert decode_image(data, **LIMITS).shape == (480, 640, 3)
    assert rejection(data[: len(data) * 2 // 3]) == "truncated"


def test_bytes_after_the_end_of_a_jpeg_are_tolerated() -> None:
    data = encoded(scene(), ".jpg") + b"\x00" * 64 + b"vendor trailer"
    assert decode_image(data, **LIMITS).shape == (480, 640, 3)


@pytest.mark.parametrize("ext", [".png", ".webp", ".bmp"])
def test_other_formats_cut_short_are_refused(ext: str) -> None:
    data = encoded(scene(), ext)
    assert rejection(data[: len(data) // 2]) == "truncated"


def test_a_small_file_declaring_a_huge_image_is_refused_from_its_header() -> None:
    assert rejection(png_declaring(6000, 5000)) == "too_many_pixels"  # 30 Mpx > 25 Mpx limit
    assert rejection(png_declaring(65_535, 65_535)) == "too_many_pixels"  # over Pillow's own bomb limit


def test_a_real_image_over_the_pixel_limit_is_refused() -> None:
    data = encoded(scene(1000, 1200), ".jpg")
    assert rejection(data, max_pixels=1_000_000) == "too_many_pixels"
    assert decode_image(data, max_bytes=LIMITS["max_bytes"], max_pixels=1_200_000).shape == (1000, 1200, 3)


@pytest.mark.parametrize(("height", "width"), [(1, 1), (8, 640), (20, 2000), (2000, 150)])
def test_images_too_small_or_too_elongated_for_a_face_are_refused(height: int, width: int) -> None:
    data = encoded(np.zeros((height, width, 3), dtype=np.uint8), ".png")
    assert rejection(data) == "bad_dimensions"


def test_encode_jpeg_shrinks_to_max_side_and_never_enlarges() -> None:
    rgb = scene()
    small = decode_image(encode_jpeg(rgb, max_side=240), **LIMITS)
    assert small.shape == (180, 240, 3)
    assert np.abs(small.astype(int) - cv2.resize(rgb, (240, 180), interpolation=cv2.INTER_AREA)).mean() < 6
    assert decode_image(encode_jpeg(rgb, max_side=2000), **LIMITS).shape == (480, 640, 3)
    assert len(encode_jpeg(rgb, max_side=240, quality=40)) < len(encode_jpeg(rgb, max_side=240, quality=95))


def test_encode_jpeg_refuses_what_is_not_an_rgb_image() -> None:
    with pytest.raises(ValueError, match="RGB"):
        encode_jpeg(np.zeros((10, 10), dtype=np.uint8), max_side=100)
