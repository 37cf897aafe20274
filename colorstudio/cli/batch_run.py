"""The frame of every batch command: inputs, output folder, model, progress, summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Iterator

from colorstudio.cli.common import (EXIT_FAILED, EXIT_OK, _check_outdir, _collect, _load_predictor,
                                    _make_outdir, collected)
from colorstudio.cli.progress import Progress
from colorstudio.core.messages import shown


def drain(events: Iterator, progress: Progress, counts: dict[str, int], label: str = "") -> None:
    try:
        for ev in events:
            key = f"video {ev.status}" if ev.kind == "video" else ev.status   # the video is not a frame
            counts[key] = counts.get(key, 0) + 1
            progress.update(ev, label)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def summary(counts: dict[str, int], outdir: Path, t0: float, loaded: float | None = None) -> int:
    """``72 done, 0 skipped (already there), 0 failed; video: 1 written in 9.8 s -> out``."""
    done, skipped, failed = (counts.get(k, 0) for k in ("done", "skipped", "failed"))
    videos = [f"{n} {word}" for key, word in (("video done", "written"), ("video skipped", "already there"),
                                              ("video failed", "failed"))
              if (n := counts.get(key, 0))]
    print(f"{done} done, {skipped} skipped (already there), {failed} failed"
          + (f"; video{'s' if sum(counts.get(k, 0) for k in counts if k.startswith('video')) > 1 else ''}: "
             + ", ".join(videos) if videos else "")
          + f" in {time.perf_counter() - t0:.1f} s"
          + (f" (model loading {loaded:.1f} s)" if loaded is not None and loaded >= 0.05 else "")
          + f" -> {shown(outdir)}")
    return EXIT_FAILED if failed or counts.get("video failed") else EXIT_OK


def run_batch(args, task: str, work, check=None, route=None) -> int:
    """The frame of every batch command: inputs, output folder, model, progress, summary.

    ``check(predictor)`` may refuse the model (a UsageError) before the output folder is
    made; ``work(inputs, predictor, progress, counts)`` runs the task's generators.
    ``route``: the inputs as ``core.batch.route`` found them (colorize); else collected here.
    """
    t0 = time.perf_counter()   # the summary's time is the whole command's, model loading included
    counts: dict[str, int] = {}
    inputs = collected(route.files, route.problems, counts) if route is not None else _collect(args.inputs, counts)
    _check_outdir(args.output, args.inputs)
    predictor = _load_predictor(args, task)
    loaded = time.perf_counter() - t0
    if check is not None:
        check(predictor)
    _make_outdir(args.output)
    progress = Progress(sys.stderr, args.quiet)
    try:
        work(inputs, predictor, progress, counts)
    finally:
        progress.close()
    return summary(counts, args.output, t0, loaded)
