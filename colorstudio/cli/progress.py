"""The command line's progress display: a one-line bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TextIO

from colorstudio.core.messages import format_eta, progress_bar, shown


class Progress:
    """A one-line bar with count, items/s and ETA on a terminal; plain lines otherwise."""

    def __init__(self, stream: TextIO, quiet: bool = False):
        self.stream = stream
        self.tty = stream.isatty()
        self.quiet = quiet
        self._bar = False

    def _clear(self) -> None:
        if self._bar:
            self.stream.write("\r\033[K")
            self._bar = False

    def message(self, text: str) -> None:
        self._clear()
        self.stream.write(shown(text) + "\n")   # one line, whatever a name holds
        self.stream.flush()

    def update(self, ev, label: str = "") -> None:
        name = shown(Path(ev.src).name if label == "" else label)
        if ev.status == "failed":
            self.message(f"FAILED {name}: {ev.error}")
        if ev.note:
            self.message(f"note: {ev.note}")
        if self.quiet:
            return
        rate = f"{ev.items_per_s:.2f} it/s" if ev.items_per_s else "-- it/s"
        if self.tty:
            width = max(10, min(30, shutil.get_terminal_size((80, 20)).columns - 60))
            line = (f"{progress_bar(ev.done_count, max(1, ev.total), width)} {ev.done_count}/{ev.total} "
                    f"{rate} ETA {format_eta(ev.eta_s, '--:--')} {name}")
            cols = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r\033[K" + line[: cols - 1])
            self._bar = True
            self.stream.flush()
        elif ev.status != "failed":
            self.message(f"[{ev.done_count}/{ev.total}] {ev.status} {name} -> {ev.dst} "
                         f"({rate}, ETA {format_eta(ev.eta_s, '--:--')})")

    def close(self) -> None:
        self._clear()
