"""How far each colour hint reaches: an edge-aware weight per hint and pixel (issue 35).

A hint should colour the *thing* it is put on and stop where that thing ends.  Each hint's
weight map is its impulse spread by Gastal and Oliveira's domain transform (SIGGRAPH 2011,
the recursive filter): an exponential decay along the image whose distance grows with every
step *across* the guide's edges.  The guide is the lightness and the colorizer's own
prediction: where the network draws a colour boundary (a face against a wall, a shirt under
a chin), a hint stops even when the lightness alone does not; so the default colorizer's
knowledge of what belongs together steers the user's colour without a network that takes
hints.  Weights are 1 at the hint and fall towards 0; the filter runs on the network's small
grid (milliseconds), vectorised over all hints at once.
"""

from __future__ import annotations

import numpy as np

ITERATIONS = 3          # passes of the recursive filter (Gastal & Oliveira use 3)
L_SIGMA = 100.0         # L units: the range of the lightness (a step of 20 cuts the reach ~10x)
AB_SIGMA = 100.0        # ab units: the range of the network's own colour, likewise
L_TOLERANCE = 20.0      # L units: how unlike the hinted pixel's lightness a pixel may be and follow
WALL = 1000.0           # the guide's step across a protected region's edge (per unit of protected fraction):
                        # the reach across it is exp(-1000) -- none -- even for a cell only partly protected


def _edge_distance(guide: np.ndarray, axis: int, sigma_s: float) -> np.ndarray:
    """1 + sigma_s * sum_c |d guide_c| along ``axis``: the domain transform's step (guide
    channels already divided by their range sigma)."""
    d = np.abs(np.diff(guide, axis=axis)).sum(axis=-1)
    return 1.0 + sigma_s * d


def _pass(f: np.ndarray, v: np.ndarray, axis: int) -> None:
    """One recursive filter along ``axis`` of ``f`` (h, w, K), both ways, in place; ``v``:
    the feedback per step (h, w-1) or (h-1, w)."""
    n = f.shape[axis]
    take = (lambda i: (slice(None), i)) if axis == 1 else (lambda i: (i,))
    vk = v[..., None]
    for i in range(1, n):
        cur, prev = take(i), take(i - 1)
        f[cur] += vk[prev] * (f[prev] - f[cur])
    for i in range(n - 2, -1, -1):
        cur, nxt = take(i), take(i + 1)
        f[cur] += vk[cur] * (f[nxt] - f[cur])


def reach_weights(points: np.ndarray, lightness: np.ndarray, ab: np.ndarray | None,
                  sigma_s: np.ndarray | float, l_sigma: float = L_SIGMA, ab_sigma: float = AB_SIGMA,
                  l_tolerance: float | None = L_TOLERANCE, iterations: int = ITERATIONS,
                  wall: np.ndarray | None = None) -> np.ndarray:
    """(K, h, w) float32 in [0, 1]: how much of hint k's colour each pixel takes.

    ``points`` (K, 2) int rows (y, x) on the grid; ``lightness`` (h, w) in L units;
    ``ab`` (h, w, 2) the colorizer's prediction (None: the lightness alone guides);
    ``sigma_s`` the reach in pixels (one per hint, or one for all); ``l_tolerance``: a
    Gaussian of the lightness difference to the hinted pixel on top (a hint on a dark coat
    does not colour the pale face above it, even where the edge between them is soft).
    ``wall`` (h, w) in [0, 1]: the protected fraction of each pixel (``core.colorize.protect``):
    no reach crosses its edge (a hint goes around the region, not through it) and a pixel keeps
    only its unprotected share of the weight (none inside the region, a hint inside included)."""
    pts = np.asarray(points, np.int64).reshape(-1, 2)
    h, w = lightness.shape
    k = len(pts)
    if k == 0:
        return np.zeros((0, h, w), np.float32)
    chans = [np.asarray(lightness, np.float32)[:, :, None] / np.float32(l_sigma)]
    if ab is not None:
        chans.append(np.asarray(ab, np.float32) / np.float32(ab_sigma))
    if wall is not None:
        wall = np.clip(np.asarray(wall, np.float32), 0.0, 1.0)
        chans.append(wall[:, :, None] * np.float32(WALL))
    guide = np.concatenate(chans, axis=-1)
    sig = np.broadcast_to(np.asarray(sigma_s, np.float32), (k,)).astype(np.float32)
    # Hints of different reach: filter each group of equal reach together.
    out = np.empty((k, h, w), np.float32)
    for s in np.unique(sig):
        idx = np.nonzero(sig == s)[0]
        f = np.zeros((h, w, len(idx)), np.float32)
        f[pts[idx, 0], pts[idx, 1], np.arange(len(idx))] = 1.0
        dx = _edge_distance(guide, 1, float(s))
        dy = _edge_distance(guide, 0, float(s))
        for it in range(iterations):
            sigma_h = s * np.sqrt(3.0) * 2.0 ** (iterations - it - 1) / np.sqrt(4.0 ** iterations - 1)
            a = np.exp(-np.sqrt(2.0) / sigma_h)
            _pass(f, np.power(a, dx).astype(np.float32), 1)
            _pass(f, np.power(a, dy).astype(np.float32), 0)
        peak = f[pts[idx, 0], pts[idx, 1], np.arange(len(idx))]
        out[idx] = np.moveaxis(f / np.maximum(peak, 1e-30), -1, 0)
    if l_tolerance:
        lp = np.asarray(lightness, np.float32)
        d = lp[None] - lp[pts[:, 0], pts[:, 1]][:, None, None]
        out *= np.exp(-d * d / np.float32(2.0 * l_tolerance * l_tolerance))
    if wall is not None:
        out *= np.float32(1.0) - wall
    return np.clip(out, 0.0, 1.0)
