"""The Dask driver's tally of a shot: each frame's status as the tasks report it (events
twice a second, and each task's summary when it ends), turned into the batch's
:class:`~colorstudio.core.batch.engine.BatchEvent` s with the rate and ETA the engine gives --
so the CLI's bar and the Batch tab show a Dask run as they show a local one."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

from colorstudio.core.batch.engine import RATE_SPAN, BatchEvent

FLUSH_S = 0.5            # a task sends its finished frames at most this often


class Tally:
    """Each frame's status as the driver knows it, turned into :class:`BatchEvent` s with
    the rate and ETA the engine gives (the first processed frame's warm-up left out)."""

    def __init__(self, numbers: range, where: Callable[[int], tuple[Path, Path]], before: set[int]):
        self.numbers, self.count, self.where = numbers, len(numbers), where
        self.before = before   # frames there before the run: a task's "skipped" for another is a lost
                               # attempt's work (its worker died after writing it), done by this run
        self.status: dict[int, str] = {}
        self.failed: dict[int, str] = {}
        self.t0: float | None = None   # not the cluster's start-up nor the workers' model loading
        self.processed = 0
        self.first: float | None = None
        self.notes: set[str] = set()   # the tasks' notes (a device fallback): each shown once,
        self.notes_due: list[str] = []  # on the next frame's event

    def frame(self, number: int, status: str, error: str | None = None,
              final: bool = False) -> BatchEvent | None:
        """The event of a frame's first report (a failure only when ``final``: a retry may mend it)."""
        if number in self.status or number not in self.numbers:
            return None
        if status == "failed" and not final:
            self.failed[number] = error or "failed"
            return None
        if status == "skipped" and number not in self.before:
            status = "done"
        self.status[number] = status
        now = time.perf_counter()
        if self.t0 is None:   # the tasks' work began about one batch of events before it came
            self.t0 = now - FLUSH_S
        if status != "skipped":
            self.processed += 1
            self.first = self.first or now
        elapsed, remaining = now - self.t0, self.count - len(self.status)
        since = now - self.first if self.first else 0.0
        n = self.processed
        if n >= 2 and since > 0 and (since >= RATE_SPAN or remaining == 0):
            rate = (n - 1) / since
        else:
            rate = n / elapsed if elapsed > 0 and n else 0.0
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        note = self.notes_due.pop(0) if self.notes_due else None
        src, dst = self.where(number)
        return BatchEvent(number - self.numbers.start, self.count, src, dst, status,
                          error if status == "failed" else None, len(self.status), elapsed, rate, eta, note)

    def report(self, msg: dict) -> Iterator[BatchEvent]:
        self.note(msg.get("notes") or [])
        for number, status, error in msg.get("frames") or []:
            if (ev := self.frame(int(number), str(status), error)) is not None:
                yield ev

    def note(self, notes: Sequence[str]) -> None:
        for text in notes:
            if text not in self.notes:
                self.notes.add(text)
                self.notes_due.append(text)

    def summary(self, result: dict) -> Iterator[BatchEvent]:
        """What a finished task's summary says that no event brought (its failures, last)."""
        self.note(result.get("notes") or [])
        for kind in ("done", "skipped"):
            for a, b in result.get(kind, []):
                for n in range(a, b + 1):
                    if (ev := self.frame(n, kind, final=True)) is not None:
                        yield ev
        for n, error in result.get("failed", {}).items():
            if (ev := self.frame(int(n), "failed", error, final=True)) is not None:
                yield ev
        for a, b in result.get("missing", []):
            for n in range(a, b + 1):
                if (ev := self.frame(n, "failed", "not coloured (its task stopped)", final=True)) is not None:
                    yield ev


def frames_there(numbers: range, where: Callable[[int], tuple[Path, Path]]) -> set[int]:
    """The frames whose output is there already (one listing of each output folder)."""
    listed: dict[Path, set[str]] = {}
    found = set()
    for n in numbers:
        dst = where(n)[1]
        if dst.parent not in listed:
            try:
                listed[dst.parent] = set(os.listdir(dst.parent))
            except OSError:
                listed[dst.parent] = set()
        if dst.name in listed[dst.parent]:
            found.add(n)
    return found
