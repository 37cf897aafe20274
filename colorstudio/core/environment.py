"""The environment variables ColorStudio reads, each with its range: one check for them all.

A bad value (``COLORSTUDIO_MAX_PIXELS=abc``, ``=-5``, ``COLORSTUDIO_BACKEND=bogus``, a
``WORLD_SIZE=2`` left over from a torchrun shell) is refused by the CLI and the trainer
before any work, in one line that names the variable and what it may be -- not a traceback
at import, not a silent default, not a hang waiting for ranks that never come.
"""

from __future__ import annotations

import os
from typing import Callable, Mapping

from colorstudio.core.errors import UserError


class EnvironmentSettingError(UserError, ValueError):
    """An environment variable holds a value ColorStudio cannot use."""


def _whole(lo: int, hi: int, what: str) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        try:
            n = int(v.strip().replace("_", ""))
        except ValueError:
            return f"is not a whole number; {what}"
        return None if lo <= n <= hi else f"is out of range; {what}"
    return check


def _number(lo: float, hi: float, what: str) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        try:
            x = float(v)
        except ValueError:
            return f"is not a number; {what}"
        return None if lo <= x <= hi else f"is out of range; {what}"
    return check


def _one_of(*names: str) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        return None if v.strip().lower() in names else f"is not one of {', '.join(names)}"
    return check


# name -> check(value) -> problem or None
SETTINGS: dict[str, Callable[[str], str | None]] = {
    "COLORSTUDIO_MAX_PIXELS": _whole(0, 10 ** 12, "set it to 0 (no limit) or the largest width x height to read, "
                                                  "e.g. 400000000"),
    "COLORSTUDIO_BACKEND": _one_of("auto", "torch", "onnxruntime", "ort", "onnx"),
    "COLORSTUDIO_DDP_TIMEOUT": _number(1, 7 * 24 * 3600, "seconds to wait for the other training processes"),
}


def problems(env: Mapping[str, str] | None = None, trainer: bool = False) -> list[str]:
    """One line per environment variable that ColorStudio cannot use."""
    env = os.environ if env is None else env
    out = []
    for name, check in SETTINGS.items():
        v = env.get(name)
        if v is not None and v != "":
            why = check(v)
            if why:
                out.append(f"{name}={v[:40]!r} {why}")
    if trainer:
        world = env.get("WORLD_SIZE")
        if world not in (None, "", "1") and not all(env.get(k) for k in ("RANK", "LOCAL_RANK", "MASTER_ADDR")):
            out.append(f"WORLD_SIZE={world[:20]!r} is set, but this is not a torchrun launch (RANK, LOCAL_RANK "
                       "and MASTER_ADDR are missing): unset WORLD_SIZE, or train on several processes with --nproc")
        elif world not in (None, "", "1"):
            out += [f"{k}={env.get(k, '')[:20]!r} is not a whole number" for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK")
                    if not env.get(k, "").strip().isdigit()]
    return out


def check(trainer: bool = False) -> None:
    """Raise :class:`EnvironmentSettingError` naming the first unusable variable."""
    found = problems(trainer=trainer)
    if found:
        raise EnvironmentSettingError(found[0])


def max_pixels(default: int = 200_000_000) -> int | None:
    """``COLORSTUDIO_MAX_PIXELS`` (0: no limit), or ``default`` when unset or unusable (the
    front ends refuse an unusable value through :func:`check` before any work)."""
    v = os.environ.get("COLORSTUDIO_MAX_PIXELS")
    if not v or _whole(0, 10 ** 12, "")(v):
        return default
    return int(v.strip().replace("_", "")) or None
