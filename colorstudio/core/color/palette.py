"""The 12-class CMP facade label palette: the one place that knows it.

Colours are those of the pix2pix facade label maps (CMP order); JPEG-compressed label
maps are snapped to the nearest entry.  Class ids here are 0-based (CMP id - 1).
"""

from __future__ import annotations

import numpy as np

CLASSES: tuple[str, ...] = (
    "background", "facade", "window", "door", "cornice", "sill",
    "balcony", "blind", "deco", "molding", "pillar", "shop",
)

COLORS = np.array([
    (0, 0, 222), (0, 48, 255), (0, 128, 255), (1, 207, 255), (32, 255, 224), (112, 254, 142),
    (192, 255, 63), (255, 240, 1), (255, 159, 0), (255, 80, 0), (254, 0, 0), (174, 0, 1),
], dtype=np.uint8)

# The original CMP PNG labels use jet(12) colours in the same class order.
CMP_JET_COLORS = np.array([
    (0, 0, 170), (0, 0, 255), (0, 85, 255), (0, 170, 255), (0, 255, 255), (85, 255, 170),
    (170, 255, 85), (255, 255, 0), (255, 170, 0), (255, 85, 0), (255, 0, 0), (170, 0, 0),
], dtype=np.uint8)

NUM_CLASSES = len(CLASSES)


def labels_to_rgb(ids: np.ndarray, colors: np.ndarray = COLORS) -> np.ndarray:
    """(H, W) class ids 0..11 -> (H, W, 3) uint8 label image."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= NUM_CLASSES):
        raise ValueError(f"class ids must be in 0..{NUM_CLASSES - 1}")
    return colors[ids]


def rgb_to_labels(rgb: np.ndarray, colors: np.ndarray = COLORS) -> np.ndarray:
    """(H, W, 3) label image (possibly JPEG-noisy, either palette) -> nearest class ids (uint8)."""
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"a label map must be an RGB image, got shape {rgb.shape}")
    px = rgb[:, :, :3].reshape(-1, 1, 3).astype(np.int32)
    best = np.full(px.shape[0], np.iinfo(np.int32).max, np.int64)
    ids = np.zeros(px.shape[0], np.uint8)
    for table in (colors, CMP_JET_COLORS) if colors is COLORS else (colors,):
        d = ((px - table[None].astype(np.int32)) ** 2).sum(-1)
        k = d.argmin(1)
        dk = d[np.arange(len(k)), k]
        better = dk < best
        ids[better], best[better] = k[better], dk[better]
    return ids.reshape(rgb.shape[:2])


def snap(rgb: np.ndarray) -> np.ndarray:
    """Clean a noisy label image: every pixel becomes its nearest palette colour."""
    return labels_to_rgb(rgb_to_labels(rgb))


def off_palette_share(rgb: np.ndarray, tolerance: float = 48.0, max_pixels: int = 1 << 16) -> float:
    """Share of pixels farther than ``tolerance`` (RGB distance) from every palette colour
    (either palette): near 0 for a label map, large for an ordinary photo.  Measured on an
    even subsample of at most ``max_pixels`` pixels."""
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        return 1.0
    px = rgb[:, :, :3].reshape(-1, 3)
    if px.dtype == np.uint16:
        px = (px >> 8).astype(np.uint8)
    step = max(1, px.shape[0] // max_pixels)
    px = px[::step].astype(np.int32)[:, None]
    d = np.minimum(((px - COLORS[None].astype(np.int32)) ** 2).sum(-1).min(1),
                   ((px - CMP_JET_COLORS[None].astype(np.int32)) ** 2).sum(-1).min(1))
    return float((d > tolerance * tolerance).mean())
