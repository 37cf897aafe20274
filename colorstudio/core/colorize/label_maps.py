"""CMP facade label maps as arrays of class ids: a seeded random layout, reading any label
image (palette or jet colours, gray ids, a pix2pix A|B pair) and writing one.  The
palette itself is :mod:`colorstudio.core.color.palette`'s."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from colorstudio.core.color.palette import CLASSES, NUM_CLASSES, labels_to_rgb, rgb_to_labels

DEFAULT_SIZE = (256, 256)      # (H, W) of the CMP facades the model was trained on


def class_id(name: str) -> int:
    """Class id of a CMP class name ('window' -> 2)."""
    try:
        return CLASSES.index(name)
    except ValueError:
        raise ValueError(f"unknown facade class {name!r}; one of {', '.join(CLASSES)}") from None


# --------------------------------------------------------------------------- numpy side
def random_layout(seed: int, size: tuple[int, int] = DEFAULT_SIZE) -> np.ndarray:
    """A plausible facade label map (H, W) of class ids, the same for the same seed.

    Sky (background) around a facade body with a cornice on top, moldings between
    floors, rows of windows with sills (some with blinds, balconies or deco above), and
    a ground floor of shop windows or windows plus a door, sometimes with pillars.
    """
    rng = np.random.default_rng(int(seed))
    H, W = int(size[0]), int(size[1])
    if H < 32 or W < 32:
        raise ValueError(f"a random layout needs at least 32x32 pixels, got {W}x{H}")
    c = {n: class_id(n) for n in CLASSES}
    ids = np.full((H, W), c["background"], np.uint8)

    def box(x0, y0, x1, y1, name):
        x0, x1 = int(np.clip(round(x0), 0, W)), int(np.clip(round(x1), 0, W))
        y0, y1 = int(np.clip(round(y0), 0, H)), int(np.clip(round(y1), 0, H))
        if x1 > x0 and y1 > y0:
            ids[y0:y1, x0:x1] = c[name]

    fx0 = W * rng.uniform(0.0, 0.1)
    fx1 = W * (1 - rng.uniform(0.0, 0.1))
    top = H * rng.uniform(0.04, 0.18)
    box(fx0, top, fx1, H, "facade")
    cornice_h = max(2.0, H * rng.uniform(0.02, 0.045))
    box(fx0 - W * 0.01, top, fx1 + W * 0.01, top + cornice_h, "cornice")

    ground_h = (H - top) * rng.uniform(0.2, 0.28)
    ground_top = H - ground_h
    floors = int(rng.integers(2, 6))
    cols = int(rng.integers(3, 7))
    floor_h = (ground_top - top - cornice_h) / floors
    col_w = (fx1 - fx0) / cols
    win_w = col_w * rng.uniform(0.4, 0.62)
    win_h = floor_h * rng.uniform(0.5, 0.68)
    blinds = rng.random() < 0.35
    molding = rng.random() < 0.6
    balcony_floors = {f for f in range(floors) if rng.random() < 0.25}
    deco_floor = int(rng.integers(0, floors)) if rng.random() < 0.4 else -1

    for f in range(floors):
        fy = top + cornice_h + f * floor_h
        if molding and f > 0:
            box(fx0, fy, fx1, fy + max(1.0, floor_h * 0.05), "molding")
        wy0 = fy + (floor_h - win_h) * 0.55
        wy1 = wy0 + win_h
        for k in range(cols):
            cx = fx0 + (k + 0.5) * col_w
            x0, x1 = cx - win_w / 2, cx + win_w / 2
            if f == deco_floor:
                box(x0 + win_w * 0.1, wy0 - floor_h * 0.12, x1 - win_w * 0.1, wy0 - floor_h * 0.03, "deco")
            box(x0, wy0, x1, wy1, "window")
            if blinds:
                box(x0, wy0, x1, wy0 + win_h * 0.3, "blind")
            if f not in balcony_floors:
                box(x0 - win_w * 0.08, wy1, x1 + win_w * 0.08, wy1 + max(1.0, floor_h * 0.05), "sill")
        if f in balcony_floors:  # a railing in front of the lower part of the windows
            box(fx0 + col_w * 0.1, wy1 - win_h * 0.3, fx1 - col_w * 0.1, wy1 + floor_h * 0.06, "balcony")

    # ground floor
    box(fx0, ground_top, fx1, ground_top + max(1.0, ground_h * 0.06), "molding")
    door_col = int(rng.integers(0, cols))
    door_w = col_w * rng.uniform(0.35, 0.55)
    door_h = ground_h * rng.uniform(0.65, 0.82)
    shop = rng.random() < 0.5
    pillars = rng.random() < 0.4
    for k in range(cols):
        cx = fx0 + (k + 0.5) * col_w
        if k == door_col:
            box(cx - door_w / 2, H - door_h, cx + door_w / 2, H, "door")
        elif shop:
            box(cx - col_w * 0.4, H - ground_h * 0.75, cx + col_w * 0.4, H - ground_h * 0.08, "shop")
        else:
            box(cx - win_w / 2, H - ground_h * 0.72, cx + win_w / 2, H - ground_h * 0.22, "window")
            box(cx - win_w * 0.58, H - ground_h * 0.22, cx + win_w * 0.58, H - ground_h * 0.17, "sill")
    if pillars:
        pw = max(2.0, col_w * 0.08)
        for k in range(cols + 1):
            px = fx0 + k * col_w
            box(px - pw / 2, ground_top + ground_h * 0.06, px + pw / 2, H, "pillar")
    return ids


def _palette_error(rgb: np.ndarray) -> float:
    """Mean squared distance of ``rgb`` to its snapped palette colours (lower: more label-like)."""
    small = rgb[:: max(1, rgb.shape[0] // 64), :: max(1, rgb.shape[1] // 64), :3].astype(np.int32)
    snapped = labels_to_rgb(rgb_to_labels(small.astype(np.uint8))).astype(np.int32)
    return float(((small - snapped) ** 2).mean())


def label_map_from_image(img: np.ndarray) -> np.ndarray:
    """Class ids from a label image: palette or CMP jet colours (snapped, so JPEG noise is
    fine), a gray image of ids 0..11, or a pix2pix A|B pair (the more label-like half)."""
    img = np.asarray(img)
    if img.dtype == np.uint16:
        img = (img // 257).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] in (2, 4):
        img = img[:, :, : img.shape[2] - 1]          # drop alpha
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2:
        if img.max() < NUM_CLASSES:
            return img.astype(np.uint8).copy()
        img = np.repeat(img[:, :, None], 3, 2)
    h, w = img.shape[:2]
    if w == 2 * h:  # an aligned photo|label pair from the pix2pix facades data
        left, right = img[:, :h], img[:, h:]
        img = left if _palette_error(left) < _palette_error(right) else right
    return rgb_to_labels(np.ascontiguousarray(img))


def read_label_map(path: str | os.PathLike) -> np.ndarray:
    """Read a label map image as class ids (see :func:`label_map_from_image`)."""
    from colorstudio.core.io.imageio import read_image

    return label_map_from_image(read_image(path))


def save_label_map(path: str | os.PathLike, ids: np.ndarray) -> Path:
    """Write the label map as a palette-coloured image (PNG keeps it exact)."""
    from colorstudio.core.io.imageio import write_image

    return write_image(path, labels_to_rgb(ids))
