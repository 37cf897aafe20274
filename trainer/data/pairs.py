"""pix2pix AB-aligned pairs -> (input, target) in [-1, 1] (the translate task)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.color import palette
from trainer.data.crops import augment
from trainer.data.files import DataError, read_rgb
from trainer.data.photos import LoadReport


def split_pair(img: np.ndarray, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """AB-aligned image (A left, B right) -> (input, target) for ``direction``."""
    w = img.shape[1] // 2
    a, b = img[:, :w], img[:, w:2 * w]
    return (a, b) if direction == "AtoB" else (b, a)


class PairDataset:
    """pix2pix AB-aligned pairs -> (input, target) in [-1, 1], (3, S, S) each.

    Training jitter as pix2pix: resize to full*1.125 (labels nearest), random crop of S,
    h-flip; validation: resize to full, centre crop of S.  ``full_size`` > S trains on crops
    at the scale the net will run at (a fully convolutional net, cheaper steps).
    Label maps are snapped to the CMP palette when ``snap_labels`` (JPEG noise).
    """

    def __init__(self, files: Sequence[Path], size: int, direction: str = "BtoA",
                 snap_labels: bool = True, augment: bool = True, cache: bool = True,
                 full_size: int = 0):
        self.files = [Path(f) for f in files]
        if not self.files:
            raise DataError("no AB pair images")
        self.size, self.direction, self.snap_labels = size, direction, snap_labels
        self.full = full_size or size  # scale the net works at; crops of ``size`` are cut from it
        self.augment, self.cache = augment, cache
        self.pairs = [self._load(f) for f in self.files] if cache else []
        self.report = LoadReport(len(self.files), 0, 0)

    def _load(self, f: Path) -> tuple[np.ndarray, np.ndarray]:
        img = read_rgb(f)
        if img.shape[1] < 2 * min(8, img.shape[0]):
            raise DataError(f"{f}: not an AB-aligned pair (width must be twice the height)")
        x, y = split_pair(img, self.direction)
        label_side = x if self.direction == "BtoA" else y
        if self.snap_labels:
            label_side[...] = palette.snap(label_side)
        return np.ascontiguousarray(x), np.ascontiguousarray(y)

    def __len__(self) -> int:
        return len(self.files)

    def is_label(self, which: str) -> bool:
        return (which == "input") == (self.direction == "BtoA")

    def raw(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.pairs[i] if self.cache else self._load(self.files[i])

    def __getitem__(self, item) -> tuple[np.ndarray, np.ndarray]:
        i, seed = item if isinstance(item, tuple) else (item, -1)
        x, y = self.raw(i)
        S = self.size
        interp = {True: cv2.INTER_NEAREST, False: cv2.INTER_AREA}
        rng = np.random.default_rng(seed) if (seed >= 0 and self.augment) else None
        load = int(round(self.full * 1.125)) if rng is not None else self.full
        x = cv2.resize(x, (load, load), interpolation=interp[self.is_label("input")])
        y = cv2.resize(y, (load, load), interpolation=interp[self.is_label("target")])
        x, y = augment([x, y], S, rng, rotate=False)
        to_t = lambda a: np.ascontiguousarray(color.normalize_rgb(a).transpose(2, 0, 1))  # noqa: E731
        return to_t(x), to_t(y)
