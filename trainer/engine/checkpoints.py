"""The training checkpoint file (RUN/checkpoints/last.pt): written atomically (temp file,
rename), read back safely (``weights_only``), a full disk named as such.  What goes in it
is the trainer's own state (``Trainer.state_dict``): generator, its moving average,
discriminator, optimisers, scheduler, AMP scaler, step, elapsed time, RNG states, config
and notes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from colorstudio.core.io import checkpoint
from colorstudio.core.io.atomic import atomic_write
from trainer.errors import TrainError


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
