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


def test_a_jpeg_repeating_one_scan_is_refused_at_once():
    """Issue 33, class 6: 20,000 repeats of one progressive scan kept the decoder busy 300 s."""
    import time
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("L", (16, 16), 128).save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    sos = data.rindex(b"\xff\xda")
    scan = data[sos:-2]            # the last scan, up to the end-of-image marker
    bomb = data[:-2] + scan * 20_000 + b"\xff\xd9"
    t0 = time.perf_counter()
    with pytest.raises(imageio.ImageReadError, match="more than 1000 scans"):
        imageio.decode_image(bomb, "bomb.jpg")
    assert time.perf_counter() - t0 < 5
    assert imageio.decode_image(data, "ok.jpg").shape == (16, 16)



def test_a_big_jpeg_repeating_one_scan_is_refused_by_its_scan_budget():
    """Issue 33, class 6 (another member): under the 1000-scan cap, 900 repeats of one scan of
    a 4000x4000 JPEG (90 KB) kept the decoder 16 s: scans x pixels is bounded too."""
    import time
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("L", (4000, 4000), 128).save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    scan = data[data.rindex(b"\xff\xda"):-2]
    t0 = time.perf_counter()
    with pytest.raises(imageio.ImageReadError, match="a JPEG of 906 scans at 4000x4000"):
        imageio.decode_image(data[:-2] + scan * 900 + b"\xff\xd9", "scans.jpg")
    assert time.perf_counter() - t0 < 2
    small = BytesIO()
    Image.new("L", (64, 64), 128).save(small, "JPEG", progressive=True)
    data = small.getvalue()
    scan = data[data.rindex(b"\xff\xda"):-2]
    assert imageio.decode_image(data[:-2] + scan * 30 + b"\xff\xd9", "ok.jpg").shape == (64, 64)

def test_a_jpeg_of_an_odd_progression_decodes_without_library_lines(tmp_path):
    """Issue 33, class 10 (library noise): OpenCV's libjpeg printed "Inconsistent progression
    sequence" on a JPEG repeating one scan 30 times; such a file is decoded by Pillow, quietly,
    to the same picture size -- checked on stderr's file descriptor, in a fresh process."""
    import subprocess
    import sys
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)).save(
        buf, "JPEG", progressive=True)
    data = buf.getvalue()
    scan = data[data.rindex(b"\xff\xda"):-2]
    path = tmp_path / "scans30.jpg"
    path.write_bytes(data[:-2] + scan * 30 + b"\xff\xd9")
    code = ("import sys; from colorstudio.core.io import imageio; "
            "print(imageio.read_image(sys.argv[1]).shape)")
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "(64, 64)", res.stderr
    assert res.stderr == ""


def test_a_tiff_of_100k_pages_is_counted_in_bounded_time():
    """Issue 33, class 6: 100k IFDs took 83 s to count (Pillow, quadratic)."""
    import time

    e, n = "<", 100_000
    ok, one = cv2.imencode(".tiff", np.full((4, 4), 7, np.uint8))
    base = bytearray(one.tobytes())
    off = struct.unpack_from(e + "I", base, 4)[0]
    entries = struct.unpack_from(e + "H", base, off)[0]
    ifd = bytes(base[off:off + 2 + 12 * entries])
    out = bytearray(base)
    next_field = off + 2 + 12 * entries
    for _ in range(n):    # chain n copies of the first IFD (all pointing at the same pixels)
        at = len(out)
        struct.pack_into(e + "I", out, next_field, at)
        out += ifd + b"\0\0\0\0"
        next_field = at + len(ifd)
    t0 = time.perf_counter()
    notes: list[str] = []
    img = imageio.decode_image(bytes(out), "pages.tif", notes=notes)
    assert img.shape == (4, 4) and time.perf_counter() - t0 < 10
    assert notes and "more than 1000 pages" in notes[0], notes


@pytest.mark.parametrize("family,config", [("unet-gan", {"depth": 1_000_000}), ("zhang-bins", {"grid": 1e-6}),
                                           ("effnet-unet", {"decoder": [8, 8, 8, 10 ** 7]})])
def test_model_options_out_of_range_are_refused_from_a_weights_file(tmp_path, family, config):
    """Issue 33, class 5: weights metadata 'depth: 1000000' or 'grid: 1e-6' spent gigabytes first."""
    import resource

    import torch

    from colorstudio.core.io import checkpoint
    from colorstudio.models import create

    w = tmp_path / "w.safetensors"
    checkpoint.save_weights(w, {"x": torch.zeros(1)}, {"family": family, "config": config})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(checkpoint.CheckpointError, match="out of range"):
        create(family, weights=w)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000   # kB: nothing was built


