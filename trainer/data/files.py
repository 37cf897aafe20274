"""The photos on disk: listing, the held-out split, reading one as 8-bit RGB (through the
app's admission check), the grayscale test, spreading a selection over the folders."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from colorstudio.core import color
from colorstudio.core.errors import UserError
from colorstudio.core.io import imageio
from colorstudio.core.photo_groups import HELD_OUT_EVERY, held_out_split

log = logging.getLogger("trainer.data")


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


def split_files(files: Sequence[Path], every: int = HELD_OUT_EVERY) -> tuple[list[Path], list[Path]]:
    """(train, val) by the held-out rule (``core.photo_groups.held_out_split``): in each
    folder, every ``every``-th file (sorted, index % every == 0) is val."""
    if every <= 1:
        raise DataError("val_every_nth must be >= 2")
    return held_out_split(files, every)


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


def spread(files: Sequence[Path], n: int) -> list[Path]:
    """``n`` files evenly spaced over the list (so every class folder is represented)."""
    files = list(files)
    if n >= len(files):
        return files
    return [files[int(i)] for i in np.linspace(0, len(files) - 1, n).round()]
