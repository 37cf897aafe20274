"""Training data: colour photos -> (L, ab) pairs, photos -> (damaged scan L, damage mask)
pairs, photos -> (scan with holes + mask, the scan undamaged) pairs, and pix2pix AB-aligned pairs.

Two ways to feed the loop, same samples either way:
* ``cache=True``: every photo is decoded once into memory as Lab (float16, native size;
  the damage set keeps uint8 RGB); on a CPU this is what keeps the cores busy with the
  network, not with JPEG decoding.
* ``cache=False``: each sample is decoded in DataLoader workers.

Every sample is drawn from ``(index, seed)``: its augmentation (random crop, rotation by
0/90/180/270, horizontal/vertical flips) comes from a generator seeded with ``seed``, so a
resumed run replays exactly the batches it would have seen.

Held-out split (when no validation folder is given): in each class folder, sorted by
name, every ``n``-th file starting with the first (index % n == 0) is validation.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from colorstudio.core.colorize import aging, damage
from colorstudio.core import color
from colorstudio.core.io import imageio
from colorstudio.core.color import palette
from colorstudio.core.errors import UserError
from colorstudio.core.restore import repair

log = logging.getLogger(__name__)


class DataError(UserError, ValueError):
    """The data folder is missing, empty or unusable."""


def list_images(root: str | Path) -> list[Path]:
    """All images under ``root`` (recursive), sorted by relative path."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    files = sorted(p for p in root.rglob("*") if imageio.is_image_file(p) and p.is_file())
    if not files:
        raise DataError(f"no images ({', '.join(sorted(imageio.IMAGE_EXTENSIONS))}) under {root}")
    return files


def split_files(files: Sequence[Path], every: int = 20) -> tuple[list[Path], list[Path]]:
    """(train, val): in each folder, every ``every``-th file (sorted, index % every == 0) is val."""
    if every <= 1:
        raise DataError("val_every_nth must be >= 2")
    by_dir: dict[Path, list[Path]] = {}
    for f in files:
        by_dir.setdefault(f.parent, []).append(f)
    train, val = [], []
    for d in sorted(by_dir):
        for i, f in enumerate(sorted(by_dir[d])):
            (val if i % every == 0 else train).append(f)
    return train, val


def read_rgb(path: str | Path) -> np.ndarray:
    """uint8 RGB (H, W, 3) of an image file, read through the app's one admission check
    (``core.io.imageio.read_image``: the header's size against the pixel limit, no file
    larger than such an image read, no pipe or device), so a 25000x25000 PNG of 2 MB or an
    8 GB file among the photos is a one-line DataError, not gigabytes spent; gray, alpha and
    16-bit photos come out as 8-bit RGB."""
    try:
        img = imageio.read_image(path)
    except imageio.ImageReadError as exc:
        raise DataError(f"cannot use {exc}") from None
    if img.ndim == 2:
        img = img[:, :, None]
    if img.shape[2] in (2, 4):          # alpha is not part of the photo
        img = img[:, :, :-1]
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    if img.dtype != np.uint8:
        img = color.from_float01(color.to_float01(img), np.uint8)
    return np.ascontiguousarray(img)


def channel_difference(rgb: np.ndarray) -> float:
    """Mean of |R-G| and |G-B| in 0-255 units: near 0 for grayscale photos."""
    x = rgb.astype(np.int32)
    scale = 255.0 / 65535.0 if rgb.dtype == np.uint16 else 1.0
    return float((np.abs(x[..., 0] - x[..., 1]).mean() + np.abs(x[..., 1] - x[..., 2]).mean()) / 2 * scale)


def is_grayscale(rgb: np.ndarray, threshold: float = 3.0) -> bool:
    return channel_difference(rgb) < threshold


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


def read_or_next(files: Sequence[Path], i: int, gone: set[int]) -> np.ndarray:
    """RGB of ``files[i]``; a photo that became unreadable since the run began (emptied,
    deleted, replaced mid-epoch) is replaced by the next readable one, with a warning once
    per file (``gone`` remembers them): one file must not abort a run with no checkpoint."""
    n = len(files)
    for k in range(n):
        j = (i + k) % n
        try:
            return read_rgb(files[j])
        except DataError:
            if j not in gone:
                gone.add(j)
                log.warning("unreadable since the run began, another photo used in its place: %s", files[j])
    raise DataError(f"none of the {n} training photos can be read any more")


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


def _pad_to(img: np.ndarray, size: int) -> np.ndarray:
    """``img`` (H, W, C) padded by reflection (evenly on both sides) to at least ``size``
    on each side: a small photo keeps its own texture at the borders, no stretched edge."""
    h, w = img.shape[:2]
    ph, pw = max(0, size - h), max(0, size - w)
    if not ph and not pw:
        return img
    return np.pad(img, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)), mode="reflect")


