"""A region the hints leave alone: the protect brush's mask on the network's grid (issue 35).

Why: a restorer who changes a shirt's colour wants the face beside it exactly as the model
coloured it, whatever the hint's reach.  The protect mask is drawn at the photo's full
resolution ((H, W) bool); the hint step runs on the network's small grid, so the mask
becomes each cell's protected *fraction* there (:func:`cells`).  The hint step uses it
twice: as a wall that no hint's reach enters or crosses (``hint_spread.reach_weights``'s
``wall``: hints outside spread around the region, not through it, and the reach overlay
shows none there), and as a blend back to the model's own no-hint colour
(:func:`keep`), which also covers what a hint-taking network itself did with the hints.

The rule for a hint put inside a protected region: a hint is an explicit order, so its own
dot is still its colour (``pipeline.stamp_hints``), but it spreads nowhere -- protection beats
reach, never the dot.
"""

from __future__ import annotations

import cv2
import numpy as np

EDGE_CELLS = 1   # the blend's soft edge: this many cells outside the region take part of the no-hint colour


def checked(mask: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray | None:
    """``mask`` checked against the photo's (H, W) (ValueError, one line, when it is not of that
    size); None when there is none or it protects nothing."""
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.shape != tuple(shape[:2]):
        raise ValueError(f"the protect mask is {m.shape[1] if m.ndim > 1 else '?'}x{m.shape[0]} px, the image "
                         f"{shape[1]}x{shape[0]}: it must be of the image's size")
    return m if m.any() else None


def cells(protect: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """The protected fraction of each cell of an (h, w) grid: (h, w) float32 in [0, 1], from a
    mask (H, W) at any size (bool, 0/1 or a fraction), averaged over each cell (area)."""
    m = np.asarray(protect)
    if m.ndim != 2 or min(m.shape) < 1:
        raise ValueError(f"a protect mask is one plane (H, W), got shape {m.shape}")
    h, w = int(hw[0]), int(hw[1])
    if m.dtype.kind in "biu":   # a brush's bool mask (or 0/1, or 0/255 8-bit): resized as 8-bit
        if m.dtype != np.uint8 or m.max() <= 1:
            m = np.asarray(m, bool).view(np.uint8) * np.uint8(255)
        frac = m if m.shape == (h, w) else cv2.resize(np.ascontiguousarray(m), (w, h), interpolation=cv2.INTER_AREA)
        return frac.astype(np.float32) / np.float32(255.0)
    f = np.clip(m.astype(np.float32), 0.0, 1.0)
    return f if f.shape == (h, w) else np.clip(cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA), 0.0, 1.0)


def blend_weight(frac: np.ndarray) -> np.ndarray:
    """How much of the no-hint colour each cell keeps: 1 on every wholly protected cell, the
    cell's fraction on the region's edge, and a ramp of :data:`EDGE_CELLS` cells outside it
    (the soft edge falls outside, so no hint colour creeps into the region)."""
    f = np.asarray(frac, np.float32)
    if not EDGE_CELLS:
        return f
    k = 2 * EDGE_CELLS + 1
    soft = cv2.blur(f, (k, k), borderType=cv2.BORDER_REPLICATE)
    return np.maximum(f, soft).astype(np.float32, copy=False)


def keep(ab: np.ndarray, plain: np.ndarray, protect: np.ndarray) -> np.ndarray:
    """``ab`` (h, w, 2) with the protected cells set back to ``plain`` (the no-hint colour on the
    same grid), exactly where a cell is wholly protected and blended on the soft edge."""
    if plain.shape != ab.shape:
        raise ValueError(f"the no-hint colour is {plain.shape}, the hinted one {ab.shape}")
    s = blend_weight(cells(protect, ab.shape[:2]))[:, :, None]
    return (ab * (np.float32(1.0) - s) + plain * s).astype(np.float32, copy=False)   # s = 1: plain exactly
