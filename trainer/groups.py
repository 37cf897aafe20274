"""The held-out files of each kind of photo under a photo root.

The kinds themselves (keys, labels, set folders) and the held-out rule are
:mod:`colorstudio.core.photo_groups`, which the app's model catalogue reads as well; here
they meet the photo folders on disk (``trainer.data``: listing, the split, spreading).
"""

from __future__ import annotations

from pathlib import Path

from colorstudio.core.photo_groups import GROUPS, HELD_OUT_EVERY
from trainer import data as tdata


def held_out(root: str | Path, folders: tuple[str, ...], every: int = HELD_OUT_EVERY,
             limit: int = 0, split: bool = True, skip: tuple[str, ...] = ()) -> list[Path]:
    """Held-out files of ``folders`` under ``root`` (missing folders are skipped; with
    ``split`` False every file); ``limit`` > 0 keeps that many, spread evenly over the
    list (every folder stays in)."""
    files: list[Path] = []
    for name in folders:
        d = Path(root) / name
        if d.is_dir():
            files += tdata.split_files(tdata.list_images(d), every)[1] if split else tdata.list_images(d)
    files = [f for f in files if f.stem not in skip]
    return tdata.spread(files, limit) if limit else files


def held_out_by_group(root: str | Path, every: int = HELD_OUT_EVERY, limit: int = 0) -> dict[str, list[Path]]:
    """{group key: held-out files}; groups with no files under ``root`` are left out."""
    out = {g.key: held_out(root, g.folders, every, limit, g.split, g.skip) for g in GROUPS}
    return {k: v for k, v in out.items() if v}
