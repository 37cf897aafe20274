"""Weight surgery: start a model from another one's weights (``--init``)."""

from __future__ import annotations

from pathlib import Path

import torch

from colorstudio.core.io import checkpoint
from colorstudio.models import registry
from trainer.errors import TrainError


def init_from(model: torch.nn.Module, path: str) -> dict[str, int]:
    """Copy weights from ``path``; conv inputs the source lacks (the hint planes, when a
    colorizer seeds the hint model) get random weights at the scale of the copied ones.
    Those inputs are all zero without hints, so the model starts with the colorizer's
    behaviour; zero weights there would keep the hints near-silent for thousands of steps.
    Whole modules the source lacks (a bin head added to a trained colorizer) keep their
    initialisation; a module the source has only part of is an error."""
    state, meta = checkpoint.load_weights(path)
    state = registry.with_base(state, meta, Path(path).name)   # a hint adapter's file: + its colorizer
    own = model.state_dict()
    new, padded, fresh = {}, 0, 0
    source_modules = {k.rpartition(".")[0] for k in state}
    for k, v in own.items():
        if k not in state:
            if k.rpartition(".")[0] in source_modules:
                raise TrainError(f"--init {Path(path).name}: missing key {k}")
            new[k], fresh = v, fresh + 1   # a module the source has none of (a new head): as built
            continue
        src = state[k]
        if src.shape == v.shape:
            new[k] = src
        elif src.dim() == 4 and src.shape[0] == v.shape[0] and src.shape[2:] == v.shape[2:] \
                and src.shape[1] < v.shape[1]:
            w = torch.randn_like(v) * src.float().std().to(v.dtype)
            w[:, :src.shape[1]] = src
            new[k] = w
            padded += 1
        else:
            raise TrainError(f"--init {Path(path).name}: {k} has shape {tuple(src.shape)}, "
                             f"the model needs {tuple(v.shape)}")
    model.load_state_dict(new)
    return {"copied": len(new) - fresh, "padded_inputs": padded, "new": fresh}
