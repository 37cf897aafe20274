"""Find and mend the damage of an old print's scan: the detector's mask, then a fill of the
masked lightness (issue 31).  Pure functions over a lightness plane ``L`` (H, W) float32 in
[0, 100]; the detector is a :class:`~colorstudio.core.inference.predictor.Runner` of a
``restore`` family (``damage-unet``: ``l_norm -> mask logits``).  The fills: OpenCV's Telea
(the default) and Navier-Stokes, or ``learned``: a Runner of an ``inpaint`` family
(``inpaint-unet``: ``cat(l_norm blanked, mask) -> l_norm``) that continues the grain and
edges a classical fill smears; ``bench.restoration`` compares them on the same masks.

Both stages work in tiles, so a 100-megapixel scan costs a tile's memory, not the scan's:
the detector sees tiles of ``tile`` px that overlap by ``overlap`` px (each keeps only its
centre, so no seam shows), and the fill visits only the tiles that hold masked pixels, each
with a margin wide enough for the fill to read the intact pixels around a crack.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.errors import UserError

CLASSICAL = ("telea", "ns")      # OpenCV's fast marching (Telea 2004) and Navier-Stokes fills
FILLS = CLASSICAL + ("learned",)  # ... and an inpaint family's net (inpaint-unet) on the lightness
MULTIPLE = 16                    # the detector's sides are multiples of this
LEARNED_MARGIN = 48              # px of intact context around each tile the learned fill reads
CHROMA_GAIN = 100.0              # a and b are filled scaled by this (see _classical)
THRESHOLD = 0.5                  # probability from which a pixel is damaged
DILATE = 1                       # px the mask grows before the fill (a crack's soft edge)


class RepairError(UserError, ValueError):
    """A mask that does not fit its photo, or a fill that does not exist."""


class Mender:
    """A damage detector with the fill it mends with (``--repair auto --fill ...``): it runs
    as the detector (every Runner attribute is the detector's), and :func:`repair`,
    :func:`repair_image` and the temporal repair take their fill from it when not told."""

    def __init__(self, detector, method: str = "telea", inpainter=None):
        if method not in FILLS:
            raise RepairError(f"unknown fill {method!r}; one of {', '.join(FILLS)}")
        if method == "learned":
            _learned(inpainter)   # refused now, not at the first damaged photo
        self.detector, self.fill_method, self.inpainter = detector, method, inpainter

    def __getattr__(self, name: str):
        return getattr(self.__dict__["detector"], name)


def fill_of(runner, method: str | None, inpainter) -> tuple[str, object]:
    """The fill asked for, else the runner's own (a :class:`Mender`), else Telea."""
    return (method or getattr(runner, "fill_method", None) or "telea",
            inpainter if inpainter is not None else getattr(runner, "inpainter", None))


class Repair(NamedTuple):
    L: np.ndarray | None      # the repaired lightness (H, W) float32 in [0, 100] (None: an image was mended)
    mask: np.ndarray          # (H, W) bool: the pixels that were filled
    prob: np.ndarray | None   # (H, W) float16: the detector's probability (None: a given mask)


def _tiles(h: int, w: int, tile: int, overlap: int) -> Iterator[tuple[slice, slice, slice, slice]]:
    """(read rows, read cols, keep rows, keep cols) covering (h, w): each tile is read with
    ``overlap`` px of context on each side and keeps its centre."""
    step = max(MULTIPLE, tile - 2 * overlap)
    for y in range(0, h, step):
        for x in range(0, w, step):
            y1, x1 = min(h, y + step), min(w, x + step)
            ry0, rx0, ry1, rx1 = max(0, y - overlap), max(0, x - overlap), min(h, y1 + overlap), min(w, x1 + overlap)
            yield slice(ry0, ry1), slice(rx0, rx1), slice(y - ry0, y1 - ry0), slice(x - rx0, x1 - rx0)


def _pad(a: np.ndarray, multiple: int = MULTIPLE) -> tuple[np.ndarray, tuple[int, int]]:
    h, w = a.shape
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if h > ph and w > pw else "edge"
        a = np.pad(a, ((0, ph), (0, pw)), mode=mode)
    return a, (h, w)


def detect(runner, L: np.ndarray, tile: int = 1024, overlap: int = 32, lightness: bool = True) -> np.ndarray:
    """The detector's probability (H, W) float16 that each pixel of ``L`` is damage.
    ``lightness`` False: ``L`` is an image (gray or RGB, any dtype) whose lightness is taken
    tile by tile, so a 100-megapixel scan never has a float copy of itself."""
    L = _check_l(L) if lightness else np.asarray(L)
    h, w = L.shape[:2]
    prob = np.zeros((h, w), np.float16)
    for ry, rx, ky, kx in _tiles(h, w, max(64, int(tile)), max(0, int(overlap))):
        src = L[ry, rx] if lightness else color.luminance(L[ry, rx])
        part, (th, tw) = _pad(np.ascontiguousarray(src, dtype=np.float32))
        x = color.normalize_l(part)[None, None].astype(np.float32)
        logits = np.asarray(runner.run(x))[0, 0, :th, :tw]
        p = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        prob[ry, rx][ky, kx] = p[ky, kx]
    return prob


def mask_of(prob: np.ndarray, threshold: float = THRESHOLD, dilate: int = DILATE) -> np.ndarray:
    """The pixels to fill: probability >= ``threshold``, grown by ``dilate`` px."""
    m = prob >= float(threshold)
    if dilate > 0 and m.any():
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1, 2 * dilate + 1))
        m = cv2.dilate(m.astype(np.uint8), k) > 0
    return m


