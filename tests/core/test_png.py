"""The parallel PNG writer: valid files, exact pixels, whatever the segmentation."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from colorstudio.core.io import png

rng = np.random.default_rng(0)


def idat_stream(data: bytes) -> bytes:
    """The concatenated IDAT payload, checking every chunk's CRC on the way."""
    pos, out = 8, b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body), kind
        if kind == b"IDAT":
            out += body
        pos += 12 + n
    return out


def cv2_rgb(data: bytes, channels: int) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if channels == 2:   # OpenCV reads gray + alpha as BGRA
        return img[:, :, [0, 3]]
    if channels >= 3:
        return img[:, :, [2, 1, 0, 3][:channels]]
    return img


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("segment", [64, 1 << 21])
@pytest.mark.parametrize("deflater", ["installed", "zlib"])
def test_round_trip_is_exact(monkeypatch, channels, dtype, segment, deflater):
    monkeypatch.setattr(png, "SEGMENT_BYTES", segment)  # 64: one row per deflate job
    if deflater == "zlib":
        monkeypatch.setattr(png, "_isal", None)
    shape = (37, 53) if channels == 1 else (37, 53, channels)
    img = rng.integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)
    data = png.encode_png(img)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(cv2_rgb(data, channels).reshape(shape), img)
    if dtype == np.uint8 or channels == 1:  # Pillow has no 16-bit LA / RGB(A) modes
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))).reshape(shape), img)
    raw = zlib.decompress(idat_stream(data))  # checks the Adler-32 of the whole stream
    assert len(raw) == img.shape[0] * (img[0].nbytes + 1)


def test_threads_do_not_change_the_bytes(monkeypatch):
    monkeypatch.setattr(png, "SEGMENT_BYTES", 1000)
    img = rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)
    assert png.encode_png(img, threads=True) == png.encode_png(img, threads=False)


def test_smooth_images_compress_well_and_level_is_honoured():
    y, x = np.mgrid[0:256, 0:256]
    img = np.dstack([x, y, (x + y) // 2]).astype(np.uint8)
    fast, small = png.encode_png(img, level=1), png.encode_png(img, level=9)
    assert len(small) <= len(fast) < img.nbytes / 10
    for data in (fast, small):
        np.testing.assert_array_equal(cv2_rgb(data, 3), img)


def test_write_png_streams_to_a_file(tmp_path):
    img = rng.integers(0, 256, (64, 48), dtype=np.uint8)
    path = tmp_path / "a.png"
    with open(path, "wb") as f:
        png.write_png(f, img)
    np.testing.assert_array_equal(cv2.imread(str(path), cv2.IMREAD_UNCHANGED), img)


@pytest.mark.parametrize("bad, msg", [
    (np.zeros((4, 4), np.float32), "uint8 or uint16"),
    (np.zeros((4, 4, 5), np.uint8), "shape"),
    (np.zeros((0, 4), np.uint8), "empty"),
])
def test_clear_errors(bad, msg):
    with pytest.raises(ValueError, match=msg):
        png.encode_png(bad)


def test_deflate_engine_choice(monkeypatch):
    pytest.importorskip("isal")
    assert png.engine(png.FAST) == "isal" and png.engine(2) == "isal"
    assert png.engine(9) == "zlib"          # ISA-L stops at level 3: zlib keeps the high levels
    monkeypatch.setattr(png, "_isal", None)
    assert png.engine(png.FAST) == "zlib"
