"""Photos -> damaged scans: (the damaged scan's L, its damage mask) for the damage
detector (task ``restore``), (the scan with holes + the holes, the scan undamaged) for the
learned fill (task ``inpaint``)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import damage
from colorstudio.core.restore import repair
from trainer.data.crops import crop
from trainer.data.files import DataError, read_or_next, read_rgb
from trainer.data.photos import LoadReport

log = logging.getLogger("trainer.data")


class DamageDataset:
    """Photos -> (l_norm of the damaged gray scan (1, S, S), damage mask (1, S, S)) float32,
    for the damage detector (task ``restore``).

    The photo is enlarged by a factor from ``scale_range`` first, so the damage (drawn at
    the widths of a 512 px scan, ``scale=1``) has the size it has on a scan of a print, not
    on a thumbnail.  Training items ``(index, seed >= 0)``: a random factor, crop and h-flip,
    damage of the training mix (:data:`damage.TRAIN_MIX`; ``clean_p`` of them clean).  Validation
    (``seed < 0`` or ``augment`` off): the middle factor, a centre crop and the held-out mix
    from a generator seeded by the index, so every validation is scored on the same scans.
    Grayscale photos are kept (the input is gray anyway); unreadable ones are skipped and
    counted.  ``cache``: the photos' RGB is kept in memory as uint8 (native size).
    """

    def __init__(self, files: Sequence[Path], size: int, cache: bool = True, augment: bool = True,
                 threads: int = 2, scale_range: tuple[float, float] = (1.0, 1.0), clean_p: float = 0.2):
        self.size, self.cache, self.augment = size, cache, augment
        self.clean_p = float(clean_p)   # share of training crops left undamaged (the detector must flag nothing)
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))
        self.rgbs: list[np.ndarray] = []
        kept: list[Path] = []
        bad = 0

        def load(f: Path) -> tuple[bool, np.ndarray | None]:
            try:
                rgb = read_rgb(f)
            except DataError:
                return False, None
            return True, (rgb if cache else None)

        with ThreadPoolExecutor(max(1, threads)) as pool:
            for f, (ok, rgb) in zip(files, pool.map(load, files)):
                if not ok:
                    bad += 1
                    log.warning("unreadable image skipped: %s", f)
                    continue
                kept.append(Path(f))
                if cache:
                    self.rgbs.append(rgb)
        self.files = kept
        self.report = LoadReport(len(kept), 0, bad)
        if not kept:
            raise DataError(f"no readable photos among {len(files)} files ({bad} unreadable)")

    def __len__(self) -> int:
        return len(self.files)

    def rgb(self, i: int) -> np.ndarray:
        """uint8 RGB of photo ``i`` (uncached: read now, see :func:`read_or_next`)."""
        if self.cache:
            return self.rgbs[i]
        return read_or_next(self.files, i, self.__dict__.setdefault("_gone", set()))

    def _print_crop(self, item) -> tuple[bool, np.random.Generator, np.ndarray]:
        """(training, its generator, the crop of the enlarged photo) of an item: what every
        sample of a damaged print starts from."""
        i, seed = item if isinstance(item, tuple) else (item, -1)
        train = seed >= 0 and self.augment
        rng = np.random.default_rng(seed if train else 10_000 + i)
        lo, hi = self.scale_range
        factor = float(rng.uniform(lo, hi)) if train else (lo + hi) / 2
        rgb = self.rgb(i)
        if factor != 1.0:
            rgb = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        return train, rng, crop(rgb, self.size, rng if train else None)

    def __getitem__(self, item) -> tuple[np.ndarray, np.ndarray]:
        train, rng, crop = self._print_crop(item)
        mix = damage.TRAIN_MIX if train else damage.HELD_OUT_MIX
        _, scan, mask = damage.damaged_print(crop, rng, mix, p_clean=self.clean_p if train else 0.2, scale=1.0)
        x = color.normalize_l(scan)[None].astype(np.float32)
        return np.ascontiguousarray(x), np.ascontiguousarray(mask[None], np.float32)


class InpaintDataset(DamageDataset):
    """Photos -> (input (2, S, S), target (2, S, S)) float32 for the learned fill (task
    ``inpaint``); the photos, their enlargement, crops and damage are :class:`DamageDataset`'s
    (every crop damaged: a clean one has nothing to fill).

    Input: the damaged scan's l_norm with the holes blanked (0: L 50) and the holes as a
    second plane; the holes are the exact damage mask grown by ``dilate`` px, as the repair
    grows the detector's mask (training: now and then one more pixel, a detector's mask is
    not exact).  The damaged scan, not the clean one, around the holes: what the fill sees
    in a repair, the damage's soft fringe left outside the mask included.  Target: the
    print's scan without the masked damage, through the very same scan (the same grain,
    blur and JPEG: :func:`core.colorize.damage.scan_twins`), then the damaged scan (the
    validation's "before").
    """

    def __init__(self, *args, dilate: int = repair.DILATE, **kwargs):
        super().__init__(*args, **kwargs)
        self.dilate = int(dilate)

    def __getitem__(self, item) -> tuple[np.ndarray, np.ndarray]:
        train, rng, crop = self._print_crop(item)
        mix = damage.TRAIN_MIX if train else damage.HELD_OUT_MIX
        p = damage.damaged_print_twins(crop, rng, mix, p_clean=0.0, scale=1.0)
        holes = repair.mask_of(p.mask, 0.5, self.dilate + int(train and rng.random() < 0.3))
        scan = color.normalize_l(p.scan)
        x = np.stack([np.where(holes, 0.0, scan), holes]).astype(np.float32)
        y = np.stack([color.normalize_l(p.clean_scan), scan]).astype(np.float32)
        return x, y
