"""colorstudio-cli models | colorize | translate: the batch commands."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Iterator

from colorstudio.cli.common import (EXIT_FAILED, EXIT_OK, UsageError, _check_outdir, _collect, _load_predictor,
                                    _make_outdir, _read_shot)
from colorstudio.cli.progress import Progress


def _drain(events: Iterator, progress: Progress, counts: dict[str, int], label: str = "") -> None:
    try:
        for ev in events:
            key = f"video {ev.status}" if ev.kind == "video" else ev.status   # the video is not a frame
            counts[key] = counts.get(key, 0) + 1
            progress.update(ev, label)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def _summary(counts: dict[str, int], outdir: Path, t0: float, loaded: float | None = None) -> int:
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
          + f" -> {outdir}")
    return EXIT_FAILED if failed or counts.get("video failed") else EXIT_OK


def cmd_models(args) -> int:
    from colorstudio.models import available

    rows = [(s.name, s.task, str(s.input_size), "yes" if s.has_weights else "no", s.description)
            for s in available(args.task)]
    head = ("NAME", "TASK", "SIZE", "WEIGHTS", "DESCRIPTION")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    for r in [head] + rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
    if not rows:
        print("(no models registered)")
    return EXIT_OK


def _run_batch(args, task: str, work, check=None) -> int:
    """The frame of every batch command: inputs, output folder, model, progress, summary.

    ``check(predictor)`` may refuse the model (a UsageError) before the output folder is
    made; ``work(inputs, predictor, progress, counts)`` runs the task's generators.
    """
    t0 = time.perf_counter()   # the summary's time is the whole command's, model loading included
    counts: dict[str, int] = {}
    inputs = _collect(args.inputs, counts)
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
    return _summary(counts, args.output, t0, loaded)


def cmd_colorize(args) -> int:
    keyframes, hints = _read_shot(args.hints)
    still_points = hints if keyframes else []
    if keyframes:
        hints = []

    def check(predictor) -> None:
        if args.hints is not None and not predictor.takes_hints:
            raise UsageError(f"model {predictor.name!r} takes no colour hints; use a hint-taking model "
                             f"with --hints (e.g. --model unet-hints)")

    def work(inputs, predictor, progress, counts) -> None:
        from colorstudio.core import batch
        from colorstudio.core.batch import frames

        from colorstudio.core.batch import shot

        if hints and not args.quiet:
            progress.message(f"{len(hints)} colour hint{'s' if len(hints) != 1 else ''} from {args.hints.name}")
        if keyframes and not args.quiet:
            n = sum(len(v) for v in keyframes.values())
            progress.message(f"{n} hint{'s' if n != 1 else ''} on {len(keyframes)} keyframe"
                             f"{'s' if len(keyframes) != 1 else ''} from {args.hints.name}, carried to "
                             "every frame of each shot")
        images = [p for p in inputs if not frames.is_video_file(p)]
        videos = [p for p in inputs if frames.is_video_file(p)]
        if images:
            plan = None
            if keyframes:   # the images are the frames of one shot, in order
                last = max(keyframes) + 1
                if last > len(images):
                    raise UsageError(f"{args.hints.name} has hints on frame {last}, but the input has "
                                     f"{len(images)} frame{'s' if len(images) != 1 else ''}")
                plan = shot.plan_files(images, keyframes, still_points)
            _drain(batch.colorize_files(images, args.output, predictor, size=args.size,
                                        saturation=args.saturation, fmt=args.format,
                                        overwrite=args.overwrite, smooth=args.smooth, hints=hints,
                                        quality=args.quality, frame_hints=plan, extras=args.also,
                                        denoise=args.denoise),
                   progress, counts)
        if videos and args.also:
            progress.message(f"note: --also {','.join(args.also)} is for photos; videos get their frames and video")
        for v in videos:
            try:
                plan = shot.plan_video(v, keyframes, still_points) if keyframes else None
                events = frames.colorize_video(v, args.output, predictor, size=args.size,
                                               saturation=args.saturation, smooth=args.smooth,
                                               hints=hints, overwrite=args.overwrite, frame_hints=plan,
                                               denoise=args.denoise)
            except (OSError, ValueError) as exc:
                counts["failed"] = counts.get("failed", 0) + 1
                progress.message(f"FAILED {v.name}: {batch.one_line(exc, v)}")
                continue
            _drain(events, progress, counts, label=v.name)

    return _run_batch(args, "colorize", work, check)


def cmd_translate(args) -> int:
    def work(inputs, predictor, progress, counts) -> None:
        from colorstudio.core import batch

        _drain(batch.translate_files(inputs, args.output, predictor, size=args.size, fmt=args.format,
                                     overwrite=args.overwrite, quality=args.quality), progress, counts)

    return _run_batch(args, "translate", work)
