"""Safe checkpoint I/O: safetensors weights + JSON metadata, atomic writes.

A checkpoint file can never run code: weights are read with safetensors, and
legacy ``.pt``/``.pth`` files only through ``torch.load(weights_only=True)``.
The metadata (model family, its config, training data, metrics, version) lives
in the safetensors header under the key ``colorstudio`` as one JSON string.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

META_KEY = "colorstudio"


def _file_mode() -> int:
    umask = os.umask(0o022)  # read the umask (only settable), then restore it
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


class CheckpointError(ValueError):
    """A checkpoint could not be read or does not fit the model."""


def atomic_write(path: str | os.PathLike, write_fn) -> Path:
    """Call ``write_fn(tmp_path)`` then rename over ``path``: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write_fn(tmp)
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


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
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path.name}: metadata is not valid JSON ({exc})") from exc


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
        except Exception as exc:
            raise CheckpointError(
                f"{path.name}: refused -- not loadable with weights_only=True "
                f"(a pickled file could run code): {str(exc).splitlines()[0]}") from exc
        meta = {}
        if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
            meta = obj.get("meta") or {}
            obj = obj["state_dict"]
        if not isinstance(obj, dict):
            raise CheckpointError(f"{path.name}: expected a state dict, found {type(obj).__name__}")
        state = obj
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()
             if isinstance(v, torch.Tensor)}
    return state, meta


def load_into(model, state_dict: Mapping[str, Any], source: str = "checkpoint") -> None:
    """Load strictly; a mismatch names the missing, unexpected and mis-shaped keys."""
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
    model.load_state_dict(state_dict, strict=True)
