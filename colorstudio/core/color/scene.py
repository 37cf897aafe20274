"""The colour of a VFX frame: the network's ab recombined with the frame's own values.

The network saw the frame's display-referred lightness L (``core.color.spaces.DISPLAY``).
The colour is made in linear light -- L and the upsampled ab -> linear Rec.709, OpenCV's
Lab -> linear RGB, clipped to the display gamut as ``lab_to_rgb`` clips -- and converted to
the output space.  A gray frame keeps its own values: what is written is the frame (in the
output space) *plus the difference* between the colour and its gray twin (the same L, ab 0),
so where no colour is added the difference is exactly zero and every value comes out bit for
bit -- highlights above display white, negative noise, the 10-bit code or half float -- and
nothing passes through 8 bits.  A colour frame is rebuilt from its L (its own chroma dropped,
as the pipeline drops it) at float precision.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from colorstudio.core.color import spaces
from colorstudio.core.color.spaces import DISPLAY, LINEAR, Conversion


def upsample_ab(ab: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """(h, w, 2) ab -> (H, W, 2), bilinear with half-pixel centres (as ``pipeline.compose``)."""
    if ab.shape[:2] == hw:
        return np.ascontiguousarray(ab, dtype=np.float32)
    return cv2.resize(np.ascontiguousarray(ab, dtype=np.float32), (hw[1], hw[0]), interpolation=cv2.INTER_LINEAR)


def lab_colour(L: np.ndarray, ab: np.ndarray, encoded: bool = False) -> np.ndarray:
    """L (H, W) in 0-100 and ab (H, W, 2) -> linear Rec.709 in [0, 1] (``encoded``: sRGB-encoded
    instead), float32 (H, W, 3); out-of-gamut colours clipped in the display gamut."""
    lab = cv2.merge([np.ascontiguousarray(L, dtype=np.float32), ab])
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB if encoded else cv2.COLOR_Lab2LRGB, dst=lab)
    return np.clip(rgb, 0.0, 1.0, out=rgb)


def recolour(L: np.ndarray, ab: np.ndarray, to_out: Conversion, base: np.ndarray | None = None,
             gray_out: np.ndarray | None = None, gray_twin: np.ndarray | None = None) -> np.ndarray:
    """The coloured frame in the output space, float32 (H, W, 3).

    ``L``: the frame's display lightness (H, W), 0-100; ``ab``: the colour (h, w, 2) in Lab
    units, saturation applied; ``to_out``: linear Rec.709 (:data:`LINEAR`) -> the output space.
    ``base``: a gray frame's own values in the output space (H, W, 3), kept and coloured by
    the difference (exact where ab is 0); None for a colour frame, rebuilt from L.
    ``gray_out``: the gray twin already in the output space, when the caller has it cheaper
    (a table over the frame's codes).  ``gray_twin`` (H, W): the twin's one value per pixel
    (a neutral has R = G = B) in the colour's own encoding -- linear, or sRGB-encoded for an
    sRGB output -- when the caller has it (:class:`Prepared`), instead of a second Lab
    conversion of the whole frame.
    """
    if to_out.src != spaces.canonical(LINEAR):
        raise ValueError(f"the colour is recombined in {spaces.canonical(LINEAR)}, not {to_out.src}")
    hw = L.shape[:2]
    up = upsample_ab(ab, hw)
    plain = (up[:, :, 0] == 0) & (up[:, :, 1] == 0)   # no colour added here: the frame's own values
    if base is not None and plain.all():
        return base.copy()
    encoded = to_out.dst == spaces.canonical(DISPLAY)   # sRGB out: OpenCV encodes, as the pipeline does
    col = lab_colour(L, up, encoded)
    if base is None:
        return col if encoded else to_out.apply(col)
    if gray_out is None:
        gray = lab_colour(L, np.zeros_like(up), encoded) if gray_twin is None else gray_twin[:, :, None]
        if encoded or to_out.matrix is not None or to_out.identity:
            diff = col - gray                         # linear (or the same encoding): convert the difference
            if not encoded and not to_out.identity:
                diff = to_out.apply(diff)
        else:   # a conversion pixel by pixel: the twin as a whole frame
            diff = to_out.apply(col) - to_out.apply(np.ascontiguousarray(np.broadcast_to(gray, col.shape)))
    else:
        diff = (col if encoded else to_out.apply(col)) - gray_out
    if plain.any():
        diff[plain] = 0.0
    return np.add(base, diff, out=diff)


# OpenCV's luminance of linear sRGB (the Y row of its RGB -> XYZ, D65): the Y its Lab's L is of.
Y_WEIGHTS = np.array([[0.212671, 0.715160, 0.072169]], np.float32)


def lightness_of_y(y: np.ndarray) -> np.ndarray:
    """CIE L (0-100, float32) of luminance ``y`` (any shape; clipped to display white, 0-1),
    as OpenCV's Lab gives it for a gray of that luminance."""
    y = np.clip(np.asarray(y, np.float32), 0.0, 1.0)
    rows = _rows(y)
    tri = cv2.merge([rows, rows, rows])
    return cv2.cvtColor(tri, cv2.COLOR_LRGB2Lab)[:, :, 0].reshape(y.shape)


def display_gray(L: np.ndarray) -> np.ndarray:
    """The sRGB-encoded gray (0-1) of lightness ``L``: what the network and the smoother see."""
    rows = _rows(np.asarray(L, np.float32))
    return lab_colour(rows, np.zeros(rows.shape + (2,), np.float32), encoded=True)[:, :, 1].reshape(np.shape(L))


def _rows(a: np.ndarray) -> np.ndarray:
    """``a`` as a 2-D image with long rows (OpenCV converts row by row: one pixel a row is slow)."""
    return np.ascontiguousarray(a if a.ndim == 2 else a.reshape(1, -1))


@dataclass
class Prepared:
    """A frame ready for the network and the recombination (all (H, W) float32, ``base`` x 3)."""

    gray: np.ndarray                 # its display gray, 0-1: what the network and the smoother see
    L: np.ndarray                    # its display lightness, 0-100
    base: np.ndarray                 # its own values in the output space (a colour frame's: its luminance)
    gray_out: np.ndarray | None = None   # the gray twin in the output space, from a table
    linear: np.ndarray | None = None     # the gray twin in linear light (its luminance, 0-1), (H, W)


class FrameColour:
    """Frames of one sequence from ``space_in`` to ``space_out``: :meth:`prepare` before the
    network, :meth:`finish` after it.  A gray frame with codes (``core.io.vfx.Frame``) is
    converted through tables of its 65,536 possible codes (each code's value converted by
    OpenColorIO once per process); other frames pixel by pixel."""

    def __init__(self, space_in: str, space_out: str):
        self.space_in, self.space_out = spaces.canonical(space_in), spaces.canonical(space_out)
        self.to_lin = spaces.conversion(self.space_in, LINEAR)
        self.to_out = spaces.conversion(self.space_in, self.space_out)
        self.lin_out = spaces.conversion(LINEAR, self.space_out)
        self._tables: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _slow_out(self) -> bool:
        """The output space is reached from linear only pixel by pixel (log, video)."""
        return not (self.lin_out.identity or self.lin_out.matrix is not None
                    or self.space_out == spaces.canonical(DISPLAY))

    def tables(self, kind: str) -> tuple:
        """(L, display gray, base or None, gray twin out or None, gray twin linear) of every code
        of ``kind``."""
        with self._lock:
            if kind not in self._tables:
                lin = self.to_lin.gray_table(kind)
                L = lightness_of_y(cv2.transform(lin[None], Y_WEIGHTS)[0])
                base = None if self.to_out.identity else self.to_out.gray_table(kind)
                neutral = lab_colour(L[None], np.zeros((1, len(L), 2), np.float32))[0]   # each code's twin, linear
                twin = self.lin_out.apply(neutral[None])[0] if self._slow_out() else None
                self._tables[kind] = (L, display_gray(L), base, twin, np.ascontiguousarray(neutral[:, 1]))
            return self._tables[kind]

    def prepare(self, pixels: np.ndarray | Callable[[], np.ndarray], codes: np.ndarray | None = None,
                kind: str = "int", gray: bool = False) -> Prepared:
        """``pixels`` (H, W, 3) float32 in ``space_in`` (or a function that makes them: through
        the tables of a gray frame's ``codes``, (H, W) uint16, they are needed only when the
        output space is the input's)."""
        values = pixels if callable(pixels) else (lambda: pixels)
        if codes is not None:
            L_t, g_t, base_t, twin_t, lin_t = self.tables(kind)
            base = values() if base_t is None else np.take(base_t, codes, axis=0)
            return Prepared(np.take(g_t, codes), np.take(L_t, codes), base,
                            None if twin_t is None else np.take(twin_t, codes, axis=0),
                            None if twin_t is not None else np.take(lin_t, codes))
        pixels = values()
        lin = self.to_lin.apply(pixels)
        y = cv2.transform(lin, Y_WEIGHTS)
        L = lightness_of_y(y)
        if gray:
            base = pixels if self.to_out.identity else self.to_out.apply(pixels)
        else:   # its luminance kept (above display white too), its chroma dropped
            base = self.lin_out.apply(np.repeat(y[:, :, None], 3, axis=2))
        return Prepared(display_gray(L), L, base, linear=np.clip(y, 0.0, 1.0))

    def finish(self, prepared: Prepared, ab: np.ndarray) -> np.ndarray:
        """The coloured frame in ``space_out`` (:func:`recolour`); ``ab`` with saturation applied."""
        encoded = self.space_out == spaces.canonical(DISPLAY)   # recolour works in sRGB for sRGB out
        twin = prepared.gray if encoded else prepared.linear
        return recolour(prepared.L, ab, self.lin_out, prepared.base, prepared.gray_out, twin)

    def display(self, pixels_out: np.ndarray, hw: tuple[int, int] | None = None) -> np.ndarray:
        """A frame written in ``space_out`` as display sRGB (0-1), at ``hw`` when given (resized
        first): how a resumed sequence's smoother sees its last frame."""
        if hw is not None and pixels_out.shape[:2] != hw:
            pixels_out = cv2.resize(pixels_out, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
        return np.clip(spaces.conversion(self.space_out, DISPLAY).apply(pixels_out), 0.0, 1.0)

    def small_lightness(self, pixels: np.ndarray | Callable[[], np.ndarray], hw: tuple[int, int],
                        codes: np.ndarray | None = None, kind: str = "int") -> np.ndarray:
        """The frame's lightness (0-100, float32) at ``hw``, cheaply: what a shard's plan
        compares to find the shot's cuts (``pixels`` as :meth:`prepare` takes them)."""
        if codes is not None:
            L = np.take(self.tables(kind)[0], codes)
            return cv2.resize(L, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
        small = cv2.resize(pixels() if callable(pixels) else pixels, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
        return lightness_of_y(cv2.transform(self.to_lin.apply(small), Y_WEIGHTS))
