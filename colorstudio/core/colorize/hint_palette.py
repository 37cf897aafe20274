"""What a set of hints says beyond the pixels around each (issue 35): the picture's palette
refit, and the hint carried to the other pixels the network coloured alike.

Ten hints on a photo say more than ten local colours.  Where the network's colour is off the
same way all over (too saturated, too warm, bluish in the shadows -- the "vivid but wrong"
cases), the hints' pairs (the network's colour at the hint -> the hint's colour) fit one map
of the whole picture: a stretch of the network's ab plane along two axes, a shift, and a
shift with the lightness, held towards "no change" by a ridge so that a few hints, or hints
that disagree, change little.  And a hint
on a thing the network coloured distinctly (a brown coat, a green wall) also reaches the
other pixels it gave that same colour at that lightness (the same thing elsewhere: both
sleeves, every chair), half as strongly, as far as they are -- which the edge-aware local
reach (``core.colorize.hint_spread``) cannot, being bounded by distance.  Pixels the network
left near gray are no "thing" to it: they take no hint by likeness (a hint on a gray shirt
does not tint a gray wall).

Tuned on 25 held-out photos per kind and checked on about 50 others (docs/models.md): with
the local step, 10 truth hints gain +3.4 / +4.0 / +3.9 dB (people / interiors / animals; the
others: +3.4 / +3.1 / +3.2) where the local step alone gained +2.5 / +3.1 / +2.4.  The refit
is for photos: the frames of a shot keep their palette (``propagate_hints(refit=False)``), as a
map fitted frame by frame flickers.
"""

from __future__ import annotations

import numpy as np

PALETTE_MIN = 5          # hints it takes to refit the palette (fewer: colours of things, not of the picture)
PALETTE_RIDGE = 10.0     # how strongly the map is held to "no change": as many hints' worth of the
                         # whole picture's mean squared change (so a map that would flip or stretch
                         # colours the picture has much of costs what it changes there)
PALETTE_FLOOR = 1.0      # (ab and L units)²: the picture's spread taken as at least this (a gray picture)
PALETTE_STRETCH = (0.3, 3.0)   # the map scales no axis of the ab plane beyond these, and never mirrors
                               # one (an axis the fit would flip is muted to the least: unsure, not opposite)
ALIKE_SHARE = 0.5        # how much of its residual a hint gives to the pixels coloured alike
ALIKE_AB_SIGMA = 6.0     # ab units: how alike the network's colours must be (a Gaussian)
ALIKE_L_TOLERANCE = 8.0  # L units: ... and the lightness (tight: a white collar is not the face above it)
ALIKE_CHROMA = (4.0, 12.0)   # the network's chroma from which a pixel is a coloured thing (ramp)


