"""One frame of an image sequence, read and written at its full precision.

EXR (half or float, scene-linear values kept whole: above 1, below 0) and DPX (10-bit, with
its transfer characteristic: log, linear or video) go through OpenImageIO; 16-bit TIFF and PNG
through :mod:`colorstudio.core.io.imageio`.  A frame is float32 in the file's own encoding,
never clipped, never through 8 bits; a gray frame (one channel, or R = G = B) also keeps its
codes -- the 16-bit value of an integer format, the bits of a half float -- so colour
conversions can be tabulated over them (``core.color.spaces``).  Writing goes through the
one atomic writer (:func:`colorstudio.core.io.atomic.atomic_write`) and never replaces an
input.

OpenImageIO (``pip install 'colorstudio[vfx]'``) is imported here only, inside functions.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from colorstudio.core import color
from colorstudio.core.color.spaces import INSTALL, VfxMissing
from colorstudio.core.io import imageio
from colorstudio.core.io.atomic import atomic_write
from colorstudio.core.io.formats import sequence_format
from colorstudio.core.io.imageio import ImageReadError, ImageWriteError

EXR_COMPRESSION = "piz"   # lossless; on grainy film frames faster and smaller than zip
# What a frame's file says beyond its pixels, carried to the output (OpenImageIO's names).
CARRIED = ("FramesPerSecond", "dpx:FrameRate", "smpte:TimeCode", "smpte:KeyCode", "PixelAspectRatio", "Copyright",
           "Artist", "ImageDescription", "DocumentName")


def require(what: str = "EXR and DPX frames") -> None:
    """Raise :class:`VfxMissing`, in one line with the install command, without OpenImageIO."""
    try:
        import OpenImageIO  # noqa: F401
    except ImportError:
        raise VfxMissing(f"{what} need OpenImageIO, which is not installed: {INSTALL}") from None


@dataclass
class Frame:
    """A decoded frame: its colour channels as stored (``raw``: (H, W, 1 or 3) half, float32,
    uint16 or uint8), ``pixels`` float32 (H, W, 3) in the file's encoding (a one-channel file's
    gray repeated; made when first asked for: a gray frame's codes often suffice), ``alpha``
    (H, W) float32 or None."""

    raw: np.ndarray | None
    alpha: np.ndarray | None
    fmt: str                         # 'exr' | 'dpx' | 'tif' | 'png'
    depth: str                       # stored as: 'half' 'float' '8-bit' '10-bit' '12-bit' '16-bit'
    colorspace: str = ""             # what the file says it is ('' when it says nothing)
    transfer: str = ""               # a DPX's transfer characteristic
    codes: np.ndarray | None = None  # a gray frame's (H, W) uint16 codes, else None
    code_kind: str = "int"           # 'int' (16-bit values) | 'half' (half-float bits)
    gray: bool = False               # one channel, or R = G = B everywhere
    attributes: list = field(default_factory=list)   # (name, type, value) carried to the output
    _pixels: np.ndarray | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.raw.shape[:2] if self.raw is not None else self._pixels.shape[:2]

    @property
    def pixels(self) -> np.ndarray:
        if self._pixels is None:
            raw = self.raw
            if raw.dtype == np.uint16:
                values = raw.astype(np.float32) * np.float32(1.0 / 65535.0)
            elif raw.dtype == np.uint8:
                values = raw.astype(np.float32) * np.float32(1.0 / 255.0)
            else:
                values = raw.astype(np.float32)
            self._pixels = _rgb(values)
        return self._pixels

    def release(self) -> None:
        """Drop the pixels (what was prepared from them is kept elsewhere)."""
        self.raw = self.codes = self._pixels = None


def _is_gray(ch: np.ndarray) -> bool:
    return ch.shape[2] == 1 or (np.array_equal(ch[:, :, 0], ch[:, :, 1]) and np.array_equal(ch[:, :, 0], ch[:, :, 2]))


def _colour(arr: np.ndarray, names: Iterable[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """(colour channels (H, W, 1 or 3), alpha or None) of a frame's channels by their names."""
    names = [n.split(".")[-1].upper() for n in names]
    alpha = arr[:, :, names.index("A")] if "A" in names else None
    if all(c in names for c in "RGB"):
        return arr[:, :, [names.index(c) for c in "RGB"]], alpha
    if "Y" in names:
        return arr[:, :, [names.index("Y")]], alpha
    n = arr.shape[2] - (alpha is not None)
    return arr[:, :, :3 if n >= 3 else 1], alpha


