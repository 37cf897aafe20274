"""Colour photos -> (L, ab) training pairs (the colorize task)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import aging
from trainer.data.crops import augment
from trainer.data.files import DataError, is_grayscale, read_or_next, read_rgb

log = logging.getLogger("trainer.data")


def lab_to_pair(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lab (H, W, 3) -> (l_norm (1, H, W), ab_norm (2, H, W)) float32 network tensors."""
    lab = lab.astype(np.float32, copy=False)
    l = color.normalize_l(lab[:, :, 0])[None]
    ab = color.normalize_ab(lab[:, :, 1:]).transpose(2, 0, 1)
    return np.ascontiguousarray(l, np.float32), np.ascontiguousarray(ab, np.float32)


@dataclass
class LoadReport:
    used: int
    skipped_gray: int
    unreadable: int


class PhotoDataset:
    """Colour photos -> (l_norm, ab_norm) crops; grayscale photos are skipped and counted.

    Items are ``(index, seed)``; ``seed < 0`` means no augmentation (centre crop).
    """

    def __init__(self, files: Sequence[Path], size: int, gray_threshold: float = 3.0,
                 cache: bool = True, augment: bool = True, threads: int = 2,
                 scale_range: tuple[float, float] = (1.0, 1.0), rotate: bool = True,
                 age_p: float = 0.0):
        self.size = size
        self.age_p = float(age_p)   # share of samples whose input L is aged (core.colorize.aging)
        self.rotate = rotate
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))
        self.augment = augment
        self.cache = cache
        self.gray_threshold = gray_threshold
        self.labs: list[np.ndarray] = []
        kept: list[Path] = []
        gray = bad = 0

        def load(f: Path):
            try:
                rgb = read_rgb(f)
            except DataError:
                return "bad", None
            if is_grayscale(rgb, gray_threshold):
                return "gray", None
            return "ok", (color.rgb_to_lab(rgb).astype(np.float16) if cache else None)

        with ThreadPoolExecutor(max(1, threads)) as pool:
            for f, (status, lab) in zip(files, pool.map(load, files)):
                if status == "gray":
                    gray += 1
                elif status == "bad":
                    bad += 1
                    log.warning("unreadable image skipped: %s", f)
                else:
                    kept.append(Path(f))
                    if cache:
                        self.labs.append(lab)
        self.files = kept
        self.report = LoadReport(len(kept), gray, bad)
        if not kept:
            raise DataError(f"no usable colour photos among {len(files)} files "
                            f"({gray} grayscale, {bad} unreadable)")

    def __len__(self) -> int:
        return len(self.files)

    def lab(self, i: int) -> np.ndarray:
        """Lab of photo ``i`` (uncached: read now, see :func:`read_or_next`)."""
        if self.cache:
            return self.labs[i]
        return color.rgb_to_lab(read_or_next(self.files, i, self.__dict__.setdefault("_gone", set())))

    def __getitem__(self, item) -> tuple[np.ndarray, np.ndarray]:
        i, seed = item if isinstance(item, tuple) else (item, -1)
        rng = np.random.default_rng(seed) if (seed >= 0 and self.augment) else None
        lab = self.lab(i)
        lo, hi = self.scale_range
        if rng is not None and (hi > lo or lo != 1.0):
            s = float(rng.uniform(lo, hi))
            lab = cv2.resize(lab.astype(np.float32), None, fx=s, fy=s, interpolation=cv2.INTER_LINEAR)
        (crop,) = augment([lab], self.size, rng, rotate=self.rotate)
        if rng is not None and self.age_p > 0 and rng.random() < self.age_p:
            # An old photo's gray, grain and scratches in the input; the target keeps the clean ab.
            crop = crop.astype(np.float32)
            crop[:, :, 0] = aging.age(color.lab_to_rgb(crop), rng)
        return lab_to_pair(crop)

    def ab_sample(self, max_images: int = 2000, stride: int = 4) -> np.ndarray:
        """ab (N, 2) in Lab units from a subsample of the photos, for class rebalancing."""
        step = max(1, len(self) // max_images)
        parts = [self.lab(i)[::stride, ::stride, 1:].reshape(-1, 2).astype(np.float32)
                 for i in range(0, len(self), step)]
        return np.concatenate(parts)
