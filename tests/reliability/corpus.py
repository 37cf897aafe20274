"""A generated corpus of hostile and odd inputs for the batch engine and the CLI.

Each kind is ``(name, maker, expect)``: ``maker(folder) -> path`` writes one input
(small: the whole corpus is a few hundred kB, sparse files aside) and ``expect`` is
``"done"`` (odd but valid: must be colorized) or a fragment of the one-line failure
message.  Used by tests/reliability and by ``python -m bench.reliability``.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image

Maker = Callable[[Path], Path]


def _img(h=24, w=32, c=3, seed=0, dtype=np.uint8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    hi = 255 if dtype == np.uint8 else 65535
    shape = (h, w) if c == 1 else (h, w, c)
    return rng.integers(0, hi + 1, shape).astype(dtype)


def _png_bytes(arr: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", arr)
    assert ok
    return buf.tobytes()


def _jpg_bytes(arr: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", arr)
    assert ok
    return buf.tobytes()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_header(w: int, h: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))


def _write(name: str, data: bytes) -> Maker:
    def make(d: Path) -> Path:
        p = d / name
        p.write_bytes(data)
        return p
    return make


def _pil(name: str, build, **save) -> Maker:
    def make(d: Path) -> Path:
        p = d / name
        build().save(p, **save)
        return p
    return make


def _cv(name: str, arr: np.ndarray) -> Maker:
    def make(d: Path) -> Path:
        p = d / name
        assert cv2.imwrite(str(p), arr)
        return p
    return make


def _truncated(name: str, data: bytes, keep: float) -> Maker:
    return _write(name, data[: max(1, int(len(data) * keep))])


def _bad_crc_png() -> bytes:
    data = bytearray(_png_bytes(_img(40, 40)))
    i = data.find(b"IDAT")
    data[i + 10] ^= 0xFF  # damage the compressed pixels (the CRC no longer matches)
    return bytes(data)


def _jpeg_bomb() -> bytes:
    data = bytearray(_jpg_bytes(_img(16, 16)))
    i = data.find(b"\xff\xc0")
    data[i + 5:i + 9] = struct.pack(">HH", 60000, 60000)  # SOF0: height, width
    return bytes(data)


def _gif_bomb() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(_img(8, 8)).convert("P").save(buf, "GIF")
    data = bytearray(buf.getvalue())
    data[6:10] = struct.pack("<HH", 65000, 65000)
    return bytes(data)


def _bmp_bomb() -> bytes:
    ok, buf = cv2.imencode(".bmp", _img(4, 4))
    data = bytearray(buf.tobytes())
    data[18:26] = struct.pack("<ii", 100000, 100000)
    return bytes(data)


def _tiff_bomb() -> bytes:
    """A TIFF whose header claims 200000 x 200000 pixels."""
    buf = io.BytesIO()
    Image.fromarray(_img(8, 8)).save(buf, "TIFF")
    data = bytearray(buf.getvalue())
    order = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack(order + "I", data[4:8])[0]
    n = struct.unpack(order + "H", data[ifd:ifd + 2])[0]
    for k in range(n):
        e = ifd + 2 + 12 * k
        tag, typ = struct.unpack(order + "HH", data[e:e + 4])
        if tag in (256, 257):          # ImageWidth, ImageLength
            data[e + 2:e + 4] = struct.pack(order + "H", 4)           # LONG
            data[e + 8:e + 12] = struct.pack(order + "I", 200000)
    return bytes(data)


def _png_with_huge_text() -> bytes:
    """A valid PNG carrying a 4 MB compressed text chunk (metadata is not pixels)."""
    data = _png_bytes(_img(20, 20))
    text = _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"x" * (40 * 2 ** 20)))
    return data[:33] + text + data[33:]


def _png_bad_depth() -> bytes:
    """IHDR with a bit depth PNG does not allow for its colour type (RGB at 4 bits)."""
    ihdr = struct.pack(">IIBBBBB", 8, 8, 4, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 40)) + \
        _chunk(b"IEND", b"")


def _exif_rotated() -> Maker:
    def make(d: Path) -> Path:
        p = d / "exif_rotated.jpg"
        im = Image.fromarray(_img(20, 40))
        exif = Image.Exif()
        exif[0x0112] = 6
        im.save(p, exif=exif.tobytes())
        return p
    return make


def _multipage_tiff() -> Maker:
    def make(d: Path) -> Path:
        p = d / "multipage.tif"
        pages = [Image.fromarray(_img(20, 20, seed=i)) for i in range(3)]
        pages[0].save(p, save_all=True, append_images=pages[1:])
        return p
    return make


def _fifo(d: Path) -> Path:
    p = d / "pipe.png"
    os.mkfifo(p)
    return p


def _device(d: Path) -> Path:
    p = d / "device.png"
    p.symlink_to("/dev/zero")
    return p


def _loop(d: Path) -> Path:
    a, b = d / "loop_a.png", d / "loop_b.png"
    a.symlink_to(b.name)
    b.symlink_to(a.name)
    return a


def _broken_link(d: Path) -> Path:
    p = d / "broken_link.png"
    p.symlink_to("does-not-exist.png")
    return p


def _folder(d: Path) -> Path:
    p = d / "folder.png"
    p.mkdir()
    return p


def _sparse(d: Path) -> Path:
    p = d / "sparse_3gb.png"
    with open(p, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.truncate(3 << 30)  # a hole: no disk, but reading it whole would take 3 GB
    return p


def _zip(d: Path) -> Path:
    import zipfile

    p = d / "archive.png"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.txt", "hello")
    return p


def _long_name(d: Path) -> Path:
    stem = "long_" + "x" * (250 - len("long_") - 4)  # 250 bytes with the suffix
    p = d / f"{stem}.png"
    p.write_bytes(_png_bytes(_img()))
    return p


# ---------------------------------------------------------------- issue 33's fourth campaign

def _deflate_float_tiff(side: int = 16000, rows: int = 16) -> bytes:
    """A valid deflate float32 RGB TIFF of side x side whose strips all share one compressed
    strip of zeros: 11 KB on disk, 3 GB decoded.  Pillow cannot identify float RGB TIFFs, and
    OpenCV decoded it whole before the pixel limit was looked at (6.4 GB)."""
    strip = zlib.compress(bytes(side * rows * 12), 9)
    nstrips = -(-side // rows)
    n = 11
    bps_at = 8 + 2 + 12 * n + 4
    fmt_at, offs_at = bps_at + 6, bps_at + 12
    counts_at = offs_at + 4 * nstrips
    strip_at = counts_at + 4 * nstrips
    tags = [(256, 4, 1, side), (257, 4, 1, side), (258, 3, 3, bps_at), (259, 3, 1, 8), (262, 3, 1, 2),
            (273, 4, nstrips, offs_at), (277, 3, 1, 3), (278, 4, 1, rows), (279, 4, nstrips, counts_at),
            (284, 3, 1, 1), (339, 3, 3, fmt_at)]
    ifd = struct.pack("<H", n) + b"".join(
        struct.pack("<HHI", t, typ, c) + (struct.pack("<HH", v, 0) if typ == 3 and c == 1 else struct.pack("<I", v))
        for t, typ, c, v in tags) + b"\0\0\0\0"
    return (b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<6H", 32, 32, 32, 3, 3, 3)
            + struct.pack(f"<{nstrips}I", *[strip_at] * nstrips)
            + struct.pack(f"<{nstrips}I", *[len(strip)] * nstrips) + strip)


def _png_bomb_25k() -> bytes:
    """A 25000x25000 RGB PNG header (625 MP) over one tiny IDAT: the trainer read 3.9 GB."""
    return _png_header(25000, 25000) + _chunk(b"IDAT", zlib.compress(b"\0" * 75001)) + _chunk(b"IEND", b"")


def _jpeg_scan_bomb(repeats: int = 5000, side: int = 16) -> bytes:
    """A progressive JPEG whose last scan is repeated ``repeats`` times (20,000 hung the
    decoder for 300 s; 900 of a 4000x4000 gray took 16 s from 90 KB)."""
    buf = io.BytesIO()
    pixels = Image.fromarray(_img(16, 16, 1)) if side == 16 else Image.new("L", (side, side), 128)
    pixels.save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    scan = data[data.rindex(b"\xff\xda"):-2]
    return data[:-2] + scan * repeats + b"\xff\xd9"


def _tiff_many_pages(pages: int = 20000) -> bytes:
    """A TIFF chaining ``pages`` copies of one IFD (Pillow counted 100k in 83 s, quadratic)."""
    base = bytearray(cv2.imencode(".tiff", _img(8, 8, 1))[1].tobytes())
    e = "<" if base[:2] == b"II" else ">"
    off = struct.unpack_from(e + "I", base, 4)[0]
    entries = struct.unpack_from(e + "H", base, off)[0]
    ifd = bytes(base[off:off + 2 + 12 * entries])
    out, next_field = base, off + 2 + 12 * entries
    for _ in range(pages - 1):
        at = len(out)
        struct.pack_into(e + "I", out, next_field, at)
        out += ifd + b"\0\0\0\0"
        next_field = at + len(ifd)
    return bytes(out)



def _png_bad_text_crc(w: int, h: int, pixels: bool = True) -> bytes:
    """A gray PNG with one text chunk whose checksum is wrong: Pillow cannot identify it,
    OpenCV decodes it (libpng drops the chunk) -- whole, before its size was admitted."""
    raw = zlib.compress(b"".join(b"\0" + bytes(w) for _ in range(h)) if pixels else b"\0" * 64)
    text = b"Comment\0hello"
    bad = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", ~zlib.crc32(b"tEXt" + text) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + bad
            + _chunk(b"IDAT", raw) + _chunk(b"IEND", b""))

def _float_tiff(arr: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".tiff", arr)
    assert ok
    return buf.tobytes()


def _with_nan(c: int) -> np.ndarray:
    arr = _img(20, 20, c).astype(np.float32) / 255
    arr[3, 4] = np.nan
    return arr


KINDS: list[tuple[str, Maker, str]] = [
    # odd but valid: colorized
    ("1x1 gray PNG", _cv("one_pixel.png", _img(1, 1, 1)), "done"),
    ("1x300 strip", _cv("strip.png", _img(1, 300)), "done"),
    ("4000x2 extreme aspect", _cv("wide.png", _img(2, 4000)), "done"),
    ("16-bit gray PNG", _cv("gray16.png", _img(20, 20, 1, dtype=np.uint16)), "done"),
    ("16-bit RGB TIFF", _cv("rgb16.tif", _img(20, 20, dtype=np.uint16)), "done"),
    ("RGBA PNG", _cv("rgba.png", _img(20, 20, 4)), "done"),
    ("gray + alpha PNG", _pil("gray_alpha.png", lambda: Image.fromarray(_img(20, 20, 1)).convert("LA")), "done"),
    ("palette PNG", _pil("palette.png", lambda: Image.fromarray(_img(20, 20)).convert("P")), "done"),
    ("palette PNG with transparency", _pil("palette_t.png", lambda: Image.fromarray(_img(20, 20)).convert("P"),
                                           transparency=0), "done"),
    ("GIF", _pil("anim.gif", lambda: Image.fromarray(_img(20, 20)).convert("P")), "done"),
    ("multi-page TIFF", _multipage_tiff(), "done"),
    ("float32 TIFF", _cv("float.tif", _img(20, 20, 1).astype(np.float32) / 255), "done"),
    ("BMP", _cv("plain.bmp", _img()), "done"),
    ("WebP", _cv("plain.webp", _img()), "done"),
    ("JPEG with EXIF rotation", _exif_rotated(), "done"),
    ("CMYK JPEG", _pil("cmyk.jpg", lambda: Image.fromarray(_img()).convert("CMYK")), "done"),
    ("PNG data named .jpg", _write("really_png.jpg", _png_bytes(_img())), "done"),
    ("upper-case suffix", _write("UPPER.PNG", _png_bytes(_img())), "done"),
    ("unicode name", _write("фото 日本 é.png", _png_bytes(_img())), "done"),
    ("name with quotes and spaces", _write("it's a \"photo\" (1).png", _png_bytes(_img())), "done"),
    ("250-byte name", _long_name, "done"),
    # bad: one line each, the rest still done
    ("empty file", _write("empty.png", b""), "empty"),
    ("random bytes", _write("noise.jpg", np.random.default_rng(1).bytes(3000)), "not an image"),
    ("text named .png", _write("text.png", b"hello, I am not an image\n" * 20), "not an image"),
    ("HTML named .jpg", _write("page.jpg", b"<!doctype html><html><body>404</body></html>"), "not an image"),
    ("SVG named .png", _write("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>'), "not an image"),
    ("PDF named .tif", _write("doc.tif", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), "not an image"),
    ("ZIP named .png", _zip, "not an image"),
    ("PNG cut in half", _truncated("half.png", _png_bytes(_img(60, 60)), 0.5), "png"),
    ("PNG signature only", _write("sig_only.png", b"\x89PNG\r\n\x1a\n"), "png"),
    ("PNG header, no pixels", _write("no_idat.png", _png_header(20, 20) + _chunk(b"IEND", b"")), "png"),
    ("PNG with damaged pixels", _write("bad_crc.png", _bad_crc_png()), "png"),
    ("PNG of 0x0", _write("zero.png", _png_header(0, 0) + _chunk(b"IEND", b"")), "png"),
    ("PNG bomb header (10 gigapixels)", _write("bomb.png", _png_header(100000, 100000) + _chunk(
        b"IDAT", zlib.compress(b"\0" * 1000)) + _chunk(b"IEND", b"")), "over the limit"),
    ("JPEG cut short", _truncated("cut.jpg", _jpg_bytes(_img(60, 60)), 0.3), "jpeg"),
    ("JPEG marker only", _write("soi.jpg", b"\xff\xd8\xff"), "jpeg"),
    ("JPEG bomb header (3.6 gigapixels)", _write("bomb.jpg", _jpeg_bomb()), "over the limit"),
    ("GIF bomb header", _write("bomb.gif", _gif_bomb()), "over the limit"),
    ("BMP bomb header", _write("bomb.bmp", _bmp_bomb()), "over the limit"),
    ("WebP cut short", _truncated("cut.webp", cv2.imencode(".webp", _img(60, 60))[1].tobytes(), 0.4), "webp"),
    ("TIFF cut short", _truncated("cut.tif", cv2.imencode(".tif", _img(60, 60))[1].tobytes(), 0.3), "tiff"),
    ("sparse 3 GB file", _sparse, "larger than any image"),
    ("FIFO", _fifo, "not a regular file"),
    ("character device", _device, "not a regular file"),
    ("folder named .png", _folder, "no image files in this folder"),
    ("symbolic link loop", _loop, "symbolic link loop"),
    ("broken symbolic link", _broken_link, "broken symbolic link"),
    # issue 21's campaign: more members of the same classes
    ("progressive JPEG", _pil("progressive.jpg", lambda: Image.fromarray(_img(40, 40)), progressive=True), "done"),
    ("interlaced (Adam7) PNG", _pil("adam7.png", lambda: Image.fromarray(_img(40, 40))), "done"),
    ("1-bit PNG", _pil("bilevel.png", lambda: Image.fromarray(_img(20, 20, 1)).convert("1")), "done"),
    ("16-bit gray TIFF", _cv("gray16.tif", _img(20, 20, 1, dtype=np.uint16)), "done"),
    ("LZW-compressed TIFF", _pil("lzw.tif", lambda: Image.fromarray(_img(20, 20)), compression="tiff_lzw"), "done"),
    ("lossless WebP with alpha", _pil("alpha.webp", lambda: Image.fromarray(_img(20, 20, 4)), lossless=True), "done"),
    ("PNG with a 40 MB text chunk", _write("big_text.png", _png_with_huge_text()), "done"),
    ("empty file named .webp", _write("empty.webp", b""), "empty"),
    ("MP4 header named .jpg", _write("clip.jpg", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200), "not an image"),
    ("GIF header only", _write("head.gif", b"GIF89a"), "gif"),
    ("HEIC photo (an unsupported format)", _write("phone.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 300),
     "not an image"),
    ("PNG of an impossible bit depth", _write("depth.png", _png_bad_depth()), "png"),
    ("TIFF bomb header (40 gigapixels)", _write("bomb.tif", _tiff_bomb()), "over the limit"),
    # issue 33's fourth campaign: memory and time bounded before decoding, honest pixels, names
    ("deflate float32 RGB TIFF of 16000x16000 (11 KB)", _write("float_bomb.tif", _deflate_float_tiff()),
     "over the limit"),
    ("PNG bomb header 25000x25000, tiny IDAT", _write("bomb25k.png", _png_bomb_25k()), "over the limit"),
    ("progressive JPEG repeating one scan 5000 times", _write("scans.jpg", _jpeg_scan_bomb()), "scans"),
    ("progressive 16 MP JPEG repeating one scan 900 times", _write("scans16mp.jpg", _jpeg_scan_bomb(900, 4000)),
     "scans"),
    ("progressive JPEG repeating one scan 30 times", _write("scans30.jpg", _jpeg_scan_bomb(30)), "done"),
    ("TIFF of 20000 pages (IFDs)", _write("pages.tif", _tiff_many_pages()), "done"),
    ("PNG with a damaged text chunk", _write("bad_text.png", _png_bad_text_crc(40, 30)), "checksum of its tEXt"),
    ("... claiming 15000x15000", _write("bad_text_bomb.png", _png_bad_text_crc(15000, 15000, False)),
     "over the limit"),
    ("gray float TIFF holding NaN", _write("nan.tif", _float_tiff(_with_nan(1))), "NaN"),
    ("RGB float TIFF holding NaN", _write("nan_rgb.tif", _float_tiff(_with_nan(3))), "NaN"),
    ("float32 TIFF in 0-255", _write("float255.tif", _float_tiff(_img(20, 20).astype(np.float32))), "done"),
    ("int32 TIFF", _write("int32.tif", _float_tiff(_img(20, 20, 1).astype(np.int32) * 4000)), "done"),
    ("named like a stale temp file", _write(".cs-999999-holiday.png", _png_bytes(_img())), "done"),
    ("newline in the name", _write("x\nFAILED forged.png", b""), "empty"),
    ("terminal escape in the name", _write("\x1b[2J\x1b]0;owned\x07clear.png", b"text, not pixels"),
     "not an image"),
    ("valid photo with a newline and ESC in its name", _write("ok\n\x1b[31mred.png", _png_bytes(_img())), "done"),
    ("250-byte stem as .png and .webp: the second's name grows past 255 bytes",
     _write("s" * 250 + ".webp", cv2.imencode(".webp", _img())[1].tobytes()), "done"),
    ("... and its .png twin", _write("s" * 250 + ".png", _png_bytes(_img())), "done"),
]


def build(folder: Path) -> list[tuple[str, Path, str]]:
    """Write every kind into ``folder``; returns (kind, path, expect)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [(name, make(folder), expect) for name, make, expect in KINDS]
