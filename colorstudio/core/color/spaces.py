"""Colour spaces of image sequences: OpenColorIO's built-in ACES studio config (offline).

A VFX frame is stored in a colour space -- scene-linear ACEScg in an EXR, film density
(ADX10) in a log DPX, sRGB in a PNG -- while the colorizer sees the display-referred sRGB
its Lab ranges assume (:data:`DISPLAY`).  This module names the spaces (the config's names
and aliases, case-insensitive), says which one a file is in when the user does not
(:func:`default_space`), and converts between them (:func:`conversion`): the identity, a 3x3
matrix when both spaces are linear, a table of every code of a gray frame's 10-bit, 16-bit
or half-float values, else OpenColorIO pixel by pixel.  The conversion to :data:`DISPLAY`
is a plain one, not a tone-mapped view: scene values above display white are white to the
network, and the frame's own values are what is written (``core.color.scene``).

PyOpenColorIO (``pip install 'colorstudio[vfx]'``) is imported here only, inside functions:
the app and the CLI start without it.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import numpy as np

from colorstudio.core.errors import UserError

CONFIG = "ocio://studio-config-latest"   # OpenColorIO 2.3+ ships it: ACES, cameras, film density
# The spaces this module relies on, by aliases every version of the config knows (their names
# changed between versions: canonical() gives this config's, e.g. "sRGB Encoded Rec.709 (sRGB)").
DISPLAY = "srgb_tx"        # what the network sees: the sRGB the pipeline's Lab expects
LINEAR = "lin_rec709"      # where colour is recombined: Lab <-> linear sRGB (OpenCV)
FILM_LOG = "ADX10"         # a log (printing-density) DPX: the ACES film-scan density
VIDEO = "Camera Rec.709"   # a DPX with a Rec.709 video transfer
EXAMPLES = ("ACEScg", "ACES2065-1", "ACEScct", FILM_LOG, LINEAR, DISPLAY)
INSTALL = "pip install 'colorstudio[vfx]'"
LINEAR_ENCODINGS = frozenset({"scene-linear", "display-linear"})

# A DPX's transfer characteristic (OpenImageIO's dpx:Transfer) -> the space it is read in.
DPX_TRANSFER_SPACE = {"printing density": FILM_LOG, "logarithmic": FILM_LOG, "linear": LINEAR,
                      "itu-r 709-4": VIDEO, "smpte 274m": VIDEO}


class VfxMissing(UserError, ImportError):
    """OpenImageIO or OpenColorIO is not installed (the ``vfx`` extra)."""


class ColorSpaceError(UserError, ValueError):
    """A colour space the config does not know."""


def require(what: str = "colour spaces") -> None:
    """Raise :class:`VfxMissing`, in one line with the install command, without PyOpenColorIO."""
    try:
        import PyOpenColorIO  # noqa: F401
    except ImportError:
        raise VfxMissing(f"{what} need OpenColorIO, which is not installed: {INSTALL}") from None


@functools.lru_cache(maxsize=1)
def config():
    """The built-in config (:data:`CONFIG`), loaded once per process."""
    require()
    import PyOpenColorIO as ocio

    return ocio.Config.CreateFromFile(CONFIG)


@functools.lru_cache(maxsize=256)
def canonical(name: str) -> str:
    """The config's own name of a colour space (names and aliases, any case); a
    :class:`ColorSpaceError` naming a few valid ones when the config has no such space."""
    cs = config().getColorSpace(name.strip()) if name.strip() else None
    if cs is None:
        valid = [cs.getName() for n in EXAMPLES if (cs := config().getColorSpace(n)) is not None]
        raise ColorSpaceError(f"unknown colour space {name[:60]!r}; valid names include "
                              f"{', '.join(repr(n) for n in valid)} (OpenColorIO's {config().getName()})")
    return cs.getName()


def known(name: str) -> str | None:
    """:func:`canonical`, or None for a name the config does not know."""
    try:
        return canonical(name)
    except ColorSpaceError:
        return None


def encoding(name: str) -> str:
    """How a space encodes light: ``scene-linear``, ``log``, ``sdr-video`` ... ('' when unsaid)."""
    return config().getColorSpace(name).getEncoding() or ""


def is_linear(name: str) -> bool:
    return encoding(name) in LINEAR_ENCODINGS


def default_space(fmt: str, declared: str = "", transfer: str = "") -> str:
    """The space a frame is in when the user does not say: the one its file names when the
    config knows it (OpenImageIO's ``oiio:ColorSpace``); else by format -- an EXR is
    scene-linear (the config's ``scene_linear`` role, ACEScg), a DPX as its transfer says
    (:data:`DPX_TRANSFER_SPACE`: log is ADX10, linear is linear Rec.709, video is Rec.709;
    anything else sRGB), a TIFF or PNG sRGB (:data:`DISPLAY`)."""
    if declared and (name := known(declared)):
        return name
    if fmt == "exr":
        return canonical("scene_linear")   # a role: the config names its space (ACEScg)
    if fmt == "dpx":
        return canonical(DPX_TRANSFER_SPACE.get(transfer.strip().lower(), DISPLAY))
    return canonical(DISPLAY)


def default_output_space(fmt: str) -> str:
    """The space frames are written in when the output format differs from the input's and
    the user does not say: EXR scene-linear (the ``scene_linear`` role), DPX film density
    (ADX10), TIFF and PNG sRGB."""
    if fmt == "exr":
        return default_space("exr")
    return canonical(FILM_LOG if fmt == "dpx" else DISPLAY)


def dpx_transfer(name: str) -> str:
    """The DPX transfer characteristic written for frames in space ``name`` (read back by
    :func:`default_space` as the same kind: film density, linear, video or user defined)."""
    if name == canonical(VIDEO):
        return "ITU-R 709-4"
    kind = encoding(name)
    if kind == "log":
        return "Printing density"
    return "Linear" if kind in LINEAR_ENCODINGS else "User defined"


# ------------------------------------------------------------------------- conversions

# The value of every uint16 code of a gray frame: an integer format's 16-bit value (10-bit
# DPX and 8-bit PNG are read as such), or a half float's bits.
CODE_VALUES = {"int": lambda: np.arange(65536, dtype=np.float32) / np.float32(65535.0),
               "half": lambda: np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)}


@dataclass
class Conversion:
    """``src`` -> ``dst`` on float32 RGB: the identity, a matrix (both linear), or
    OpenColorIO's CPU processor; :meth:`gray_table` tabulates it over a gray frame's codes."""

    src: str
    dst: str
    matrix: np.ndarray | None = None   # 3x3, out = matrix @ in, when the conversion is linear
    _cpu: object | None = None
    _tables: dict | None = None

    @property
    def identity(self) -> bool:
        return self.src == self.dst

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """A converted copy of ``rgb`` (..., 3) float32 (values outside 0-1 are kept)."""
        rgb = np.asarray(rgb, np.float32)
        if self.identity:
            return rgb.copy()
        if self.matrix is not None:
            import cv2

            flat = np.ascontiguousarray(rgb).reshape(-1, 1, 3)
            return cv2.transform(flat, self.matrix).reshape(rgb.shape)
        out = np.array(rgb, np.float32, order="C", copy=True)
        self._cpu.applyRGB(out)   # releases the GIL: frames convert in parallel threads
        return out

    def gray_table(self, kind: str) -> np.ndarray:
        """(65536, 3): this conversion of the gray pixel of every code (``CODE_VALUES``)."""
        with _LOCK:
            if self._tables is None:
                self._tables = {}
            if kind not in self._tables:
                v = CODE_VALUES[kind]()
                v = np.where(np.isfinite(v), v, 0.0).astype(np.float32)   # half NaN/inf codes: never looked up
                self._tables[kind] = self.apply(np.repeat(v[:, None], 3, 1))
            return self._tables[kind]


_LOCK = threading.Lock()
_CONVERSIONS: dict[tuple[str, str], Conversion] = {}


def conversion(src: str, dst: str) -> Conversion:
    """The conversion between two spaces (any of their names), built once per process."""
    src, dst = canonical(src), canonical(dst)
    with _LOCK:
        conv = _CONVERSIONS.get((src, dst))
        if conv is None:
            conv = _CONVERSIONS[(src, dst)] = _build(src, dst)
        return conv


def _build(src: str, dst: str) -> Conversion:
    if src == dst:
        return Conversion(src, dst)
    cpu = config().getProcessor(src, dst).getDefaultCPUProcessor()
    conv = Conversion(src, dst, _cpu=cpu)
    if is_linear(src) and is_linear(dst):
        m = _probe_matrix(cpu)
        if m is not None:
            conv.matrix = m
    return conv


def _probe_matrix(cpu) -> np.ndarray | None:
    """The 3x3 matrix of a processor that is one (checked on points from -1 to 16), else None."""
    basis = np.eye(3, dtype=np.float32)
    cpu.applyRGB(basis)
    m = np.ascontiguousarray(basis.T)
    pts = np.random.default_rng(0).uniform(-1.0, 16.0, (64, 3)).astype(np.float32)
    got = pts.copy()
    cpu.applyRGB(got)
    want = pts @ m.T
    return m if np.allclose(got, want, rtol=1e-5, atol=1e-6) else None
