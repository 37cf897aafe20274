"""Safe checkpoint I/O: safetensors weights + JSON metadata, atomic writes.

A checkpoint file can never run code: weights are read with safetensors, and
legacy ``.pt``/``.pth`` files only through ``torch.load(weights_only=True)``.
The metadata (model family, its config, training data, metrics, version) lives
in the safetensors header under the key ``colorstudio`` as one JSON string.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from colorstudio.core.io import textfiles
from colorstudio.core.io.atomic import atomic_write
from colorstudio.core.errors import UserError
from colorstudio.core.messages import one_line

META_KEY = "colorstudio"


class CheckpointError(UserError, ValueError):
    """A checkpoint could not be read or does not fit the model."""


def save_weights(path: str | os.PathLike, state_dict: Mapping[str, Any],
                 metadata: Mapping[str, Any] | None = None, half: bool = False) -> Path:
    """Write a state dict as safetensors (optionally fp16) with JSON metadata."""
    import torch
    from safetensors.torch import save_file

    tensors = {}
    for k, v in state_dict.items():
        if not isinstance(v, torch.Tensor):
            continue
        v = v.detach().to("cpu")
        if half and v.is_floating_point():
            v = v.to(torch.float16)
        tensors[k] = v.contiguous()
    meta = {META_KEY: json.dumps(dict(metadata or {}), sort_keys=True, default=str)}
    return atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=meta))


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON metadata of a safetensors checkpoint without reading its tensors."""
    path = Path(path)
    if path.suffix != ".safetensors":
        return {}
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get(META_KEY)
    except Exception as exc:  # safetensors raises several types for bad headers
        raise CheckpointError(f"{path.name}: not a readable safetensors file ({exc})") from exc
    if not raw:
        return {}
    try:
        meta = textfiles.loads(raw, f"{path.name}: metadata")
    except textfiles.BadTextFile as exc:
        raise CheckpointError(str(exc)) from None
    return validate_metadata(meta, path.name)


def unsafe_load_reason(exc: BaseException) -> str:
    """Why ``torch.load(weights_only=True)`` refused a file, in our words: torch's own
    message advises loading with weights_only=False, which could run the file's code."""
    text = str(exc)
    if "Weights only load failed" in text or "Unsupported global" in text or "weights_only" in text:
        return ("refused: the file holds pickled Python objects besides tensors, and loading "
                "them could run code (only plain tensors and numbers are read)")
    return f"not a readable checkpoint ({one_line(exc)[:160]})"


def validate_metadata(meta: Any, source: str = "checkpoint") -> dict[str, Any]:
    """The metadata's shape, checked before anything trusts it: a JSON object whose
    ``family`` is a string and whose ``config`` is an object of plain values."""
    if not isinstance(meta, dict):
        raise CheckpointError(f"{source}: metadata must be a JSON object, not {type(meta).__name__}")
    family = meta.get("family")
    if family is not None and not isinstance(family, str):
        raise CheckpointError(f"{source}: metadata 'family' must be a name, not {family!r}")
    size = meta.get("render_size")
    if size is not None:   # the size this file renders best at: its own value wins over the family's
        from colorstudio.core.scales import RENDER_SIZE_RANGE

        lo, hi = RENDER_SIZE_RANGE
        if isinstance(size, bool) or not isinstance(size, int) or not lo <= size <= hi:
            raise CheckpointError(f"{source}: metadata 'render_size' must be a whole number of pixels, "
                                  f"{lo}-{hi}, not {size!r}"[:200])
    config = meta.get("config")
    if config is not None:
        if not isinstance(config, dict):
            raise CheckpointError(f"{source}: metadata 'config' must be an object, not {config!r}"[:200])
        for k, v in config.items():
            ok = v is None or isinstance(v, (bool, int, float, str)) or (
                isinstance(v, list) and all(isinstance(x, (bool, int, float, str, list)) for x in v))
            if not ok:
                raise CheckpointError(f"{source}: metadata config {k!r} has an unusable value {v!r}"[:200])
    return meta


def file_sha256(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file's bytes (what a file built on another one names it by)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def base_of(meta: Mapping[str, Any], source: str = "checkpoint") -> tuple[str, str] | None:
    """``(family, sha256)`` of the shipped weights a file is built on (a hint adapter holds
    only its own tensors: the frozen colorizer under it is that family's shipped file, named
    by its hash so that another file is never taken for it); None for a whole file."""
    base = meta.get("base")
    if base is None:
        return None
    if not (isinstance(base, dict) and isinstance(base.get("family"), str)
            and isinstance(base.get("sha256"), str) and len(base["sha256"]) == 64):
        raise CheckpointError(f"{source}: metadata 'base' must name a family and its file's sha256")
    return base["family"], base["sha256"]


def without_base(state: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The tensors of ``state`` that ``base`` lacks or holds with other values: what a file
    built on ``base`` needs to store."""
    import torch

    return {k: v for k, v in state.items()
            if k not in base or v.shape != base[k].shape or not torch.equal(v, base[k].to(v.dtype))}


def load_weights(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read ``(state_dict, metadata)`` safely; tensors come back in float32 where floating."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path.name}: the file is empty")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        meta = read_metadata(path)
        try:
            state = load_file(str(path))
        except Exception as exc:
            raise CheckpointError(f"{path.name}: not a readable safetensors file ({exc})") from exc
    else:
        try:
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 -- torch.load raises many types for a bad file
            raise CheckpointError(f"{path.name}: {unsafe_load_reason(exc)}") from None
        meta = {}
        if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
            meta = obj.get("meta") or {}
            obj = obj["state_dict"]
        if not isinstance(obj, dict):
            raise CheckpointError(f"{path.name}: expected a state dict, found {type(obj).__name__}")
        state = obj
    state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    for k, v in state.items():  # refused here, not cast with a warning or failed per image later
        if not v.is_floating_point() and not (k.endswith("num_batches_tracked") and v.numel() == 1
                                              and not v.is_complex() and v.dtype != torch.bool):
            raise CheckpointError(f"{path.name}: tensor {k} is {str(v.dtype).replace('torch.', '')}; "
                                  "weights must be floating point (float16 or float32)")
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
    return state, meta


def load_into(model, state_dict: Mapping[str, Any], source: str = "checkpoint") -> None:
    """Load strictly; a mismatch names the missing, unexpected and mis-shaped keys."""
    load_into_check(model, state_dict, source)
    model.load_state_dict(state_dict, strict=True)


def load_into_check(model, state_dict: Mapping[str, Any], source: str = "checkpoint") -> None:
    """CheckpointError unless ``state_dict`` has exactly ``model``'s keys and shapes."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    shapes = sorted(f"{k} {tuple(state_dict[k].shape)} vs {tuple(own[k].shape)}"
                    for k in set(own) & set(state_dict) if own[k].shape != state_dict[k].shape)
    if missing or unexpected or shapes:
        def fmt(items):
            return ", ".join(items[:6]) + (f" (+{len(items) - 6} more)" if len(items) > 6 else "")
        parts = []
        if missing:
            parts.append(f"missing keys: {fmt(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {fmt(unexpected)}")
        if shapes:
            parts.append(f"shape mismatch: {fmt(shapes)}")
        raise CheckpointError(f"{source} does not fit {type(model).__name__}: " + "; ".join(parts))