def read_frame(path: str | os.PathLike, max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Frame:
    """Read one frame (see :class:`Frame`); an :class:`ImageReadError` in one line for a
    missing, damaged or over-sized file."""
    path = Path(path)
    fmt = sequence_format(path.suffix)
    if fmt is None:
        raise ImageReadError(f"{path.name}: not a sequence format (EXR, DPX, TIFF or PNG)")
    if not fmt.vfx:
        return _read_common(path, fmt.name, max_pixels)
    require()
    import OpenImageIO as oiio

    imageio.regular_file(path)
    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        raise ImageReadError(f"{path}: damaged or unreadable {fmt.name.upper()} file ({_oiio_error()})")
    try:
        spec = inp.spec()
        w, h = spec.width, spec.height
        if max_pixels is not None and w * h > max_pixels:
            raise ImageReadError(f"{path}: {w}x{h} is {w * h / 1e6:.0f} megapixels, over the limit of "
                                 f"{max_pixels / 1e6:.0f} (set COLORSTUDIO_MAX_PIXELS to allow more)")
        native = str(spec.format)
        half = native == "half"
        bits = spec.get_int_attribute("oiio:BitsPerSample", 0) or spec.format.size() * 8
        want = "half" if half else ("uint16" if fmt.name == "dpx" and native.startswith("uint") else "float")
        arr = inp.read_image(0, 0, 0, spec.nchannels, want)
        if arr is None:
            why = inp.geterror() or "no pixels"
            raise ImageReadError(f"{path}: damaged or truncated {fmt.name.upper()} file ({why})")
        arr = np.asarray(arr).reshape(h, w, spec.nchannels)
        names = list(spec.channelnames)
        attributes = [(p.name, p.type, p.value) for p in spec.extra_attribs if p.name in CARRIED]
        if fmt.name == "exr":
            attributes.append(("_window", None, (spec.x, spec.y, spec.full_x, spec.full_y, spec.full_width,
                                                 spec.full_height)))
        colorspace = spec.get_string_attribute("oiio:ColorSpace", "")
        transfer = spec.get_string_attribute("dpx:Transfer", "")
    finally:
        inp.close()
    chans, alpha = _colour(arr, names)
    depth = "half" if half else ("float" if want == "float" else f"{bits}-bit")
    gray = _is_gray(chans)
    codes, kind = None, "int"
    if want == "half":
        if gray:
            codes, kind = np.ascontiguousarray(chans[:, :, 0]).view(np.uint16), "half"
        bits16 = codes if codes is not None else chans.view(np.uint16)
        finite = not np.any((bits16 & 0x7C00) == 0x7C00)   # exponent all ones: infinite or NaN
    elif want == "uint16":
        if gray:
            codes = np.ascontiguousarray(chans[:, :, 0])
        finite = True
    else:
        chans = np.asarray(chans, np.float32)
        finite = bool(np.isfinite(chans).all())
    if not finite:
        raise ImageReadError(f"{path}: the frame holds NaN or infinite pixel values")
    if alpha is not None:
        alpha = alpha.astype(np.float32) * np.float32(1.0 / 65535.0) if want == "uint16" else alpha.astype(np.float32)
    return Frame(chans, alpha, fmt.name, depth, colorspace, transfer, codes, kind, gray, attributes)


def _rgb(pixels: np.ndarray) -> np.ndarray:
    if pixels.shape[2] == 1:
        return np.ascontiguousarray(np.repeat(pixels, 3, axis=2))
    return np.ascontiguousarray(pixels)


def _read_common(path: Path, fmt: str, max_pixels: int | None) -> Frame:
    """A PNG or TIFF frame through the project's reader (8/16-bit, or float TIFF)."""
    arr = imageio.read_image(path, max_pixels)
    alpha = None
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr, alpha = arr[:, :, :3], color.to_float01(arr[:, :, 3])
    chans = arr[:, :, None] if arr.ndim == 2 else arr
    gray = _is_gray(chans)
    codes = None
    if arr.dtype == np.uint16:
        depth = "16-bit"
        codes = np.ascontiguousarray(chans[:, :, 0]) if gray else None
    elif arr.dtype == np.uint8:
        depth = "8-bit"
        codes = chans[:, :, 0].astype(np.uint16) * np.uint16(257) if gray else None
    else:
        depth = "float"
    return Frame(chans, alpha, fmt, depth, codes=codes, gray=gray)


def _oiio_error() -> str:
    import OpenImageIO as oiio

    text = (oiio.geterror() or "").strip().splitlines()
    return text[0] if text else "unknown error"


def output_depth(fmt: str, source_depth: str) -> str:
    """What a frame stored as ``source_depth`` is written as in ``fmt``: EXR keeps a float
    frame float and holds 16-bit integers as float too (more than half's 11 bits), else half;
    DPX is 10-bit (12 and 16 bits kept); TIFF and PNG 16-bit."""
    if fmt == "exr":
        return "float" if source_depth in ("float", "12-bit", "16-bit") else "half"
    if fmt == "dpx":
        return source_depth if source_depth in ("12-bit", "16-bit") else "10-bit"
    return "16-bit"


def write_frame(path: str | os.PathLike, pixels: np.ndarray, *, depth: str, alpha: np.ndarray | None = None,
                colorspace: str = "", transfer: str = "", attributes: Iterable = (),
                protect: Iterable[str | os.PathLike] = ()) -> Path:
    """Write float32 (H, W, 3) ``pixels`` as the format of ``path``'s suffix at ``depth``
    (:func:`output_depth`), atomically, never over a ``protect`` ed path (a batch's inputs).
    ``colorspace`` is recorded where the format holds it (EXR), ``transfer`` in a DPX;
    ``attributes`` come from :attr:`Frame.attributes`.  Integer formats clip to 0-1."""
    path = Path(path)
    fmt = sequence_format(path.suffix)
    if fmt is None:
        raise ImageWriteError(f"{path.name}: a sequence frame is written as EXR, DPX, TIFF or PNG")
    imageio.refuse_inputs(path, protect)
    if alpha is not None:
        pixels = np.dstack([pixels, alpha.astype(np.float32)])
    if not fmt.vfx:
        return imageio.write_image(path, color.from_float01(pixels, np.uint16), protect=protect)
    require()
    spec = _spec(pixels, fmt.name, depth, colorspace, transfer, attributes)
    data = to_half(pixels) if fmt.name == "exr" and depth == "half" else pixels.astype(np.float32, copy=False)

    def write(tmp: str) -> None:
        import OpenImageIO as oiio

        out = oiio.ImageOutput.create(tmp)
        if out is None or not out.open(tmp, spec):
            raise OSError(_errno_of(_oiio_error()), _oiio_error())
        try:
            if not out.write_image(np.ascontiguousarray(data)):
                raise OSError(_errno_of(out.geterror()), out.geterror() or "write failed")
        finally:
            out.close()

    try:
        return atomic_write(path, write, suffix=path.suffix.lower())
    except OSError as exc:
        err = ImageWriteError(f"cannot write {path}: {exc.strerror or exc}")
        err.errno = exc.errno   # the batch stops on errors that will fail every later write
        raise err from None


def to_half(values: np.ndarray) -> np.ndarray:
    """float32 -> float16, rounded to nearest even as NumPy does, through torch's vectorised
    conversion when it is there (3x faster on a 1080p frame)."""
    try:
        import torch
    except ImportError:
        return values.astype(np.float16)
    return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32)).to(torch.float16).numpy()