def _crop(img: np.ndarray, size: int, rng: np.random.Generator | None) -> np.ndarray:
    """A ``size`` square of ``img``: random with ``rng`` (and a random h-flip), else centred."""
    img = _pad_to(img, size)
    h, w = img.shape[:2]
    if rng is None:
        y, x = (h - size) // 2, (w - size) // 2
        return np.ascontiguousarray(img[y:y + size, x:x + size])
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    crop = img[y:y + size, x:x + size]
    return np.ascontiguousarray(crop[:, ::-1] if rng.integers(0, 2) else crop)


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
        return train, rng, _crop(rgb, self.size, rng if train else None)

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


def spread(files: Sequence[Path], n: int) -> list[Path]:
    """``n`` files evenly spaced over the list (so every class folder is represented)."""
    files = list(files)
    if n >= len(files):
        return files
    return [files[int(i)] for i in np.linspace(0, len(files) - 1, n).round()]


def _check_split(cfg, train_files: list[Path], val_files: list[Path]) -> None:
    if not val_files:
        raise DataError("the validation split is empty: add images or give --set val_data=DIR")
    if not train_files:
        n = len(val_files)
        raise DataError(f"{n} image{'s' if n != 1 else ''} under {cfg.data}, and "
                        f"{'all are' if n != 1 else 'it is'} held out for validation (every "
                        f"{cfg.val_every_nth}th file of each folder, from the first); add photos "
                        "or give --set val_data=DIR")


def _photo_split(cfg) -> tuple[list[Path], list[Path]]:
    """(train files, validation files) of a photo folder: ``val_data`` when given, else
    every ``val_every_nth`` file of each folder held out; ``max_images`` caps training."""
    if cfg.val_data:
        train_files, val_files = list_images(cfg.data), list_images(cfg.val_data)
    else:
        train_files, val_files = split_files(list_images(cfg.data), cfg.val_every_nth)
    if cfg.max_images:
        train_files = train_files[:cfg.max_images]
    _check_split(cfg, train_files, val_files)
    return train_files, val_files


def photo_datasets(cfg) -> tuple[PhotoDataset, PhotoDataset, list[Path]]:
    """(train, val, val_files) for a colorize config."""
    train_files, val_files = _photo_split(cfg)
    threads = max(1, min(4, cfg.threads or 2))
    train = PhotoDataset(train_files, cfg.image_size, cfg.gray_threshold, cfg.cache, cfg.augment, threads,
                         tuple(cfg.scale_range), cfg.rotate, cfg.age_p)
    val = PhotoDataset(spread(val_files, max(cfg.val_images, cfg.sample_images)), cfg.image_size,
                       cfg.gray_threshold, True, False, threads)
    return train, val, val_files


def damage_datasets(cfg) -> tuple[DamageDataset, DamageDataset, list[Path]]:
    """(train, val, val_files) for a restore config: the photo split of :func:`photo_datasets`."""
    train_files, val_files = _photo_split(cfg)
    threads = max(1, min(4, cfg.threads or 2))
    scale = tuple(cfg.scale_range)
    train = DamageDataset(train_files, cfg.image_size, cfg.cache, cfg.augment, threads, scale, cfg.clean_p)
    val = DamageDataset(spread(val_files, max(cfg.val_images, cfg.sample_images)), cfg.image_size,
                        True, False, threads, scale)
    return train, val, val_files


def inpaint_datasets(cfg) -> tuple[InpaintDataset, InpaintDataset, list[Path]]:
    """(train, val, val_files) for an inpaint config: the photo split of :func:`photo_datasets`."""
    train_files, val_files = _photo_split(cfg)
    threads = max(1, min(4, cfg.threads or 2))
    scale = tuple(cfg.scale_range)
    train = InpaintDataset(train_files, cfg.image_size, cfg.cache, cfg.augment, threads, scale)
    val = InpaintDataset(spread(val_files, max(cfg.val_images, cfg.sample_images)), cfg.image_size,
                         True, False, threads, scale)
    return train, val, val_files


def pair_datasets(cfg) -> tuple[PairDataset, PairDataset, list[Path]]:
    """(train, val, val_files) for a translate config; data/train + data/val when present."""
    root = Path(cfg.data)
    if cfg.val_data:
        train_files, val_files = list_images(root), list_images(cfg.val_data)
    elif (root / "train").is_dir() and (root / "val").is_dir():
        train_files, val_files = list_images(root / "train"), list_images(root / "val")
    else:
        train_files, val_files = split_files(list_images(root), cfg.val_every_nth)
    if cfg.max_images:
        train_files = train_files[:cfg.max_images]
    _check_split(cfg, train_files, val_files)
    train = PairDataset(train_files, cfg.image_size, cfg.direction, cfg.snap_labels, cfg.augment, cfg.cache,
                        cfg.full_size)
    val = PairDataset(spread(val_files, max(cfg.val_images, cfg.sample_images)), cfg.image_size, cfg.direction,
                      cfg.snap_labels, False, True, cfg.full_size)
    return train, val, val_files
