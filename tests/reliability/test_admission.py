"""Issue 33, class 5 (part): an image's size is admitted from its header before any decoder
runs -- also for the TIFFs Pillow cannot parse, which OpenCV decoded whole first (6.4 GB for a
14 KB deflate float TIFF claiming 16000x16000)."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from colorstudio.core.io import imageio


def _float_tiff(w: int = 64, h: int = 48) -> bytes:
    ok, buf = cv2.imencode(".tiff", np.random.default_rng(0).random((h, w, 3)).astype(np.float32))
    assert ok
    return buf.tobytes()


def _claim(data: bytes, w: int, h: int) -> bytes:
    """The same file with its first IFD's width and height tags rewritten."""
    b = bytearray(data)
    e = "<" if b[:2] == b"II" else ">"
    off = struct.unpack_from(e + "I", b, 4)[0]
    n = struct.unpack_from(e + "H", b, off)[0]
    for i in range(n):
        p = off + 2 + 12 * i
        tag, typ = struct.unpack_from(e + "HH", b, p)
        if tag in (256, 257):
            struct.pack_into(e + ("H" if typ == 3 else "I"), b, p + 8, w if tag == 256 else h)
    return bytes(b)


def test_the_header_gives_the_size_of_a_tiff_pillow_cannot_parse():
    data = _float_tiff()
    assert imageio.tiff_size(data) == (64, 48)
    assert imageio.decode_image(data, "small.tif").shape == (48, 64, 3)   # still read


def test_a_huge_claimed_float_tiff_is_refused_before_decoding(tmp_path, monkeypatch):
    f = tmp_path / "bomb.tif"
    f.write_bytes(_claim(_float_tiff(), 16000, 16000))
    assert imageio.tiff_size(f.read_bytes()) == (16000, 16000)
    calls = []
    monkeypatch.setattr(cv2, "imdecode", lambda *a, **k: calls.append(a) or None)
    with pytest.raises(imageio.ImageReadError, match="16000x16000 is 256 megapixels, over the limit"):
        imageio.read_image(f, max_pixels=200_000_000)
    assert not calls


def test_a_tiff_without_a_readable_size_is_refused(tmp_path):
    data = bytearray(_float_tiff())
    struct.pack_into("<I", data, 4, len(data) + 100)   # the first IFD points past the end
    with pytest.raises(imageio.ImageReadError):
        imageio.decode_image(bytes(data), "broken.tif")