def fill(plane: np.ndarray, mask: np.ndarray, method: str = "telea", radius: int = 5,
         tile: int = 1024, inpainter=None) -> np.ndarray:
    """``plane`` (H, W; L, or one channel of an image in its own dtype) with the ``mask``ed
    pixels filled from the intact ones around them, tile by tile: only tiles that hold
    masked pixels are visited, each as float32 with a margin (the fill sees past a crack's
    width); the result keeps ``plane``'s dtype and every unmasked pixel.

    ``method``: ``telea`` or ``ns`` (OpenCV, margin 4 * radius + 16 px), or ``learned``: the
    ``inpainter`` (a Runner of an ``inpaint`` family: ``cat(l_norm blanked, mask) -> l_norm``,
    margin :data:`LEARNED_MARGIN`) on a lightness -- a float ``plane`` is L in [0, 100], an
    integer one a gray image (its values taken to L and back exactly)."""
    plane = np.asarray(plane)
    if plane.ndim != 2 or min(plane.shape) < 1:
        raise RepairError(f"a fill needs one plane (H, W), got shape {plane.shape}")
    mask = check_mask(mask, plane.shape)
    if method == "learned":
        net = _learned(inpainter)
        mend = net if plane.dtype.kind == "f" else lambda g, m: _gray_scale(_via_l(g, m, net), g.dtype)
        return _mend(plane, mask, tile, LEARNED_MARGIN, mend)
    return _mend(plane, mask, tile, 4 * int(radius) + 16, _classical(method, radius))


def _classical(method: str, radius: int, gain: float = 1.0):
    """OpenCV's fill ``method`` as a tile mender (float32 (h, w), mask) -> float32.  ``gain``:
    the plane is filled scaled by it (OpenCV 4-5's Telea is off by up to +-1.5 in absolute
    units whatever the scale, which is nothing on L but a visible tint on a gray's a, b)."""
    if method not in CLASSICAL:
        raise RepairError(f"unknown fill {method!r}; one of {', '.join(FILLS)}")
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    return lambda src, m: cv2.inpaint(np.ascontiguousarray(src, dtype=np.float32) * np.float32(gain),
                                      m.astype(np.uint8), float(radius), flag) / np.float32(gain)


def _learned(inpainter):
    """The inpainter as a tile mender on L: (L (h, w) float, mask) -> L float32 in [0, 100]."""
    if inpainter is None:
        raise RepairError("the learned fill needs an inpainter (an inpaint-unet model's weights); "
                          f"without one use {' or '.join(CLASSICAL)}")
    mult = int(getattr(getattr(inpainter, "model", None), "multiple", None) or MULTIPLE)

    def mend(L: np.ndarray, m: np.ndarray) -> np.ndarray:
        h, w = L.shape
        l_norm, _ = _pad(np.where(m, 0.0, color.normalize_l(L.astype(np.float32))).astype(np.float32), mult)
        holes, _ = _pad(m.astype(np.float32), mult)
        y = np.asarray(inpainter.run(np.stack([l_norm, holes])[None]))[0, 0, :h, :w]
        return np.clip(color.denormalize_l(y.astype(np.float32)), 0.0, 100.0)

    return mend


def _mend(img: np.ndarray, mask: np.ndarray, tile: int, margin: int, mend) -> np.ndarray:
    """``img`` (H, W) or (H, W, C) with the masked pixels of every tile that holds any
    replaced by ``mend(tile of img, its mask)`` (float, in img's units); the rest kept."""
    out = img.copy()
    if not mask.any():
        return out
    h, w = mask.shape
    for ry, rx, ky, kx in _tiles(h, w, max(64, int(tile)), margin):
        m = mask[ry, rx]
        keep = m[ky, kx]
        if not keep.any():
            continue
        filled = np.asarray(mend(img[ry, rx], m))[ky, kx][keep]
        if out.dtype.kind in "ui":
            info = np.iinfo(out.dtype)
            filled = np.clip(np.rint(filled), info.min, info.max)
        out[ry, rx][ky, kx][keep] = filled.astype(out.dtype)
    return out


def _via_l(gray: np.ndarray, m: np.ndarray, net) -> np.ndarray:
    """A gray tile (any dtype) through its lightness: L filled by ``net``, back to a gray
    in [0, 1] (the sRGB gray of that L, as :func:`color.luminance` reads one)."""
    L = net(color.luminance(gray), m)
    return color.lab_compose(L, np.zeros(L.shape + (2,), np.float32))[:, :, 0]


