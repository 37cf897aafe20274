"""The training checkpoint (RUN/checkpoints/last.pt): everything a run needs to resume.

Generator, its moving average, discriminator, optimisers, scheduler, AMP scaler, step,
elapsed time, RNG states, config and notes; written atomically (temp file, rename).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch

from colorstudio.core.io import checkpoint
from trainer.engine.distributed import unwrap
from trainer.errors import TrainError
from trainer.engine.sampling import rng_state, set_rng_state


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


class CheckpointMixin:
    """Checkpoints of a :class:`trainer.engine.loop.Trainer` (uses its models, optimisers,
    counters, ``layout``, ``cfg``, ``notes`` and ``train_set``)."""

    def checkpoint_state(self) -> dict[str, Any]:
        return {
            "G": unwrap(self.G).state_dict(),
            "G_ema": self.ema.state_dict() if self.ema is not None else None,
            "D": unwrap(self.D).state_dict() if self.D is not None else None,
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict() if self.opt_D is not None else None,
            "sched": self.sched.state_dict() if self.sched is not None else None,
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch, "step": self.step,
            "elapsed": self.elapsed_before + (time.time() - self.t_start if hasattr(self, "t_start") else 0.0),
            "rng": rng_state(),
            "config": self.cfg.to_dict(),
            "family": self.cfg.family,
            "model_config": dict(unwrap(self.G).config if hasattr(unwrap(self.G), "config") else self.cfg.model),
            "val": dict(self.last_val),
            "notes": jsonable(self.notes),
            "steps_per_epoch": self.steps_per_epoch,
            "train_images": len(self.train_set),
            "world_size": self.dist.world,
            "skipped_gray": self.train_set.report.skipped_gray,
        }

    def save_checkpoint(self) -> Path:
        state = self.checkpoint_state()
        path = self.layout.checkpoint
        try:
            checkpoint.atomic_write(path, lambda tmp: torch.save(state, tmp))
        except (OSError, RuntimeError) as exc:   # torch reports a full disk as a RuntimeError
            raise TrainError(f"cannot write the checkpoint {path}: {write_failure(exc, path)}; "
                             "the previous checkpoint is kept (free space, then --resume)") from None
        return path

    def _load_checkpoint(self, path: Path) -> None:
        st = read_state(path, "cannot resume from")
        try:
            checkpoint.load_into_check(unwrap(self.G), st["G"], path.name)
            if self.D is not None and st.get("D") is not None:
                checkpoint.load_into_check(unwrap(self.D), st["D"], path.name)
        except checkpoint.CheckpointError as exc:
            was = st.get("family"), st.get("model_config")
            raise TrainError(f"cannot resume: {path} holds a {was[0]} model {was[1]}, not this run's "
                             f"{self.cfg.family} {dict(self.cfg.model)} ({str(exc)[:300]})") from None
        unwrap(self.G).load_state_dict(st["G"])
        if self.ema is not None:
            self.ema.load_state_dict(st["G_ema"] if st.get("G_ema") is not None else st["G"])
        if self.D is not None and st.get("D") is not None:
            unwrap(self.D).load_state_dict(st["D"])
        self.opt_G.load_state_dict(st["opt_G"])
        if self.opt_D is not None and st.get("opt_D") is not None:
            self.opt_D.load_state_dict(st["opt_D"])
        if self.sched is not None and st.get("sched") is not None:
            self.sched.load_state_dict(st["sched"])
        self.scaler.load_state_dict(st["scaler"])
        self.epoch, self.step = int(st["epoch"]), int(st["step"])
        self.elapsed_before = float(st.get("elapsed", 0.0))
        self.last_val = dict(st.get("val") or {})
        self.notes.update(st.get("notes") or {})
        old, new = st.get("config") or {}, self.cfg.to_dict()
        defaults = type(self.cfg)().to_dict()  # keys an older run's config did not have yet
        before = {k: old.get(k, defaults.get(k)) for k in new}
        changed = {k: [before[k], v] for k, v in new.items()
                   if k not in ("out", "time_budget", "threads", "device") and before[k] != v}
        if changed:  # a resumed run that changed its recipe: keep the history in the metadata
            self.notes.setdefault("history", []).append({"step": self.step, "changed": changed})
        if "lr" in changed or "d_lr" in changed:  # the optimizer state carried the old rate
            for opt, lr in ((self.opt_G, self.cfg.lr), (self.opt_D, self.cfg.d_lr or self.cfg.lr)):
                for group in (opt.param_groups if opt is not None else ()):
                    group["lr"] = group["initial_lr"] = lr * group.get("lr_mult", 1.0)
            if self.sched is not None:
                self.sched.base_lrs = [g["initial_lr"] for g in self.opt_G.param_groups]
        set_rng_state(st["rng"])
