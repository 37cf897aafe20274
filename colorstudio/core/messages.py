"""What the user reads of an error or a remaining time: one line each, one way each."""

from __future__ import annotations

import os
from pathlib import Path


def one_line(exc: BaseException, src: str | os.PathLike | None = None) -> str:
    """First line of an exception's message (its type's name when it has none; "out of
    memory" for a bare MemoryError), without a leading ``'<src>: '`` or ``'<src name>: '``."""
    lines = str(exc).strip().splitlines()
    msg = lines[0] if lines else type(exc).__name__
    if isinstance(exc, MemoryError) and not lines:
        msg = "out of memory"
    if src is not None:
        for prefix in (f"{src}: ", f"{Path(src).name}: "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
                break
    return msg


def format_eta(seconds: float | None, unknown: str = "—") -> str:
    """A duration as ``m:ss`` or ``h:mm:ss`` (rounded to the second); ``unknown`` for None."""
    if seconds is None:
        return unknown
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_bar(done: float, total: float, width: int) -> str:
    """``[####......]``: ``done`` of ``total`` in ``width`` cells (the CLI's and the trainer's bar)."""
    filled = int(width * min(1.0, max(0.0, done / total))) if total > 0 else 0
    return f"[{'#' * filled}{'.' * (width - filled)}]"
