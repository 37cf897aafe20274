"""Each task's training set, held-out set and held-out files from a run's settings: a
validation folder when given, else the held-out split of the data folder."""

from __future__ import annotations

from pathlib import Path

from trainer.data.files import DataError, list_images, split_files, spread
from trainer.data.pairs import PairDataset
from trainer.data.photos import PhotoDataset
from trainer.data.scans import DamageDataset, InpaintDataset


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
