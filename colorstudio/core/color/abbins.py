"""Quantised ab bins for colorization as classification (Zhang et al. 2016).

Pure numpy (no torch): the trainer's data workers and the tests use it directly.

How the bins are chosen -- and why there are 313 of them
--------------------------------------------------------
Zhang et al. keep "the Q = 313 ab values on a grid of 10 which are in gamut" but do not
say how the set was made.  Rounding every sRGB colour's ab to the grid reaches only
262 grid points, and "bin centre in gamut for some L" only 229, so neither is it.
What reproduces the published 313 points exactly is this rule (the file that ships
them is named ``pts_in_hull``):

    keep the grid point c when the convex hull of the sRGB gamut, projected onto the
    ab plane, comes within one grid step of c in both a and b
    (Chebyshev distance from c to the hull <= grid).

:func:`ab_bins` computes that from first principles: the sRGB cube's edges (every
vertex of the hull is the image of a cube edge) converted with ``core.color``, their
convex hull, and an exact Chebyshev distance from each grid point to the hull.  For
``grid=10`` it gives 313 points; on that grid the kept points lie at most 9.73 from
the hull and the nearest dropped one 10.07, so the count is not a knife-edge artefact.
The points come sorted by a, then b -- the same 313 points in the same order as the
published table.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from colorstudio.core import color

STANDARD_Q = 313  # the count of Zhang et al.'s released bins (grid 10)


def _cube_edges(samples: int = 2049) -> np.ndarray:
    """RGB points along the 12 edges of the unit cube: (12 * samples, 3) float32."""
    t = np.linspace(0.0, 1.0, samples, dtype=np.float32)
    out = []
    for axis in range(3):
        others = [i for i in range(3) if i != axis]
        for u in (0.0, 1.0):
            for v in (0.0, 1.0):
                e = np.empty((samples, 3), np.float32)
                e[:, axis] = t
                e[:, others[0]] = u
                e[:, others[1]] = v
                out.append(e)
    return np.concatenate(out)


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise hull vertices of 2-D points (Andrew's monotone chain)."""
    pts = np.unique(np.round(points.astype(np.float64), 6), axis=0)  # sorted by x, then y

    def half(seq):
        chain: list[np.ndarray] = []
        for p in seq:
            while len(chain) >= 2:
                o, a = chain[-2], chain[-1]
                if (a[0] - o[0]) * (p[1] - o[1]) - (a[1] - o[1]) * (p[0] - o[0]) > 0:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


@lru_cache(maxsize=1)
def srgb_ab_hull() -> np.ndarray:
    """Vertices (V, 2) of the convex hull of all sRGB colours' ab, counter-clockwise."""
    rgb = _cube_edges()
    ab = color.rgb_to_lab(rgb[:, None, :])[:, 0, 1:]
    hull = _convex_hull(ab)
    hull.setflags(write=False)
    return hull


def chebyshev_distance_to_gamut(ab: np.ndarray) -> np.ndarray:
    """Chebyshev (max-norm) distance of ab points (..., 2) to the sRGB ab hull; 0 inside.

    Exact for the polygonal hull: the smallest r with ``p`` in ``hull + r * square`` is
    the largest ``(n . p - h(n)) / |n|_1`` over the edge normals of hull and square.
    """
    hull = srgb_ab_hull()
    edges = np.roll(hull, -1, axis=0) - hull
    normals = np.concatenate([np.stack([edges[:, 1], -edges[:, 0]], 1),  # outward (CCW)
                              np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], np.float64)])
    support = (normals @ hull.T).max(1)                   # h_hull(n)
    l1 = np.abs(normals).sum(1)
    p = np.asarray(ab, np.float64).reshape(-1, 2)
    d = ((p @ normals.T) - support) / l1
    return np.maximum(d.max(1), 0.0).reshape(np.shape(ab)[:-1])


@lru_cache(maxsize=8)
def _ab_bins(grid: float, reach: float) -> np.ndarray:
    hull = srgb_ab_hull()
    lo = np.floor((hull.min(0) - reach) / grid) * grid
    hi = np.ceil((hull.max(0) + reach) / grid) * grid
    a = np.arange(lo[0], hi[0] + grid / 2, grid)
    b = np.arange(lo[1], hi[1] + grid / 2, grid)
    A, B = np.meshgrid(a, b, indexing="ij")            # a-major: sorted by a, then b
    pts = np.stack([A.ravel(), B.ravel()], 1)
    keep = chebyshev_distance_to_gamut(pts) <= reach + 1e-9
    out = pts[keep].astype(np.float32)
    out.setflags(write=False)
    return out


def ab_bins(grid: float = 10.0, reach: float | None = None) -> np.ndarray:
    """In-gamut ab bin centres (Q, 2) float32 on a grid (Q = 313 for grid 10).

    ``reach`` (default: one grid step) is how close the sRGB gamut's hull must come to
    a grid point for it to be kept; see the module docstring.
    """
    if grid <= 0:
        raise ValueError(f"grid must be > 0, got {grid}")
    return _ab_bins(float(grid), float(grid if reach is None else reach)).copy()


