"""Colour hints: the Hint, its planes for networks that take them, and the hint step after
any colorizer's network (issue 35) -- the picture's palette refit and each hint carried to the
pixels coloured alike (``core.colorize.hint_palette``), each hint's residual spread over the
thing it is put on (``core.colorize.hint_spread``), a protected region kept (``core.colorize.protect``), the dots
made to land after the edge-aware upsampling.  ``core.colorize.pipeline`` runs it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple, Sequence

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import hint_palette, hint_spread, protect as protection
from colorstudio.core.colorize.edges import guided_upsample

@dataclass(frozen=True)
class Hint:
    """A user colour hint: position as fractions of width/height, colour as Lab ab;
    ``reach``: how far it pulls the colours around it, as a fraction of the long side
    (None: the caller's, by default :data:`HINT_REACH`)."""

    x: float
    y: float
    a: float
    b: float
    reach: float | None = None

    @classmethod
    def from_rgb(cls, x: float, y: float, rgb: Sequence[float], reach: float | None = None) -> "Hint":
        """rgb as 0-255 ints or 0-1 floats."""
        arr = np.asarray(rgb, np.float32).reshape(1, 1, 3)
        if arr.max() > 1.0:
            arr = arr / 255.0
        lab = color.rgb_to_lab(arr)[0, 0]
        return cls(float(x), float(y), float(lab[1]), float(lab[2]), reach)


def rasterize_hints(hints: Iterable[Hint], hw: tuple[int, int], radius: int = 1) -> np.ndarray:
    """Hints -> (3, h, w): ab_norm at each hint (a (2r+1)^2 patch), then a 0/1 mask."""
    h, w = hw
    out = np.zeros((3, h, w), np.float32)
    for hint in hints:
        cx = int(np.clip(round(hint.x * w - 0.5), 0, w - 1))
        cy = int(np.clip(round(hint.y * h - 0.5), 0, h - 1))
        ys, xs = slice(max(0, cy - radius), cy + radius + 1), slice(max(0, cx - radius), cx + radius + 1)
        out[0, ys, xs] = color.normalize_ab(hint.a)
        out[1, ys, xs] = color.normalize_ab(hint.b)
        out[2, ys, xs] = 1.0
    return out


HINT_REACH = 0.3       # of the long side: how far a hint pulls the colours around it (flat ground)
HINT_REACH_RANGE = (0.01, 0.5)
HINT_L_SIGMA = 100.0   # L units: the lightness step that stops a hint (the domain transform's range)
HINT_CAST = 1.0        # how much hints that agree on a shift move the rest of the picture
HINT_CAST_MIN = 5      # hints it takes to say the whole palette is off (fewer colour things, not a cast)


class HintReach(NamedTuple):
    """Where each hint's colour goes on the network's grid (:func:`hint_weights`)."""

    pts: np.ndarray      # (K, 2) int: each hint's (y, x) cell
    local: np.ndarray    # (K, h, w) in [0, 1]: its edge-aware reach around it
    alike: np.ndarray    # (K, h, w) in [0, 1]: the pixels the network coloured like it
    lightness: np.ndarray   # (h, w) L units on this grid

    @property
    def shown(self) -> np.ndarray:
        """(K, h, w): how much of each hint's colour a pixel takes, as :func:`propagate_hints`
        gives it and the reach overlay shows it -- the local reach, and beyond it (where no
        hint reaches fully) the share given to the pixels coloured alike."""
        beyond = (1.0 - self.local.max(0)) * hint_palette.ALIKE_SHARE
        return np.clip(self.local + beyond[None] * self.alike, 0.0, 1.0).astype(np.float32)


def hint_weights(ab: np.ndarray, l_norm: np.ndarray, hints: Sequence[Hint], reach: float = HINT_REACH,
                 l_sigma: float = HINT_L_SIGMA, protect: np.ndarray | None = None) -> HintReach:
    """Where each hint's colour goes on the network's grid (``ab``: the network's own colour,
    the guide) -- what :func:`propagate_hints` applies and the hint editor's reach overlay
    shows.  ``protect`` (H, W) at any size, e.g. the photo's: the region no hint reaches or
    crosses (``core.colorize.protect``); each hint's own dot keeps weight 1 even there (a hint
    always lands)."""
    h, w = ab.shape[:2]
    L = color.denormalize_l(np.asarray(l_norm, np.float32))
    if L.shape != (h, w):
        L = cv2.resize(L, (w, h), interpolation=cv2.INTER_AREA)
    pts = np.array([[int(np.clip(round(t.y * h - 0.5), 0, h - 1)), int(np.clip(round(t.x * w - 0.5), 0, w - 1))]
                    for t in hints], np.int64).reshape(-1, 2)
    sig = np.array([max(1.0, (t.reach if t.reach is not None else reach) * max(h, w)) for t in hints], np.float32)
    wall = None if protect is None else protection.cells(protect, (h, w))
    wts = hint_spread.reach_weights(pts, L, ab, sig, l_sigma=l_sigma, wall=wall)
    alike = hint_palette.alike_weights(ab, L, pts, wall)
    if wall is not None:
        for k, (cy, cx) in enumerate(pts):   # the dot stamp_hints puts down
            wts[k, max(0, cy - 1):cy + 2, max(0, cx - 1):cx + 2] = 1.0
    return HintReach(pts, wts, alike, L)


def propagate_hints(ab: np.ndarray, l_norm: np.ndarray, hints: Sequence[Hint],
                    reach: float = HINT_REACH, l_sigma: float = HINT_L_SIGMA,
                    weights: HintReach | None = None,
                    protect: np.ndarray | None = None, refit: bool = True) -> np.ndarray:
    """Pull the predicted ab (h, w, 2) to the hints' colours (``l_norm``: the network's (h, w)
    lightness input).  Any colorizer takes hints through this step, in three moves:

    1. five or more hints refit the picture's palette (``hint_palette.refit_palette``: one
       affine map of the network's colours and the lightness, held towards no change);
    2. each hint's residual (its colour minus the refit colour at it) is added with an
       edge-aware weight (:func:`hint_spread.reach_weights`: 1 at the hint, falling with the
       distance along the image and faster across edges of the lightness and of the network's
       own colour), so it fills the thing it is put on and stops where the network sees
       another thing;
    3. beyond that reach, the pixels the network coloured like the hint's cell (the same
       thing elsewhere, ``hint_palette.alike_weights``) take half of it.

    Where several hints reach a pixel, the nearest and most alike leads.  Several hints that
    still agree on one shift move the rest of the picture by as much as they agree.
    ``weights``: :func:`hint_weights` of these inputs, when the caller has them.  ``protect``
    (H, W): a region kept at ``ab`` (no reach, no refit, no cast; the hints' dots still land).
    ``refit`` False: no palette refit (frames of a shot: a map fitted frame by frame flickers).
    """
    if not hints:
        return ab
    reach_ = weights if weights is not None else hint_weights(ab, l_norm, hints, reach, l_sigma, protect)
    pts, wts = reach_.pts, reach_.local
    free = None if protect is None else 1.0 - protection.cells(protect, ab.shape[:2])
    tgt = np.array([[t.a, t.b] for t in hints], np.float32)
    base = hint_palette.refit_palette(ab, reach_.lightness, pts, tgt, free) if refit else ab
    resid = tgt - base[pts[:, 0], pts[:, 1]]
    out = hint_palette.blend(base, wts, resid)
    # Beyond the local reach, the pixels the network coloured like a hint take a share of it.
    alike = hint_palette.blend(np.zeros_like(base), hint_palette.ALIKE_SHARE * reach_.alike, resid)
    out += alike * (1.0 - wts.max(0))[:, :, None]
    if len(hints) >= HINT_CAST_MIN and HINT_CAST:
        # Several hints that still agree on a shift (the picture's palette is off, not one
        # thing's colour) shift the rest of the picture too, as far as they agree.
        med = np.median(resid, 0)
        spread = np.median(np.linalg.norm(resid - med, axis=1))
        agree = float(np.clip(1.0 - spread / max(1e-6, float(np.linalg.norm(med))), 0.0, 1.0))
        rest = 1.0 - wts.max(0) if free is None else (1.0 - wts.max(0)) * free
        out += (HINT_CAST * agree * rest)[:, :, None] * med
    return stamp_hints(out.astype(np.float32, copy=False), hints)   # the dots: exactly their colour


def hinted_ab(ab: np.ndarray, x: np.ndarray, hints: Sequence[Hint], reach: float = HINT_REACH,
              edges: bool = True, weights: HintReach | None = None,
              protect: np.ndarray | None = None, plain: np.ndarray | None = None,
              refit: bool = True) -> np.ndarray:
    """The network's ab for input ``x`` finished as every caller (single image, batch,
    video) finishes it: the hints made to land, then (``edges``) upsampled to the input's
    size along the edges of its lightness (:func:`edges.guided_upsample`).

    ``protect`` (H, W), e.g. the photo's: that region keeps the model's own no-hint colour --
    ``plain``, the network's answer without hints (a network that takes hints: its answer to
    empty hint planes; by default ``ab``), finished alike -- blended on this grid with a soft
    edge (``core.colorize.protect``); the hints' dots still land (a hint is an order).
    ``refit`` False: the hints do not refit the picture's palette (:func:`propagate_hints`)."""
    net = ab
    if hints:
        l_norm = x[0, 0]
        if l_norm.shape != ab.shape[:2]:
            l_norm = cv2.resize(l_norm, (ab.shape[1], ab.shape[0]), interpolation=cv2.INTER_AREA)
        if protect is not None and weights is None:
            weights = hint_weights(ab, l_norm, hints, reach, protect=protect)
        ab = propagate_hints(ab, l_norm, hints, reach, weights=weights, refit=refit)
    ab_h, radius = ab.shape[0], 1
    if edges and x.shape[2:4] != ab.shape[:2]:
        ab = guided_upsample(ab, color.denormalize_l(x[0, 0]))
        radius = max(1, round(1.5 * x.shape[2] / max(1, ab_h)))
        if hints:   # the upsampling's windows must not blur the dots away: the same dot, on this grid
            stamp_hints(ab, hints, radius=radius)
    if hints and protect is not None:
        base = hinted_ab(net if plain is None else plain, x, (), reach, edges)
        ab = stamp_hints(protection.keep(ab, base, protect), hints, radius=radius)
    return ab


def stamp_hints(ab: np.ndarray, hints: Sequence[Hint], radius: int = 1) -> np.ndarray:
    """The dot each hint puts down ((2 radius + 1)^2 cells of ``ab``, (h, w, 2)) set to exactly
    its colour, in place: a hint always lands where it is put."""
    h, w = ab.shape[:2]
    r = int(radius)
    for t in hints:
        cy = int(np.clip(round(t.y * h - 0.5), 0, h - 1))
        cx = int(np.clip(round(t.x * w - 0.5), 0, w - 1))
        ab[max(0, cy - r):cy + r + 1, max(0, cx - r):cx + r + 1] = (t.a, t.b)
    return ab
