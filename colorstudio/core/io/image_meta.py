"""What a saved result keeps of its input file besides the pixels: resolution (DPI),
EXIF and the ICC colour profile -- a restorer's scan at 600 dpi stays a 600-dpi print.

Read from the input's header with Pillow (no pixels decoded).  The EXIF orientation is
reset to 1 (the pixels were turned upright when read), and a profile is kept only when
it describes RGB: a scan's gray profile would be wrong on a colour result.  Where each
format can hold them (:data:`KEPT`): PNG gets pHYs, iCCP and eXIf chunks from our own
encoder; JPEG, WebP, BMP and 8-bit TIFF are written by Pillow with them; 16-bit TIFF
(OpenCV) keeps the DPI only.
"""

from __future__ import annotations

import os
import struct
import threading
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

KEPT = {"png": ("dpi", "exif", "icc"), "jpeg": ("dpi", "exif", "icc"), "webp": ("exif", "icc"),
        "tiff": ("dpi", "exif", "icc"), "bmp": ("dpi",)}
"""Which of the input's facts each output format keeps (16-bit TIFF: the DPI only)."""

_EXIF_HEADER = b"Exif\x00\x00"
# How a TIFF stores its own pixels (and the facts kept apart, DPI and the ICC profile):
# a TIFF input's tags include them, and they are wrong on any other file.
_STRUCTURE = {256, 257, 258, 259, 262, 273, 277, 278, 279, 282, 283, 284, 296, 317, 320, 322, 323,
              324, 325, 338, 339, 34675}
_ORIENTATION = 0x0112
_MAX_BLOCK = 16 << 20   # larger EXIF/ICC blocks are not copied (no real one is this big)


@dataclass(frozen=True)
class ImageMeta:
    """The input's facts to copy onto an output; None where the input has none."""

    dpi: tuple[float, float] | None = None
    exif: bytes | None = None      # TIFF-structured EXIF, without the "Exif\0\0" header
    icc: bytes | None = None       # an RGB ICC profile

    def __bool__(self) -> bool:
        return bool(self.dpi or self.exif or self.icc)

    def pillow_args(self, fmt: str) -> dict:
        """Keyword arguments of ``PIL.Image.save`` for format ``fmt`` (see :data:`KEPT`)."""
        kept, args = KEPT.get(fmt, ()), {}
        if self.dpi and "dpi" in kept:
            args["dpi"] = self.dpi
        if self.exif and "exif" in kept:
            args["exif"] = _EXIF_HEADER + self.exif
        if self.icc and "icc" in kept:
            args["icc_profile"] = self.icc
        return args

    def png_chunks(self) -> list[tuple[bytes, bytes]]:
        """pHYs (pixels per metre), iCCP (zlib-compressed profile) and eXIf chunks."""
        chunks = []
        if self.dpi:
            x, y = (max(1, round(d / 0.0254)) for d in self.dpi)
            chunks.append((b"pHYs", struct.pack(">IIB", x, y, 1)))
        if self.icc:
            chunks.append((b"iCCP", b"ICC profile\x00\x00" + zlib.compress(self.icc)))
        if self.exif:
            chunks.append((b"eXIf", self.exif))
        return chunks


NONE = ImageMeta()
PIL_LOCK = threading.Lock()   # Pillow's pixel limit is a module global: one header reader at a time


@contextmanager
def pillow_headers() -> Iterator:
    """Pillow (the ``PIL.Image`` module) for reading headers: its fixed pixel limit lifted (our
    own, configurable one applies, from the header: ``imageio``), and its warnings (a
    DecompressionBombWarning from 90 MP, "Corrupt EXIF data") kept off the user's terminal.
    Restored on exit."""
    from PIL import Image

    with PIL_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            yield Image
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def read_meta(path: str | os.PathLike) -> ImageMeta:
    """The DPI, EXIF and RGB ICC profile of the image file at ``path`` (:data:`NONE`
    where the file has none or cannot be parsed: the pixels matter, not these).  Read from
    the header alone, whatever the image's size (a 190-megapixel scan keeps its DPI)."""
    try:
        with pillow_headers() as Image, Image.open(Path(path)) as im:
            info = dict(im.info)
            exif = _upright_exif(im)
    except Exception:  # noqa: BLE001 -- a header Pillow cannot parse has nothing to keep
        return NONE
    return ImageMeta(_dpi(info.get("dpi")), exif, _rgb_profile(info.get("icc_profile")))


def _dpi(value) -> tuple[float, float] | None:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    # 1 dpi and below: "no unit" files (JFIF aspect-only density), not a resolution
    return (x, y) if 1 < x < 100_000 and 1 < y < 100_000 else None


def _rgb_profile(icc) -> bytes | None:
    """The profile when it is an RGB one (its header's colour space at bytes 16-20)."""
    if not isinstance(icc, bytes) or not 128 <= len(icc) <= _MAX_BLOCK:
        return None
    return icc if icc[16:20] == b"RGB " else None


def _upright_exif(im) -> bytes | None:
    if im.format == "PNG" and "exif" not in im.info:
        # Pillow looks for an eXIf chunk after the pixels by decoding them all (a second copy
        # of a 200-megapixel scan, just for its metadata); one before them is in ``info``.
        return None
    exif = im.getexif()
    for tag in _STRUCTURE & set(exif):
        del exif[tag]
    if not exif:
        return None
    if exif.get(_ORIENTATION, 1) != 1:
        exif[_ORIENTATION] = 1
    data = exif.tobytes()
    if data.startswith(_EXIF_HEADER):
        data = data[len(_EXIF_HEADER):]
    return data if 8 <= len(data) <= _MAX_BLOCK else None


# EXIF orientation -> operations on an (H, W, ...) array (Pillow's exif_transpose table).
ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: a.swapaxes(0, 1)[:, ::-1],
    7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
    8: lambda a: a.swapaxes(0, 1)[::-1],
}


def exif_orientation(pil) -> int:
    """The EXIF orientation (1-8) of a Pillow image with only its header parsed; 1 when it has
    none or it is broken."""
    try:
        if pil.format == "PNG":  # Pillow's PNG getexif() would decode the whole image
            raw = pil.info.get("exif")
            if not raw:
                return 1
            from PIL import Image

            exif = Image.Exif()
            exif.load(raw)
        else:
            exif = pil.getexif()
        value = int(exif.get(0x0112, 1))
    except Exception:  # noqa: BLE001 -- broken EXIF must not make a photo unreadable
        return 1
    return value if value in ORIENT else 1
