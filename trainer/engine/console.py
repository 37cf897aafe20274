"""What ``colorstudio-train`` shows on its console while it trains: step N of M, epoch,
elapsed, ETA, the loss and the speed -- a one-line bar on a terminal, a plain line every
``every`` seconds otherwise (a log file, the GUI's pipe)."""

from __future__ import annotations

import shutil
import sys
import time
from typing import Mapping, TextIO

from colorstudio.core.messages import format_eta, progress_bar


class ConsoleProgress:
    def __init__(self, stream: TextIO | None = None, every: float = 30.0):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self._last = 0.0
        self._bar = False

    def line(self, step: int, total: int, epoch: int, elapsed: float, eta: float | None,
             losses: Mapping[str, float], images_per_s: float) -> str:
        loss = losses.get("total")
        return (f"step {step}/{total} · epoch {epoch + 1} · {format_eta(elapsed)} elapsed · ETA "
                f"{format_eta(eta, '--:--')}" + (f" · loss {loss:.4g}" if loss is not None else "")
                + f" · {images_per_s:.1f} img/s")

    def update(self, step: int, total: int, epoch: int, elapsed: float, eta: float | None,
               losses: Mapping[str, float], images_per_s: float) -> None:
        text = self.line(step, total, epoch, elapsed, eta, losses, images_per_s)
        if self.tty:
            cols = shutil.get_terminal_size((100, 20)).columns
            bar = progress_bar(step, total, max(10, min(30, cols - len(text) - 2)))
            self.stream.write("\r\033[K" + f"{bar} {text}"[: cols - 1])
            self._bar = True
        else:
            now = time.monotonic()
            if now - self._last < self.every and step < total:
                return
            self._last = now
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._bar:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._bar = False