def _spec(pixels: np.ndarray, fmt: str, depth: str, colorspace: str, transfer: str, attributes: Iterable):
    import OpenImageIO as oiio

    h, w, n = pixels.shape
    spec = oiio.ImageSpec(w, h, n, "half" if depth == "half" else "float" if fmt == "exr" else "uint16")
    spec.channelnames = ("R", "G", "B", "A")[:n]
    if n == 4:
        spec.alpha_channel = 3
    fps = None
    for name, kind, value in attributes:
        if name == "_window":
            if fmt == "exr":
                spec.x, spec.y, spec.full_x, spec.full_y, spec.full_width, spec.full_height = value
            continue
        if name in ("FramesPerSecond", "dpx:FrameRate"):   # each format's own name of the frame rate
            fps = value[0] / value[1] if isinstance(value, tuple) else float(value)
            continue
        if not name.startswith("dpx:") or fmt == "dpx":
            spec.attribute(name, kind, value)
    if fps:
        if fmt == "dpx":
            spec.attribute("dpx:FrameRate", float(fps))
        else:
            spec.attribute("FramesPerSecond", oiio.TypeRational, (round(fps * 1000), 1000))
    if fmt == "exr":
        spec.attribute("compression", EXR_COMPRESSION)
        if colorspace:
            spec.attribute("oiio:ColorSpace", colorspace)
    elif fmt == "dpx":
        spec.attribute("oiio:BitsPerSample", int(depth.split("-")[0]) if depth.endswith("-bit") else 10)
        if transfer:
            spec.attribute("dpx:Transfer", transfer)
    spec.attribute("Software", "ColorStudio")
    return spec


def _errno_of(message: str) -> int:
    """An errno for an OpenImageIO message (it keeps none): a full disk stops the batch."""
    text = (message or "").lower()
    if "no space" in text:
        return errno.ENOSPC
    if "read-only" in text:
        return errno.EROFS
    return errno.EIO
