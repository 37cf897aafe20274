"""The training checkpoint file (RUN/checkpoints/last.pt): written atomically (temp file,
rename), read back safely (``weights_only``), a full disk named as such.  What goes in it
is the trainer's own state (``Trainer.state_dict``): generator, its moving average,
discriminator, optimisers, scheduler, AMP scaler, step, elapsed time, RNG states, config
and notes.  On ``--resume``: whether a checkpoint is this run's, and what its recipe changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import torch

from colorstudio.core.io import checkpoint
from colorstudio.core.io.atomic import atomic_write
from trainer.settings import TrainConfig
from trainer.errors import TrainError

# Where and how long a run goes on: never a change of its recipe.
NOT_RECIPE = ("out", "time_budget", "threads", "device")


def read_state(path: Path, failing: str) -> dict[str, Any]:
    """The training checkpoint at ``path`` (tensors and plain values only: nothing that
    could run code is unpickled); TrainError ``'<failing> <path>: <why>'`` otherwise."""
    try:
        st = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 -- torch.load raises many types for a bad file
        raise TrainError(f"{failing} {path}: {checkpoint.unsafe_load_reason(exc)}") from None
    if not isinstance(st, dict) or not isinstance(st.get("G"), dict):
        raise TrainError(f"{failing} {path}: not a ColorStudio training checkpoint")
    return st


def write_failure(exc: BaseException, path: Path) -> str:
    """Why a write failed, in words: a full disk is named as such (torch's own message is
    'enforce fail at inline_container.cc')."""
    import errno
    import shutil

    if getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in str(exc):
        return "no space left on the device"
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    if free is not None and free < 64 * 2 ** 20:
        return f"no space left on the device ({free / 2 ** 20:.0f} MB free)"
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0][:200]


def jsonable(obj: Any) -> Any:
    """``obj`` as JSON would give it back (unknown types as their str)."""
    return json.loads(json.dumps(obj, default=str))


def save(path: Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically; a failure (a full disk) is one TrainError
    that keeps the previous checkpoint."""
    try:
        atomic_write(path, lambda tmp: torch.save(state, tmp))
    except (OSError, RuntimeError) as exc:   # torch reports a full disk as a RuntimeError
        raise TrainError(f"cannot write the checkpoint {path}: {write_failure(exc, path)}; "
                         "the previous checkpoint is kept (free space, then --resume)") from None
    return path


def check_resumable(st: Mapping[str, Any], path: Path, cfg: TrainConfig, G: torch.nn.Module,
                    D: torch.nn.Module | None, train_images: int, weights: Path) -> None:
    """Refuse (TrainError) to continue this run ``cfg`` (networks ``G``, ``D``; ``train_images``
    photos now) from the state ``st`` read from ``path``: a checkpoint of another model, or of
    other training data -- the epochs and the held-out split would silently mean other photos
    (``weights``: the run's own, to start a new run from)."""
    try:
        checkpoint.load_into_check(G, st["G"], path.name)
        if D is not None and st.get("D") is not None:
            checkpoint.load_into_check(D, st["D"], path.name)
    except checkpoint.CheckpointError as exc:
        was = st.get("family"), st.get("model_config")
        raise TrainError(f"cannot resume: {path} holds a {was[0]} model {was[1]}, not this run's "
                         f"{cfg.family} {dict(cfg.model)} ({str(exc)[:300]})") from None
    was_images = st.get("train_images")
    if was_images and train_images != was_images:
        raise TrainError(f"cannot resume: the training data changed since the run began ({was_images} "
                         f"training images then, {train_images} now in {cfg.data}); restore the "
                         f"folder, or start a new run from this one's weights (--init {weights})")


def recipe_changes(saved: Mapping[str, Any], cfg: TrainConfig) -> dict[str, list[Any]]:
    """{option: [then, now]} of what a resumed run's recipe ``cfg`` changed against the
    checkpoint's ``saved`` config (a key an older run did not have yet: at its default),
    so the weights' metadata keeps the history."""
    new = cfg.to_dict()
    defaults = type(cfg)().to_dict()
    before = {k: saved.get(k, defaults.get(k)) for k in new}
    return {k: [before[k], v] for k, v in new.items() if k not in NOT_RECIPE and before[k] != v}


def set_rates(cfg: TrainConfig, opt_G: torch.optim.Optimizer, opt_D: torch.optim.Optimizer | None,
              sched: Any) -> None:
    """A rate changed on resume reaches the optimisers, whose state carried the old one
    (each group keeps its ``lr_mult``), and the schedule's base rates."""
    for opt, lr in ((opt_G, cfg.lr), (opt_D, cfg.d_lr or cfg.lr)):
        for group in (opt.param_groups if opt is not None else ()):
            group["lr"] = group["initial_lr"] = lr * group.get("lr_mult", 1.0)
    if sched is not None:
        sched.base_lrs = [g["initial_lr"] for g in opt_G.param_groups]
