"""What a restorer exports beside the result: the before/after views and the colour alone.

Pure functions over full-resolution arrays (any of the dtypes ``core.io.imageio`` writes):

* :func:`side_by_side` -- original | result, one image (for a client, a forum, a report);
* :func:`wiper` -- the app's wiper view: the original left of the divider, the result right;
* :func:`colour_layer` -- the predicted colour alone (ab on a constant lightness), to lay
  over the original in an editor with the *Color* blend mode and paint over by hand.

``EXTRA_VIEWS`` names them for the CLI (``--also``) and the app's export menu, with the
suffix each adds to the result's file name.
"""

from __future__ import annotations

import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import pipeline

# name -> suffix added to the result's stem
EXTRA_VIEWS = {"before-after": "_before_after", "wiper": "_wiper", "colour-layer": "_colour",
               "repair-mask": "_repair_mask"}
REPAIR_VIEWS = ("repair-mask",)   # made by the repair step (core.restore), not from the result
LAYER_LIGHTNESS = 60.0   # the colour layer's constant L: bright enough to show every hue


def _rgb_like(img: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``img`` as 3-channel RGB of ``dtype`` (gray repeated, alpha dropped)."""
    if img.ndim == 2:
        img = img[:, :, None]
    img = img[:, :, :3]
    if img.shape[2] == 1:
        img = np.repeat(img, 3, 2)
    if img.dtype != dtype:
        img = color.from_float01(color.to_float01(img), dtype)
    return np.ascontiguousarray(img)


def _pair(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = _rgb_like(after, after.dtype)
    b = _rgb_like(before, a.dtype)
    if b.shape[:2] != a.shape[:2]:
        raise ValueError(f"before {b.shape[:2]} and after {a.shape[:2]} differ in size")
    return b, a


def side_by_side(before: np.ndarray, after: np.ndarray, gap: int | None = None) -> np.ndarray:
    """``before | after`` with a neutral gray gap (1% of the width, at least 4 px)."""
    b, a = _pair(before, after)
    gap = max(4, b.shape[1] // 100) if gap is None else gap
    mid = np.full((b.shape[0], gap, 3), np.iinfo(a.dtype).max // 2 if a.dtype.kind == "u" else 0.5, a.dtype)
    return np.concatenate([b, mid, a], 1)


def wiper(before: np.ndarray, after: np.ndarray, position: float = 0.5, line: int | None = None) -> np.ndarray:
    """The original left of ``position`` (a fraction of the width), the result right, a
    white divider between them."""
    b, a = _pair(before, after)
    x = int(round(float(np.clip(position, 0.0, 1.0)) * a.shape[1]))
    out = a.copy()
    out[:, :x] = b[:, :x]
    line = max(2, a.shape[1] // 400) if line is None else line
    lo, hi = max(0, x - line // 2), min(a.shape[1], x + (line + 1) // 2)
    out[:, lo:hi] = np.iinfo(a.dtype).max if a.dtype.kind == "u" else 1.0
    return out


def colour_layer(ab_small: np.ndarray, shape: tuple[int, int], saturation: float = 1.0,
                 dtype: np.dtype = np.uint8, lightness: float = LAYER_LIGHTNESS,
                 gray: np.ndarray | None = None) -> np.ndarray:
    """The colour alone at full size (H, W, 3): the predicted ab, upsampled as the result's
    is, on a constant lightness -- in an editor, over the original in the *Color* blend
    mode, it gives the colorized picture and can be painted over.  ``gray`` (H, W) bool: where
    the user erased the colour, the layer is neutral too (it adds no colour there)."""
    flat = np.full(tuple(shape[:2]), lightness, np.float32)
    base = color.lab_compose(flat, np.zeros(flat.shape + (2,), np.float32))[:, :, 0]
    return pipeline.compose(color.from_float01(base, dtype), ab_small, saturation, gray=gray)


def extra_view(name: str, before: np.ndarray, result: np.ndarray, ab_small: np.ndarray,
               saturation: float = 1.0, position: float = 0.5, gray: np.ndarray | None = None) -> np.ndarray:
    """One of :data:`EXTRA_VIEWS` for a colorized photo (``gray``: the erased region, which the
    colour layer leaves neutral as the result leaves it gray)."""
    if name == "before-after":
        return side_by_side(before, result)
    if name == "wiper":
        return wiper(before, result, position)
    if name == "colour-layer":
        return colour_layer(ab_small, result.shape[:2], saturation, result.dtype, gray=gray)
    if name in REPAIR_VIEWS:
        raise ValueError(f"the {name} view is the repair's: it needs the repair on (--repair auto)")
    raise ValueError(f"unknown view {name!r}; one of {', '.join(EXTRA_VIEWS)}")


def mask_view(mask: np.ndarray) -> np.ndarray:
    """A damage mask as an 8-bit gray image: white where the scan was mended."""
    return np.where(np.asarray(mask, bool), 255, 0).astype(np.uint8)
