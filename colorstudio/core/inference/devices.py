"""Device choice (cuda, then mps, then cpu, or what the user names) and OOM fallback."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from colorstudio.core.errors import UserError

log = logging.getLogger(__name__)

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(UserError, RuntimeError):
    """The requested device is not available."""


def pick_device(name: str = "auto"):
    """torch.device for ``name``; 'auto' prefers cuda, then mps, then cpu."""
    import torch

    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError("CUDA was requested but no CUDA GPU is available (use --device cpu or auto)")
        return torch.device(name)
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise DeviceError("MPS was requested but is not available on this machine")
        return torch.device("mps")
    if name == "cpu":
        return torch.device("cpu")
    raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)}")


def available_devices() -> list[str]:
    """Names a user can pick here, 'auto' first."""
    import torch

    out = ["auto", "cpu"]
    if torch.cuda.is_available():
        out.append("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        out.append("mps")
    return out


def describe(device) -> str:
    """Human-readable name of a device, e.g. 'cuda:0 (NVIDIA H100)' or 'cpu (2 threads)'."""
    import torch

    d = torch.device(device)
    if d.type == "cuda":
        idx = d.index or 0
        return f"cuda:{idx} ({torch.cuda.get_device_name(idx)})"
    if d.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(d)


def is_oom(exc: BaseException) -> bool:
    """True for out-of-memory errors of any backend."""
    import torch

    if isinstance(exc, (MemoryError, getattr(torch, "OutOfMemoryError", ()))):
        return True
    text = str(exc).lower()
    # torch's CPU allocator raises a plain RuntimeError ("DefaultCPUAllocator: can't
    # allocate memory"), ONNX Runtime its own exception types, which are no RuntimeError
    # ("RuntimeException: ... Failed to allocate memory for requested buffer").
    runtime = isinstance(exc, RuntimeError) or type(exc).__module__.startswith("onnxruntime")
    return runtime and any(k in text for k in ("out of memory", "can't allocate memory",
                                               "failed to allocate memory", "bad_alloc"))


def available_memory() -> int | None:
    """Bytes of memory free for a new allocation, or None if unknown: the least of the
    machine's (Linux MemAvailable), what this process's address-space and data limits leave
    (``ulimit -v`` / ``-d``: an allocation past them fails however much the machine has
    free) and what its cgroup's memory limit leaves (a container)."""
    bounds = [b for b in (_meminfo_available(), _rlimit_left(), _cgroup_left()) if b is not None]
    return min(bounds) if bounds else None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _status_kb(field_name: str) -> int | None:
    """A ``VmSize``-like field of /proc/self/status, in bytes."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _rlimit_left() -> int | None:
    try:
        import resource
    except ImportError:   # not on this platform
        return None
    left = []
    for limit, used_field in ((resource.RLIMIT_AS, "VmSize"), (resource.RLIMIT_DATA, "VmData")):
        soft, _ = resource.getrlimit(limit)
        if soft != resource.RLIM_INFINITY:
            used = _status_kb(used_field)
            if used is not None:
                left.append(max(0, soft - used))
    return min(left) if left else None


def _cgroup_left() -> int | None:
    """cgroup v2 memory.max - memory.current of this process's group, when limited."""
    try:
        with open("/proc/self/cgroup") as f:
            rel = next((line.strip().split("::", 1)[1] for line in f if line.startswith("0::")), None)
        if rel is None:
            return None
        base = Path("/sys/fs/cgroup") / rel.lstrip("/")
        limit = (base / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((base / "memory.current").read_text().strip()))
    except (OSError, ValueError):
        return None


@dataclass
class FallbackNote:
    """What happened when the preferred device failed; shown to the user, never hidden."""

    from_device: str
    to_device: str
    reason: str

    def __str__(self) -> str:
        return f"{self.from_device} ran out of memory ({self.reason}); continued on {self.to_device}"
