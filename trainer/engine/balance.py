"""An epoch's order when the data folders are re-weighted (``folder_balance``).

The photo mix is lopsided (8,741 outdoor scenes against 3,460 animals and objects in four
folders), so a uniform draw trains mostly on skies and grass.  Weighting each top-level
folder by ``size ** power`` is the usual temperature sampling of unequal sources:
power 1 keeps the natural mix, 0.5 (square root) lifts the small sets without repeating
them many times, 0 draws every folder equally.  Each epoch keeps its length (the number
of training photos); inside a folder the draw goes through a fresh permutation before any
file repeats.  The order depends only on ``(seed, epoch)`` and the rank takes every
``world``-th index, as ``torch.utils.data.DistributedSampler`` does, so ``--resume`` and DDP
see the same batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np


def folder_of(path: Path, root: Path) -> str:
    """The top-level folder under ``root`` that holds ``path`` ('' for files at the root)."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        parts = Path(path).parts[-2:]
    return parts[0] if len(parts) > 1 else ""


def folder_shares(sizes: dict[str, int], power: float) -> dict[str, float]:
    """Each folder's share of an epoch: ``size ** power`` normalised."""
    w = {k: float(n) ** power for k, n in sizes.items() if n > 0}
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


class FolderBalancedSampler:
    """The index order of an epoch with folders weighted by ``size ** power``; the interface
    of ``DistributedSampler`` that the trainer uses (``set_epoch``, iteration, ``len``)."""

    def __init__(self, folders: Sequence[str], power: float, num_replicas: int = 1, rank: int = 0,
                 seed: int = 0):
        if not folders:
            raise ValueError("no files to sample")
        self.power, self.world, self.rank, self.seed = float(power), num_replicas, rank, seed
        self.epoch = 0
        self.by_folder: dict[str, np.ndarray] = {}
        for i, f in enumerate(folders):
            self.by_folder.setdefault(f, []).append(i)
        self.by_folder = {k: np.asarray(v) for k, v in sorted(self.by_folder.items())}
        self.shares = folder_shares({k: len(v) for k, v in self.by_folder.items()}, self.power)
        self.total = len(folders) // self.world * self.world   # drop_last, as DistributedSampler

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def counts(self) -> dict[str, int]:
        """Draws per folder in one epoch (largest-remainder rounding to the epoch length)."""
        raw = {k: s * self.total for k, s in self.shares.items()}
        n = {k: int(v) for k, v in raw.items()}
        for k in sorted(raw, key=lambda k: raw[k] - n[k], reverse=True)[:self.total - sum(n.values())]:
            n[k] += 1
        return n

    def epoch_order(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch])
        parts = []
        for k, want in self.counts().items():
            idx = self.by_folder[k]
            reps = -(-want // len(idx)) if want else 0
            parts.append(np.concatenate([rng.permutation(idx) for _ in range(reps)])[:want] if reps else idx[:0])
        order = np.concatenate(parts)
        return order[rng.permutation(len(order))]

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_order()[self.rank::self.world].tolist())

    def __len__(self) -> int:
        return self.total // self.world