def test_float_and_wide_integer_tiffs_keep_their_picture():
    """Issue 33, class 10: a float32 TIFF in 0-255 and an int32 TIFF were all white (exit 0); a
    float TIFF holding NaN was blamed on the model's weights."""
    ramp = np.linspace(0, 255, 64, dtype=np.float32)[None].repeat(8, 0)
    notes: list[str] = []
    ok, buf = cv2.imencode(".tiff", ramp)
    got = imageio.decode_image(buf.tobytes(), "f255.tif", notes=notes)
    assert got.dtype == np.float32 and 0.99 < float(got.max()) <= 1.0 and "0-255 scale" in notes[0]
    ok, buf = cv2.imencode(".tiff", (ramp * 1000).astype(np.int32))
    got = imageio.decode_image(buf.tobytes(), "i32.tif")
    assert got.dtype == np.float32 and float(got.max()) == 1.0 and float(got.min()) == 0.0
    assert len(np.unique(got)) > 32                  # a ramp, not a white field
    ok, buf = cv2.imencode(".tiff", (ramp * 200).astype(np.int32))
    assert imageio.decode_image(buf.tobytes(), "i16.tif").dtype == np.uint16
    nan = ramp.copy()
    nan[0, 0] = np.nan
    ok, buf = cv2.imencode(".tiff", nan)
    with pytest.raises(imageio.ImageReadError, match="NaN or infinite pixel values"):
        imageio.decode_image(buf.tobytes(), "nan.tif")


def _png_header_only(w: int, h: int, dpi: int) -> bytes:
    """A PNG whose header claims w x h (gray 8-bit) with a pHYs chunk: what a scan's metadata
    read sees (the pixels are never decoded for it)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ppm = round(dpi / 0.0254)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("megapixels", [120, 190])
def test_a_big_scan_keeps_its_dpi_and_prints_no_pillow_warning(tmp_path, megapixels):
    """Issue 33, class 10: Pillow's own bomb limit (a warning from 90 MP, an error from 179 MP)
    stopped the metadata read: 190 MP PNGs lost their DPI, 90-179 MP printed two lines."""
    import warnings

    from colorstudio.core.io.image_meta import read_meta

    side = int((megapixels * 1e6) ** 0.5)
    path = tmp_path / "scan.png"
    path.write_bytes(_png_header_only(side, side, 600))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        meta = read_meta(path)
    assert meta.dpi is not None and abs(meta.dpi[0] - 600) < 1
    assert not caught, [str(w.message) for w in caught]


@pytest.mark.parametrize("ext,kw", [(".png", {}), (".jpg", {}), (".jpg", {"progressive": True}), (".bmp", {}),
                                    (".gif", {}), (".webp", {"lossless": True}), (".webp", {"quality": 80}),
                                    (".tif", {})])
def test_the_header_gives_the_size_of_every_format(ext, kw):
    from io import BytesIO

    from PIL import Image

    from colorstudio.core.io.image_headers import header_size

    buf = BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (37, 53, 3), np.uint8)).save(
        buf, {".jpg": "JPEG", ".tif": "TIFF"}.get(ext, ext[1:].upper()), **kw)
    assert header_size(buf.getvalue()) == (53, 37)
    assert header_size(b"\x89PNG\r\n\x1a\n") is None and header_size(b"\xff\xd8\xff\xe0\x00\x10JFIF") is None


def _png_bad_text(w: int, h: int) -> bytes:
    """A gray PNG claiming w x h with a text chunk whose checksum is wrong (Pillow cannot
    identify it; libpng drops the chunk and decodes)."""
    import zlib

    def chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
        c = zlib.crc32(kind + data) if crc is None else crc
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", c & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\0hi", 0) + chunk(b"IDAT", zlib.compress(b"\0" * (w + 1) * 4))
            + chunk(b"IEND", b""))


def test_a_png_pillow_cannot_identify_is_admitted_from_its_header(tmp_path, monkeypatch):
    """Issue 33, class 5 (another member): one damaged text chunk before the pixels made Pillow
    give up on a PNG; OpenCV then decoded it whole -- up to its own 1-gigapixel limit, 8 GB for
    16-bit RGBA -- before the pixel limit was looked at, and libpng printed its own warning."""
    calls = []
    monkeypatch.setattr(cv2, "imdecode", lambda *a, **k: calls.append(a) or None)
    f = tmp_path / "bomb.png"
    f.write_bytes(_png_bad_text(15000, 15000))
    with pytest.raises(imageio.ImageReadError, match="15000x15000 is 225 megapixels, over the limit"):
        imageio.read_image(f, max_pixels=200_000_000)
    with pytest.raises(imageio.ImageReadError, match="over the limit|checksum of its tEXt"):
        imageio.decode_image(f.read_bytes(), "bomb.png", max_pixels=200_000_000)
    assert not calls
    with pytest.raises(imageio.ImageReadError, match="damaged PNG file .*checksum of its tEXt"):
        imageio.decode_image(_png_bad_text(40, 4), "small.png")   # as where Pillow reads the header
