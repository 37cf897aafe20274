"""The ONNX exports' cache on disk: where it lives, the key of an export (a hash of the
weights), and its pruning -- so a model read from a file is exported once per machine."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

CACHE_KEEP = 12  # cached exports kept (newest first); older ones are deleted


def weights_hash(model) -> str:
    """sha256 of the state dict (names, shapes, dtypes, bytes): the cache key of an export."""
    import torch

    h = hashlib.sha256()
    for k, v in model.state_dict().items():
        t = v.detach().to("cpu").contiguous()
        h.update(f"{k}:{tuple(t.shape)}:{t.dtype};".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def user_cache_dir() -> Path:
    """Per-user cache folder (``COLORSTUDIO_CACHE_DIR`` overrides the platform default)."""
    env = os.environ.get("COLORSTUDIO_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "colorstudio"


def _prune(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently used exports in ``folder``."""
    files = sorted(folder.glob("*.onnx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
