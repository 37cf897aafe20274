"""Randomness a run can replay: per-sample seeds, an epoch's batches, the RNG state in
checkpoints, hints.

Every sample's augmentation is seeded by ``(seed, step, rank, position)``, so
``--resume`` replays the same batches from the last checkpoint on.
"""

from __future__ import annotations

import random
from typing import Any, Iterator, Sequence

import numpy as np
import torch


def sample_seed(seed: int, step: int, rank: int, j: int) -> int:
    return int(np.random.SeedSequence([seed, step, rank, j]).generate_state(1)[0] & 0x7FFFFFFF)


def collate(items: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) samples -> a batch of each."""
    xs, ys = zip(*items)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def epoch_batches(train_set: Any, epoch_indices: list[int], first: int, cfg: Any, epoch: int,
                  steps_per_epoch: int, rank: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Batches ``first``.. of epoch ``epoch`` of ``cfg.batch_size`` items each; items are
    ``(index, seed)`` so the samples do not depend on where they are decoded (in this
    process, from the cache or with no workers, or in ``cfg.num_workers`` DataLoader workers)."""
    bs, spe = cfg.batch_size, steps_per_epoch
    batches = [[(i, sample_seed(cfg.seed, epoch * spe + b, rank, j))
                for j, i in enumerate(epoch_indices[b * bs:(b + 1) * bs])] for b in range(first, spe)]
    if cfg.cache or cfg.num_workers <= 0:
        for items in batches:
            yield collate([train_set[it] for it in items])
        return
    loader = torch.utils.data.DataLoader(train_set, batch_sampler=batches, collate_fn=collate,
                                         num_workers=cfg.num_workers, prefetch_factor=2)
    yield from loader


def rng_state() -> dict[str, Any]:
    """torch, Python, numpy (and CUDA) generator states, as a checkpoint stores them."""
    st = {"torch": torch.get_rng_state(), "python": random.getstate(),
          "numpy": {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                    for k, v in zip(("kind", "keys", "pos", "has_gauss", "cached"), np.random.get_state())}}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def set_rng_state(st: dict[str, Any]) -> None:
    torch.set_rng_state(st["torch"])
    py = st["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = st["numpy"]
    np.random.set_state((n["kind"], np.asarray(n["keys"], np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


def sample_hints(ab: torch.Tensor, rng: np.random.Generator, p: float = 0.125,
                 max_hints: int = 32) -> torch.Tensor:
    """Hint channels (N, 3, H, W) = (a, b, mask) revealed from the ground truth ab.

    As Zhang et al. 2017: the number of hints is geometric(p) - 1 (so some images get
    none), each hint a square patch of side 1..5 px holding the patch's mean ab; positions
    uniform over the image (a user clicks anywhere, not only near the centre).
    """
    n, _, h, w = ab.shape
    out = torch.zeros(n, 3, h, w, dtype=ab.dtype, device=ab.device)
    for i in range(n):
        k = min(int(rng.geometric(p)) - 1, max_hints)
        for _ in range(k):
            s = int(rng.integers(1, 6))
            cy = int(rng.integers(0, h - s + 1))
            cx = int(rng.integers(0, w - s + 1))
            patch = ab[i, :, cy:cy + s, cx:cx + s]
            out[i, :2, cy:cy + s, cx:cx + s] = patch.mean((1, 2), keepdim=True)
            out[i, 2, cy:cy + s, cx:cx + s] = 1.0
    return out