def bins_from_data(ab: np.ndarray, grid: float = 10.0, min_count: int = 1) -> np.ndarray:
    """Grid points that at least ``min_count`` of the ab samples (..., 2) round to.

    The data-driven alternative to :func:`ab_bins` (e.g. for a narrow photo domain).
    """
    q = np.round(np.asarray(ab, np.float64).reshape(-1, 2) / grid).astype(np.int64)
    cells, counts = np.unique(q, axis=0, return_counts=True)  # sorted by a, then b
    cells = cells[counts >= min_count]
    if len(cells) == 0:
        raise ValueError("no ab samples: cannot derive bins from empty data")
    return (cells * grid).astype(np.float32)


def _pairwise_sq(ab: np.ndarray, bins: np.ndarray) -> np.ndarray:
    d = ab[:, None, :] - bins[None, :, :]
    return (d * d).sum(-1)


def nearest_bins(ab: np.ndarray, bins: np.ndarray, k: int = 1,
                 chunk: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    """Indices (M, k) and squared distances (M, k) of the k nearest bins of each point."""
    ab = np.asarray(ab, np.float32).reshape(-1, 2)
    bins = np.asarray(bins, np.float32)
    k = min(int(k), len(bins))
    idx = np.empty((len(ab), k), np.int64)
    dist = np.empty((len(ab), k), np.float32)
    for s in range(0, len(ab), chunk):
        d2 = _pairwise_sq(ab[s:s + chunk], bins)
        part = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(bins) else \
            np.broadcast_to(np.arange(len(bins)), d2.shape).copy()
        pd = np.take_along_axis(d2, part, 1)
        order = np.argsort(pd, axis=1, kind="stable")
        idx[s:s + chunk] = np.take_along_axis(part, order, 1)
        dist[s:s + chunk] = np.take_along_axis(pd, order, 1)
    return idx, dist


def soft_encode(ab: np.ndarray, bins: np.ndarray, sigma: float = 5.0, k: int = 5) -> np.ndarray:
    """Soft targets (..., Q): Gaussian weights (``sigma`` in ab units) on the k nearest bins.

    ``ab`` (..., 2) is in Lab units (not normalised).  Each row sums to 1.
    """
    ab = np.asarray(ab, np.float32)
    if ab.shape[-1] != 2:
        raise ValueError(f"ab must end in a dimension of 2, got shape {ab.shape}")
    bins = np.asarray(bins, np.float32)
    idx, d2 = nearest_bins(ab, bins, k)
    w = np.exp(-(d2 - d2[:, :1]) / (2.0 * sigma * sigma))  # shift: no underflow far out
    w /= w.sum(1, keepdims=True)
    out = np.zeros((len(idx), len(bins)), np.float32)
    np.put_along_axis(out, idx, w.astype(np.float32), 1)
    return out.reshape(ab.shape[:-1] + (len(bins),))


def empirical_prior(ab: np.ndarray, bins: np.ndarray, smooth_sigma: float = 0.0) -> np.ndarray:
    """Distribution (Q,) of the nearest bin over ab samples (..., 2), in Lab units.

    ``smooth_sigma`` > 0 spreads each count over neighbouring bins with a Gaussian
    (Zhang et al. smooth the ImageNet prior with sigma 5 before rebalancing).
    """
    idx, _ = nearest_bins(ab, bins, 1)
    p = np.bincount(idx[:, 0], minlength=len(bins)).astype(np.float64)
    if smooth_sigma > 0:
        b = np.asarray(bins, np.float64)
        g = np.exp(-_pairwise_sq(b, b) / (2.0 * smooth_sigma ** 2))
        p = g @ p
    total = p.sum()
    if total <= 0:
        raise ValueError("no ab samples: cannot estimate a prior")
    return (p / total).astype(np.float32)


def rebalance_weights(prior: np.ndarray, lam: float = 0.5) -> np.ndarray:
    """Class weights w_q proportional to ((1 - lam) p_q + lam / Q)^-1, scaled so E_p[w] = 1.

    Rare (saturated) colours get a larger weight in the cross-entropy, as in Zhang et al.
    """
    p = np.asarray(prior, np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or p.sum() <= 0:
        raise ValueError("prior must be a non-empty 1-D array of non-negative numbers")
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam}")
    p = p / p.sum()
    w = 1.0 / ((1.0 - lam) * p + lam / p.size)
    w /= (p * w).sum()
    return w.astype(np.float32)


def annealed_mean(probs: np.ndarray, bins: np.ndarray, T: float = 0.38, axis: int = -1) -> np.ndarray:
    """Decode bin probabilities to ab: mean of the distribution re-tempered by ``T``.

    ``T = 1`` is the plain mean (desaturated), ``T -> 0`` the mode (can be patchy);
    0.38 is Zhang et al.'s compromise.  The bin axis is replaced by a trailing 2.
    """
    if T <= 0:
        raise ValueError(f"temperature must be > 0, got {T}")
    p = np.moveaxis(np.asarray(probs, np.float64), axis, -1)
    logp = np.log(np.clip(p, 1e-30, None)) / T
    logp -= logp.max(-1, keepdims=True)
    q = np.exp(logp)
    q /= q.sum(-1, keepdims=True)
    return (q @ np.asarray(bins, np.float64)).astype(np.float32)
