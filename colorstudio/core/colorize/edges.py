"""Edge-aware upsampling of the predicted colour, guided by the lightness.

The network predicts ab at half its input size (or less); a plain bilinear upsampling lets
colour bleed a few pixels past every edge (a red coat's colour on the wall beside it).
He and Sun's fast guided filter fits, in every small window of the small ab, a linear
model ab ~ A * L + B; A and B are smooth, so they are upsampled, and the full-size
lightness then draws the colour's edges where the lightness has them.
"""

from __future__ import annotations

import cv2
import numpy as np

GUIDE_RADIUS = 2        # window radius in pixels of the small ab
GUIDE_EPS = 16.0        # L units^2: a window whose lightness varies less is smoothed, not fitted


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), normalize=True, borderType=cv2.BORDER_REFLECT)


def guided_upsample(ab: np.ndarray, guide: np.ndarray, radius: int = GUIDE_RADIUS,
                    eps: float = GUIDE_EPS) -> np.ndarray:
    """``ab`` (h, w, 2) upsampled to the size of ``guide`` (H, W; lightness in L units,
    0-100) along its edges: (H, W, 2) float32.  ``radius`` in pixels of ``ab``; ``eps`` the
    lightness variance below which a window counts as flat."""
    h, w = ab.shape[:2]
    H, W = guide.shape[:2]
    guide = np.ascontiguousarray(guide, np.float32)
    small = cv2.resize(guide, (w, h), interpolation=cv2.INTER_AREA) if (h, w) != (H, W) else guide
    p = np.ascontiguousarray(ab, np.float32)
    mi = _box(small, radius)
    vi = _box(small * small, radius) - mi * mi
    mp = _box(p, radius)
    cov = _box(p * small[:, :, None], radius) - mi[:, :, None] * mp
    a = cov / (vi[:, :, None] + np.float32(eps))
    b = mp - a * mi[:, :, None]
    a, b = _box(a, radius), _box(b, radius)
    if (h, w) != (H, W):
        a = cv2.resize(a, (W, H), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (W, H), interpolation=cv2.INTER_LINEAR)
    return (a * guide[:, :, None] + b).astype(np.float32, copy=False)
