"""Run folder -> the small fp16 safetensors file the app loads (weights + model metadata)."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import torch

from colorstudio.core.io import checkpoint
from colorstudio.core.io.runs import RunLayout
from trainer.engine.checkpoints import read_state
from trainer.errors import TrainError
from colorstudio.core.photo_groups import HELD_OUT_EVERY


def run_checkpoint(run: str | Path) -> Path:
    """RUN folder or a .pt file -> the training checkpoint path."""
    p = Path(run)
    if p.is_dir():
        p = RunLayout(p).checkpoint
    if not p.is_file():
        raise TrainError(f"no training checkpoint at {p}")
    return p


def hardware(threads: int = 0, world: int = 1) -> str:
    """CPU model (and GPU) of this machine with the torch threads a training process used."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    desc = (f"{cpu} ({os.cpu_count()} cores), {threads or torch.get_num_threads()} torch thread(s)"
            f" x {world} process(es)")
    if torch.cuda.is_available():
        desc = f"{torch.cuda.get_device_name(0)} / " + desc
    return desc


def _held_out(cfg: dict[str, Any]) -> str:
    if cfg.get("val_data"):
        return str(cfg["val_data"])
    root = Path(cfg.get("data", ""))
    if cfg.get("task") == "translate" and (root / "val").is_dir():
        return f"{root / 'val'} (the pairs' own validation folder)"
    every = cfg.get("val_every_nth", HELD_OUT_EVERY)
    return f"every {every}th file of each class folder (sorted by name, from the first)"


def export_metadata(state: dict[str, Any]) -> dict[str, Any]:
    cfg = state.get("config", {})
    spe = max(1, int(state.get("steps_per_epoch") or 1))
    from colorstudio import __version__

    return {
        "family": state["family"],
        "config": state.get("model_config") or cfg.get("model", {}),
        "recipe": cfg,
        "data": {"path": cfg.get("data", ""), "train_images": state.get("train_images"),
                 "skipped_gray": state.get("skipped_gray"), "held_out": _held_out(cfg)},
        "epochs": round(state["step"] / spe, 3),
        "steps": state["step"],
        "time": round(float(state.get("elapsed", 0.0)), 1),
        "metrics": state.get("val") or {},
        "notes": state.get("notes") or {},
        "hardware": hardware(int(cfg.get("threads") or 0), int(state.get("world_size") or 1)),
        "version": __version__,
    }


def export_run(run: str | Path, out: str | Path, half: bool = True, render_size: int | None = None) -> Path:
    """Write the generator of a run (folder or .pt) as safetensors with its metadata;
    ``render_size``: the size these weights render best at, stored with them (the app and the
    CLI render at it unless told otherwise; default: the family's)."""
    state = read_state(run_checkpoint(run), "cannot read")
    weights = state["G_ema"] if state.get("G_ema") is not None else state["G"]
    meta = export_metadata(state)
    if render_size is not None:
        meta["render_size"] = int(render_size)
        checkpoint.validate_metadata(meta, Path(out).name)   # the range, before anything is written
    if state.get("G_ema") is not None:
        decay = state["config"].get("ema")
        meta["notes"] = {**meta.get("notes", {}), "weights": f"moving average of G (decay {decay})"}
    return checkpoint.save_weights(out, weights, meta, half=half)

