"""The environment variables ColorStudio reads, each with its range: one check for them all.

A bad value (``COLORSTUDIO_MAX_PIXELS=abc``, ``=-5``, ``COLORSTUDIO_BACKEND=bogus``, a
``WORLD_SIZE=2`` left over from a torchrun shell) is refused by the CLI and the trainer
before any work, in one line that names the variable and what it may be -- not a traceback
at import, not a silent default, not a hang waiting for ranks that never come.
"""

from __future__ import annotations

import os
import re
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


MAX_SHARDS = 100_000


def shard_pair(text: str) -> tuple[int, int]:
    """``I/N`` -> (I, N): shard I of N, I from 1 (``--shard`` and ``COLORSTUDIO_SHARD`` read
    one way); ValueError with what it may be."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise ValueError(f"{text[:40]!r} is not I/N (shard I of N shards, I from 1, e.g. 2/8)")
    i, n = int(m.group(1)), int(m.group(2))
    if not 1 <= n <= MAX_SHARDS or not 1 <= i <= n:
        raise ValueError(f"shard {i}/{n} is out of range: N from 1 to {MAX_SHARDS}, I from 1 to N")
    return i, n


def _shard_text(v: str) -> str | None:
    try:
        shard_pair(v)
    except ValueError as exc:
        return f"is not a shard: {exc}"
    return None


# name -> check(value) -> problem or None
SETTINGS: dict[str, Callable[[str], str | None]] = {
    "COLORSTUDIO_MAX_PIXELS": _whole(0, 10 ** 12, "set it to 0 (no limit) or the largest width x height to read, "
                                                  "e.g. 400000000"),
    "COLORSTUDIO_BACKEND": _one_of("auto", "torch", "onnxruntime", "ort", "onnx"),
    "COLORSTUDIO_DDP_TIMEOUT": _number(1, 7 * 24 * 3600, "seconds to wait for the other training processes"),
    "COLORSTUDIO_SHARD": _shard_text,
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


SLURM_ARRAY = ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN")


def farm_shard(env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """This task's shard (I, N) for ``--shard auto``, from the farm's environment.

    ``COLORSTUDIO_SHARD=I/N`` first (any farm: set it in the job's command), else a SLURM
    job array: the array's task IDs MIN, MIN+STEP, ... (``SLURM_ARRAY_TASK_STEP``, 1 when
    unset) are shards 1 to ``SLURM_ARRAY_TASK_COUNT``.  Raises
    :class:`EnvironmentSettingError` (one line) when neither is set or the values make no
    shard -- a farm task that guessed would colour another task's frames.
    """
    env = os.environ if env is None else env
    own = env.get("COLORSTUDIO_SHARD", "")
    if own.strip():
        try:
            return shard_pair(own)
        except ValueError as exc:
            raise EnvironmentSettingError(f"COLORSTUDIO_SHARD {exc}") from None
    if not env.get("SLURM_ARRAY_TASK_ID", "").strip():
        raise EnvironmentSettingError("no shard in the environment: set COLORSTUDIO_SHARD=I/N, or run as a SLURM "
                                      "job array (SLURM_ARRAY_TASK_ID)")
    return _slurm_shard(env)


def _slurm_shard(env: Mapping[str, str]) -> tuple[int, int]:
    values = {}
    for name in (*SLURM_ARRAY, "SLURM_ARRAY_TASK_STEP"):
        v = env.get(name, "").strip() or ("1" if name == "SLURM_ARRAY_TASK_STEP" else "")
        if not v.isdigit():
            raise EnvironmentSettingError(f"{name}={v[:20]!r} is not a whole number (a SLURM job array sets "
                                          f"{', '.join(SLURM_ARRAY)})")
        values[name] = int(v)
    task, count, low, step = values.values()
    i, off = divmod(task - low, max(1, step))
    if task < low or off or not 1 <= i + 1 <= count or count > MAX_SHARDS:
        raise EnvironmentSettingError(f"SLURM_ARRAY_TASK_ID={task} is not one of the {count} tasks of the array "
                                      f"(from {low}, step {step}): give the array a plain range, "
                                      f"e.g. --array=1-{count}")
    return i + 1, count
