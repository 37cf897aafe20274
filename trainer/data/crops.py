"""Crops and flips shared by the datasets: the same random crop, rotation and flips on
aligned arrays, and the padded crop of a damaged print."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np


def _fit_min_side(img: np.ndarray, size: int) -> np.ndarray:
    h, w = img.shape[:2]
    if min(h, w) >= size:
        return img
    if img.dtype == np.float16:  # cv2.resize has no float16 path
        img = img.astype(np.float32)
    s = size / min(h, w)
    return cv2.resize(img, (max(size, round(w * s)), max(size, round(h * s))), interpolation=cv2.INTER_LINEAR)


def augment(arrays: Sequence[np.ndarray], size: int, rng: np.random.Generator | None,
            rotate: bool = True) -> list[np.ndarray]:
    """Same random crop / rotation / flips on aligned arrays (H, W, C); ``rng=None``: centre crop."""
    arrays = [_fit_min_side(a, size) for a in arrays]
    h, w = arrays[0].shape[:2]
    if rng is None:
        y, x = (h - size) // 2, (w - size) // 2
        return [np.ascontiguousarray(a[y:y + size, x:x + size]) for a in arrays]
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    out = [a[y:y + size, x:x + size] for a in arrays]
    k = int(rng.integers(0, 4)) if rotate else 0
    fh, fv = bool(rng.integers(0, 2)), bool(rotate and rng.integers(0, 2))
    res = []
    for a in out:
        if k:
            a = np.rot90(a, k)
        if fh:
            a = a[:, ::-1]
        if fv:
            a = a[::-1]
        res.append(np.ascontiguousarray(a))
    return res


def pad_to(img: np.ndarray, size: int) -> np.ndarray:
    """``img`` (H, W, C) padded by reflection (evenly on both sides) to at least ``size``
    on each side: a small photo keeps its own texture at the borders, no stretched edge."""
    h, w = img.shape[:2]
    ph, pw = max(0, size - h), max(0, size - w)
    if not ph and not pw:
        return img
    return np.pad(img, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)), mode="reflect")


def crop(img: np.ndarray, size: int, rng: np.random.Generator | None) -> np.ndarray:
    """A ``size`` square of ``img``: random with ``rng`` (and a random h-flip), else centred."""
    img = pad_to(img, size)
    h, w = img.shape[:2]
    if rng is None:
        y, x = (h - size) // 2, (w - size) // 2
        return np.ascontiguousarray(img[y:y + size, x:x + size])
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    crop = img[y:y + size, x:x + size]
    return np.ascontiguousarray(crop[:, ::-1] if rng.integers(0, 2) else crop)
