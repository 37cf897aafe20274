"""Randomness a run can replay: per-sample seeds, the RNG state in checkpoints, hints.

Every sample's augmentation is seeded by ``(seed, step, rank, position)``, so
``--resume`` replays the same batches from the last checkpoint on.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def sample_seed(seed: int, step: int, rank: int, j: int) -> int:
    return int(np.random.SeedSequence([seed, step, rank, j]).generate_state(1)[0] & 0x7FFFFFFF)


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