def _rows(ab: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The palette map's design for the a and the b output of each pixel (float64 (N, 7) each):
    ``a' = m11 a + m12 b + ca + da (L - 50)``, ``b' = m12 a + m22 b + cb + db (L - 50)`` -- the
    unknowns ``(m11, m12, m22, ca, cb, da, db)``."""
    ab = np.asarray(ab, np.float64).reshape(-1, 2)
    a, b = ab[:, 0], ab[:, 1]
    lo = np.asarray(L, np.float64).reshape(-1) - 50.0
    z, one = np.zeros_like(a), np.ones_like(a)
    return np.stack([a, b, z, one, z, lo, z], 1), np.stack([z, a, b, z, one, z, lo], 1)


IDENTITY = np.array([1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0])


def palette_map(ab: np.ndarray, L: np.ndarray, pts: np.ndarray, targets: np.ndarray,
                ridge: float = PALETTE_RIDGE) -> np.ndarray:
    """The map's seven numbers (:func:`_rows`) that take the network's colour ``ab`` (h, w, 2)
    at the hints' cells ``pts`` (K, 2 rows (y, x)) to their colours ``targets`` (K, 2), by
    ridge regression towards the identity.

    Its colour part is symmetric -- a stretch or a squeeze of the ab plane along two axes,
    never a turn of the hues or a shear, which ten samples cannot justify for the colours
    they did not sample (and which measured no better) -- with each axis scaled within
    :data:`PALETTE_STRETCH`.  The ridge is the picture's own second moment: a change costs the
    mean squared change it makes over the whole picture, so hints that all sit on similar
    colours cannot turn the picture's other colours around, while one shift or desaturation
    they agree on is cheap to follow."""
    ra, rb = _rows(ab[pts[:, 0], pts[:, 1]], L[pts[:, 0], pts[:, 1]])
    X = np.concatenate([ra, rb])
    y = np.concatenate([np.asarray(targets, np.float64)[:, 0], np.asarray(targets, np.float64)[:, 1]])
    pa, pb = _rows(ab, L)
    moment = (pa.T @ pa + pb.T @ pb) / len(pa) + PALETTE_FLOOR * np.diag([1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    R = ridge * moment
    m = np.linalg.solve(X.T @ X + R, X.T @ y + R @ IDENTITY)
    w, v = np.linalg.eigh(np.array([[m[0], m[1]], [m[1], m[2]]]))
    stretch = v @ np.diag(np.clip(w, *PALETTE_STRETCH)) @ v.T   # a mirrored axis: muted, not flipped
    m[0], m[1], m[2] = stretch[0, 0], stretch[0, 1], stretch[1, 1]
    return m


def refit_palette(ab: np.ndarray, L: np.ndarray, pts: np.ndarray, targets: np.ndarray,
                  free: np.ndarray | None = None) -> np.ndarray:
    """``ab`` (h, w, 2) with the picture's palette refit to the hints (:func:`palette_map`;
    unchanged with fewer than :data:`PALETTE_MIN` hints); ``free`` (h, w) in [0, 1]: how much
    each pixel may change (a protected region: 0)."""
    if len(pts) < PALETTE_MIN:
        return ab
    m = palette_map(ab, L, pts, targets)
    pa, pb = _rows(ab, L)
    moved = np.stack([pa @ m, pb @ m], 1).reshape(ab.shape).astype(np.float32)
    return moved if free is None else ab + (moved - ab) * free[:, :, None]


def alike_weights(ab: np.ndarray, L: np.ndarray, pts: np.ndarray,
                  wall: np.ndarray | None = None) -> np.ndarray:
    """(K, h, w) float32 in [0, 1]: how alike each pixel is to each hint's cell in the
    network's colour ``ab`` (h, w, 2) and the lightness ``L`` (h, w, L units), nothing where
    either is near gray to the network (:data:`ALIKE_CHROMA`).  ``wall`` (h, w) in [0, 1]: the
    protected fraction of each cell -- none there, and none from a hint inside it."""
    h, w = L.shape
    if len(pts) == 0:
        return np.zeros((0, h, w), np.float32)
    ab = np.asarray(ab, np.float32)
    at = ab[pts[:, 0], pts[:, 1]]                                   # (K, 2)
    d2 = ((ab[None] - at[:, None, None]) ** 2).sum(-1)              # (K, h, w)
    dl = np.asarray(L, np.float32)[None] - L[pts[:, 0], pts[:, 1]][:, None, None]
    wts = np.exp(-d2 / np.float32(2.0 * ALIKE_AB_SIGMA ** 2) - dl * dl / np.float32(2.0 * ALIKE_L_TOLERANCE ** 2))
    c0, c1 = ALIKE_CHROMA
    thing = np.clip((np.hypot(ab[..., 0], ab[..., 1]) - c0) / (c1 - c0), 0.0, 1.0).astype(np.float32)
    if wall is not None:
        thing = thing * (np.float32(1.0) - np.clip(np.asarray(wall, np.float32), 0.0, 1.0))
    wts *= thing[None] * thing[pts[:, 0], pts[:, 1]][:, None, None]
    return wts.astype(np.float32, copy=False)


def blend(ab: np.ndarray, wts: np.ndarray, resid: np.ndarray) -> np.ndarray:
    """``ab`` + each pixel's share of the hints' residuals ``resid`` (K, 2) by weights
    ``wts`` (K, h, w): where several reach a pixel, the nearest and most alike leads (weights
    to the 4th power, averaged), moved as far as the strongest weight says."""
    mix = wts ** 4
    num = np.tensordot(mix, resid, axes=(0, 0))
    den = mix.sum(0)
    return ab + num * (wts.max(0) / np.maximum(den, 1e-30))[:, :, None]