def _gray_scale(g01: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A float gray in [0, 1] in the units of ``dtype`` (unrounded: :func:`_mend` rounds)."""
    return g01 * (float(np.iinfo(dtype).max) if np.dtype(dtype).kind in "ui" else 1.0)


def _learned_colour(rgb: np.ndarray, m: np.ndarray, net) -> np.ndarray:
    """A colour tile (H, W, 3, any dtype) mended in Lab: its lightness by ``net`` (what the
    net knows: it learned from gray scans), its chroma (a, b) by Telea (smooth on a print,
    hand-tinted or faded), recomposed; in the tile's units, unrounded."""
    lab = color.rgb_to_lab(rgb)
    lab[:, :, 0] = net(lab[:, :, 0], m)
    telea = _classical("telea", 5, gain=CHROMA_GAIN)
    for c in (1, 2):
        lab[:, :, c] = telea(lab[:, :, c], m)
    return _gray_scale(color.lab_to_rgb(lab), rgb.dtype)


def repair(runner, L: np.ndarray, threshold: float = THRESHOLD, dilate: int = DILATE,
           method: str | None = None, mask: np.ndarray | None = None, inpainter=None) -> Repair:
    """Detect (unless a ``mask`` is given: the restorer's own) and fill (``method``; the
    learned one with its ``inpainter``; by default the runner's own, :class:`Mender`)."""
    L = _check_l(L)
    method, inpainter = fill_of(runner, method, inpainter)
    if method == "learned":
        _learned(inpainter)   # refused before the detector runs
    prob = None
    if mask is None:
        prob = detect(runner, L)
        mask = mask_of(prob, threshold, dilate)
    else:
        mask = check_mask(mask, L.shape)
    return Repair(np.clip(fill(L, mask, method, inpainter=inpainter), 0.0, 100.0), mask, prob)


def repair_image(runner, image: np.ndarray, threshold: float = THRESHOLD, dilate: int = DILATE,
                 method: str | None = None, mask: np.ndarray | None = None,
                 inpainter=None) -> tuple[np.ndarray, Repair]:
    """A scan (gray or colour, 8/16-bit or float, with or without alpha) with its damage
    filled, in its own dtype and layout: the detector reads its lightness; alpha is kept.
    Telea and Navier-Stokes fill every colour channel under the same mask; the learned fill
    mends the lightness with the ``inpainter`` and, in a colour image, the chroma with Telea,
    recomposed in Lab (:func:`_learned_colour`).  Returns the repaired image and the
    :class:`Repair` of the lightness (its mask and probability)."""
    img = np.asarray(image)
    if img.ndim not in (2, 3) or img.size == 0:
        raise RepairError(f"cannot repair an image of shape {img.shape}")
    method, inpainter = fill_of(runner, method, inpainter)
    net = _learned(inpainter) if method == "learned" else None
    planes = img.shape[2] if img.ndim == 3 else 1
    colour = img[:, :, :3] if planes >= 3 else (img[:, :, 0] if img.ndim == 3 else img)
    if mask is None:
        prob = detect(runner, colour, lightness=False)
        r = Repair(None, mask_of(prob, threshold, dilate), prob)
    else:
        r = Repair(None, check_mask(mask, img.shape), None)
    if net is not None:
        mend = (lambda t, m: _gray_scale(_via_l(t, m, net), t.dtype)) if colour.ndim == 2 else \
            (lambda t, m: _learned_colour(t, m, net))
        mended = _mend(colour, r.mask, 1024, LEARNED_MARGIN, mend)
        if img.ndim == 2:
            return mended, r
        out = img.copy()
        out[:, :, :3 if planes >= 3 else 1] = mended if mended.ndim == 3 else mended[:, :, None]
        return out, r
    if img.ndim == 2:
        return fill(img, r.mask, method), r
    out = img.copy()
    for c in range(planes - (1 if planes in (2, 4) else 0)):   # the last of 2 or 4 is alpha
        out[:, :, c] = fill(img[:, :, c], r.mask, method)
    return out, r


def check_mask(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A mask as (H, W) bool, or a one-line error when it is not of the photo's size."""
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[2] in (1, 3, 4):
        m = m[..., 0]
    if m.shape != tuple(shape[:2]):
        raise RepairError(f"the damage mask is {m.shape[1] if m.ndim > 1 else '?'}x{m.shape[0]} px, "
                          f"the photo {shape[1]}x{shape[0]}: a mask must be of its photo's size")
    return m > (0.5 if m.dtype.kind == "f" else 0)


def _check_l(L: np.ndarray) -> np.ndarray:
    L = np.asarray(L)
    if L.ndim != 2 or min(L.shape) < 1:
        raise RepairError(f"repair needs a lightness plane (H, W), got shape {L.shape}")
    return L.astype(np.float32, copy=False)
