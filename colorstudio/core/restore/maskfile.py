"""The restorer's own damage mask as a file: a PNG beside the photo's hint file.

Why a file: a mask the user corrected by hand (added a crack the detector missed, took
back a highlight it flagged) is work; it is saved and loaded with the photo's colour hints
(``core.colorize.hintfile``), so reopening the photo mends it exactly as before.

The format is the plainest one any editor opens and paints: an 8-bit gray PNG of the
photo's size, white (255) where the scan is damaged and black elsewhere -- the same image
as the CLI's ``--also repair-mask`` view.  Reading is lenient about what an editor may
save back (colour, 16-bit, alpha, anti-aliased edges): a pixel is damaged when its
brightest channel is at least half of white.  Its name is the hint file's with
:data:`SUFFIX` (``photo.json`` -> ``photo.repair-mask.png``), so one folder holds the
hints and masks of many photos without mixing them up.

The colour masks saved with the same hints -- the gray brush's and the protect brush's
(``core.colorize.hintfile``) -- are files of this very format beside them, each with its own
suffix; the functions here take it (``suffix``) and the mask's name for messages (``noun``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from colorstudio.core import color
from colorstudio.core.errors import UserError

SUFFIX = ".repair-mask.png"


class MaskFileError(UserError, ValueError):
    """A mask file that cannot be read or does not fit its photo: one line, naming the file."""


def mask_path(hints_path: str | os.PathLike, suffix: str = SUFFIX) -> Path:
    """Where the mask of the photo whose hints are at ``hints_path`` lives: beside it, its
    name with the hint file's extension replaced by ``suffix`` (the damage mask's: :data:`SUFFIX`)."""
    p = Path(hints_path)
    return p.with_name(p.stem + suffix) if p.suffix else p.with_name(p.name + suffix)


def mask_image(mask: np.ndarray) -> np.ndarray:
    """A mask (H, W; bool or 0/1) as the file's pixels: 8-bit gray, 255 where damaged."""
    m = np.asarray(mask)
    if m.ndim != 2 or min(m.shape) < 1:
        raise MaskFileError(f"a mask is one plane (H, W), got shape {m.shape}")
    return np.where(m.astype(bool), 255, 0).astype(np.uint8)


def write_mask(path: str | os.PathLike, mask: np.ndarray) -> Path:
    """Write ``mask`` as the gray PNG of the module doc, atomically (a crash never leaves half
    a file, and a reader never sees one: ``core.io.atomic``).  OSError when it cannot."""
    from colorstudio.core.io import png
    from colorstudio.core.io.atomic import atomic_write

    pixels = mask_image(mask)

    def _write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            png.write_png(f, pixels)

    return atomic_write(path, _write)


def as_mask(img: np.ndarray) -> np.ndarray:
    """Any image (gray, gray + alpha, RGB(A); 8/16-bit or float in [0, 1]) as a mask (H, W)
    bool: True where its brightest colour channel is at least half of white (so an editor's
    coloured stroke counts as well as a white one).  Alpha is ignored."""
    a = np.asarray(img)
    if a.ndim == 3:
        a = a[:, :, :3].max(axis=2) if a.shape[2] >= 3 else a[:, :, 0]
    if a.ndim != 2:
        raise MaskFileError(f"a mask is an image, got shape {np.asarray(img).shape}")
    if a.dtype == np.bool_:
        return a.copy()
    if a.dtype.kind in "ui":   # integers compared as they are: no float copy of a big scan
        return a >= (np.iinfo(a.dtype).max // 2 + 1)
    return color.to_float01(a) >= 0.5


def read_mask(path: str | os.PathLike, shape: tuple[int, ...] | None = None,
              noun: str = "damage mask") -> np.ndarray:
    """The mask in the file at ``path`` as (H, W) bool; with ``shape`` (the photo's (H, W, ...))
    it must be of that size.  :class:`MaskFileError` (one line, naming the file and calling the
    mask ``noun``) for a file that is missing, unreadable, not an image, or of another size."""
    from colorstudio.core.io.imageio import ImageReadError, read_image

    p = Path(path)
    try:
        img = read_image(p)
    except ImageReadError as exc:
        raise MaskFileError(str(exc)) from None   # names the file already
    mask = as_mask(img)
    if shape is not None and mask.shape != tuple(shape[:2]):
        raise MaskFileError(f"{p.name}: the {noun} is {mask.shape[1]}x{mask.shape[0]} px, the photo "
                            f"{shape[1]}x{shape[0]}: a mask must be of its photo's size")
    return mask


def read_beside(hints_path: str | os.PathLike, shape: tuple[int, ...] | None = None, suffix: str = SUFFIX,
                noun: str = "damage mask") -> np.ndarray | None:
    """The mask saved with the hints at ``hints_path`` (:func:`mask_path`), or None when there
    is none; :class:`MaskFileError` as :func:`read_mask` for one that is there but unusable."""
    p = mask_path(hints_path, suffix)
    if not os.path.lexists(p):
        return None
    return read_mask(p, shape, noun)


def forget_beside(hints_path: str | os.PathLike, suffix: str = SUFFIX, noun: str = "damage mask") -> Path | None:
    """Hints saved without a mask: the mask file an earlier save left beside ``hints_path``
    would come back with them on the next load, so it goes (only that file, which this
    program names and writes); returns its path, or None when there was none."""
    path = mask_path(hints_path, suffix)
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise MaskFileError(f"{path.name}: cannot remove the old {noun} ({exc.strerror or exc})") from None
    return path
