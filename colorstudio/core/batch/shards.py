"""A range of a shot coloured on one machine, and the frames put back together as a video.

A farm splits a shot into ranges (``--frames A-B``) or shards (``--shard I/N``), planned by
:mod:`colorstudio.core.batch.ranges`.  Each range is coloured as a whole run would colour
it: into the shot's usual outputs (a video's ``<name>_frames/frame_000001.png`` ..., a
folder of frames' ``OUT/<stem>.png``, an image sequence's ``OUT/shot.1001.exr`` ...,
numbered as its input frames: :mod:`colorstudio.core.batch.sequences`), frames already
there skipped, and with smoothing on
the overlap before it computed and not written.  A range never assembles the video (its
frames are a part of it); it leaves a small JSON manifest beside its frames saying what it
wrote.  :func:`~colorstudio.core.batch.assembly.assemble` then muxes the frames folder into a
video, with the source's audio and timestamps, once every range is done.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from colorstudio.core.batch import frames as video_frames
from colorstudio.core.batch import outputs, ranges, sequences
# The assembly's names, where callers have always found them (its home: core.batch.assembly).
from colorstudio.core.batch.assembly import (DEFAULT_FPS, AssembleError, Assembly, assemble, gaps,  # noqa: F401
                                             numbered_frames)
from colorstudio.core.batch.engine import BatchEvent, Cancel, Job, run_batch
from colorstudio.core.batch.inputs import FrameWindow, file_jobs, with_neighbours
from colorstudio.core.batch.shot import small_lightness, work_size
from colorstudio.core.batch.stages import ColorizeStage
from colorstudio.core.colorize.pipeline import Hint
from colorstudio.core.io import atomic, imageio, video_io
from colorstudio.core.io.atomic import clean_stale
from colorstudio.core.io.sequence import ImageSequence

MANIFEST_PATTERN = ".colorstudio-frames-{:06d}-{:06d}.json"
_VERSION = 1


# ----------------------------------------------------------------------------- the shot

@dataclass
class Shot:
    """A shot's frames in order: a video file, frame files (a folder's, in natural order), or
    an image sequence (``shot.####.exr``: its frames by number, read and written as
    ``colour`` says)."""

    video: Path | None = None
    files: tuple[Path, ...] = ()
    sequence: ImageSequence | None = None
    colour: sequences.SequenceColour | None = None   # None: the sequence's defaults (plan_colour)

    def __post_init__(self) -> None:
        if self.sequence is not None and self.colour is None:
            self.colour = sequences.plan_colour(self.sequence)

    @property
    def name(self) -> str:
        if self.sequence is not None:
            return self.sequence.pattern.name
        return self.video.name if self.video is not None else (self.files[0].parent.name if self.files else "")

    @functools.cached_property
    def count(self) -> int:
        """Frames in the shot; for a video counted from its packets (nothing decoded), so
        that every shard of it plans with the same number."""
        if self.sequence is not None:
            return len(self.sequence)
        if self.video is None:
            return len(self.files)
        n = len(video_io.frame_times(self.video))
        return n or video_frames.video_info(self.video).frame_count

    def number(self, i: int) -> int:
        """The user's number of frame ``i`` (0-based): an image sequence's own, else ``i + 1``."""
        return self.sequence.numbers[i] if self.sequence is not None else i + 1

    def span(self, frames: ranges.FrameSpan) -> range:
        """The 0-based frames of ``--frames``: by a sequence's numbers, else from 1."""
        if self.sequence is not None:
            return ranges.resolve_numbers(frames, self.sequence.numbers)
        return frames.resolve(self.count)

    def lightness(self, indices: Sequence[int]) -> dict[int, np.ndarray | None]:
        """The small lightness (``shot.small_lightness``) of these frames; None for a frame
        that cannot be read.  A video is decoded up to the last of them."""
        want = set(indices)
        if not want:
            return {}
        if self.sequence is not None:
            paths = self.sequence.paths
            return {i: sequences.small_lightness(paths[i], self.colour, work_size) for i in sorted(want)
                    if 0 <= i < len(paths)}
        if self.video is None:
            return {i: _small(_read(self.files[i])) for i in sorted(want) if 0 <= i < len(self.files)}
        out: dict[int, np.ndarray | None] = {}
        with contextlib.closing(video_frames.iter_frames(self.video)) as decoded:
            for i, frame in enumerate(decoded):
                if i in want:
                    out[i] = _small(frame)
                if i >= max(want):
                    break
        return out


def carried_hints(shot: Shot, keyframes: dict, still: Sequence = ()) -> list[list]:
    """Every frame's hints of a shot file's keyframes, carried over the whole shot
    (``core.batch.shot``), so a range gets what one run would give it."""
    from colorstudio.core.batch import shot as shot_hints

    if shot.video is not None:
        return shot_hints.plan_video(shot.video, keyframes, list(still))
    if shot.sequence is None:
        return shot_hints.plan_files(shot.files, keyframes, list(still))
    def display(path: Path) -> np.ndarray | None:
        try:
            return sequences.read_prepared(path, shot.colour).prepared.gray
        except (imageio.ImageReadError, OSError):
            return None   # the batch reports this frame; the others keep their hints

    return shot_hints.frame_hints(shot_hints.plan_frames((display(p) for p in shot.sequence.paths),
                                                         sequences.keyframes_by_number(shot.sequence, keyframes),
                                                         list(still)))


def _read(path: Path, max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> np.ndarray | None:
    try:
        return imageio.read_image(path, max_pixels)
    except (imageio.ImageReadError, OSError):
        return None


def _small(frame: np.ndarray | None) -> np.ndarray | None:
    return None if frame is None else small_lightness(frame, work_size(*frame.shape[:2]))


# ----------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class RangePlan:
    """What one run does: ``frames`` coloured and written, ``overlap`` (just before them)
    computed and not written; 0-based indices into a shot of ``count`` frames."""

    frames: range
    overlap: range
    count: int
    shard: tuple[int, int] | None = None

    def describe(self, name: str, number=None) -> str:
        """One line for the user: which frames, and what is computed before them; ``number``
        (0-based index -> the user's number, ``Shot.number``) names an image sequence's frames."""
        what = f"shard {self.shard[0]}/{self.shard[1]} of {name}" if self.shard else name
        if not self.frames:
            return f"{what}: no frames to colour (the shot has {self.count})"
        of = f"of {self.count}" if number is None else f"({len(self.frames)} of {self.count})"
        line = f"{what}: {_frames_text(self.frames, number)} {of}"
        if self.overlap:
            line += f" (after {_frames_text(self.overlap, number)}, computed for the smoothing and not written)"
        return line


def _frames_text(r: range, number=None) -> str:
    """0-based indices -> ``frames 11-20`` / ``frame 12``, numbered from 1 (or by ``number``)."""
    number = number or (lambda i: i + 1)
    first, last = number(r.start), number(r.stop - 1)
    return f"frame {first}" if len(r) == 1 else f"frames {first}-{last}"


def plan_range(shot: Shot, *, frames: ranges.FrameSpan | None = None, shard: tuple[int, int] | None = None,
               smooth: float = 0.0) -> RangePlan:
    """The frames this run colours (``frames``, ``shard``, shard of ``frames`` when both, else
    all) and the overlap before them; reads the small lightness of the few frames that decide both.  Raises
    :class:`ranges.RangeError` for a range outside the shot."""
    count = shot.count
    if count <= 0:
        raise ranges.RangeError(f"{shot.name}: the shot has no frames")
    k = ranges.overlap_frames(smooth)
    whole = shot.span(frames) if frames is not None else range(count)
    if shard is not None:   # shard i of n of the range (the Dask executor's tasks), else of the shot
        i, n = shard
        a, m = whole.start, len(whole)
        light = shot.lightness([a + f for f in ranges.shard_scan(m, n, i, k)])
        local = ranges.shard_range(m, n, i, {c - a for c in ranges.find_cuts(light)})
        span = range(a + local.start, a + local.stop)
    else:
        span, light = whole, {}
    if span:   # the overlap before the range may reach back before the range itself
        need = [f for f in ranges.overlap_scan(span.start, k) if f not in light]
        light = {**light, **shot.lightness(need)}
    start = ranges.overlap_start(span.start, k, ranges.sure_cuts(light)) if span else span.start
    return RangePlan(span, range(start, span.start), count, shard)


# ------------------------------------------------------------------------- the colouring

def colorize_range(shot: Shot, outdir: str | os.PathLike, predictor, plan: RangePlan, *,
                   size: int | None = None, saturation: float = 1.0, smooth: float = 0.0,
                   hints: Sequence[Hint] = (), frame_hints: Sequence[Sequence[Hint]] | None = None,
                   fmt: str = "png", extras: Sequence[str] = (), overwrite: bool = False,
                   quality: int = 95, cancel: Cancel = None, workers: int = 2, denoise: str = "off",
                   repairer=None, max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Iterator[BatchEvent]:
    """Colour ``plan.frames`` of ``shot`` into its usual outputs in ``outdir``; yields one
    event per frame of the range (``index`` from 0 at the range's first frame).

    ``frame_hints``: every frame of the whole shot's hints (a shot file's plan), indexed
    by frame.  With smoothing, the overlap is computed first -- unless the range's first
    frame is already written, where resuming primes the smoother from it as today.  The
    manifest (:data:`MANIFEST_PATTERN`) is written beside the frames when the run ends.
    """
    outdir = Path(outdir)
    if shot.sequence is not None:
        if extras or repairer is not None:
            raise sequences.SequenceSettingError("views (--also) and the repair (--repair) are not made for "
                                                 "image sequences")
        stage = sequences.SequenceStage(predictor, shot.colour, size, saturation, hints, smooth, denoise,
                                        max_pixels)
    else:
        stage = ColorizeStage(predictor, size, saturation, hints, smooth, extras if shot.video is None else (),
                              denoise, repairer, frames=True)   # validates the arguments before any work
    if shot.sequence is not None:
        items = outputs.plan_sequence(shot.sequence, outdir, shot.colour.fmt)
        folder = outdir
        jobs = _sequence_jobs(shot, items, stage, plan, overwrite, frame_hints, max_pixels)
    elif shot.video is not None:
        item = outputs.plan([shot.video], outdir, fmt)[0]
        folder = item.frames
        jobs = _video_jobs(shot, folder, stage, plan, overwrite, frame_hints)
    else:
        items = outputs.plan(shot.files, outdir, fmt, extras)
        folder = outdir
        jobs = _file_jobs(shot, items, stage, plan, overwrite, frame_hints, max_pixels)
    protect = (shot.video,) if shot.video is not None else \
        shot.sequence.paths if shot.sequence is not None else shot.files
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale(folder, keep=protect)   # what a killed run was writing
    events = run_batch(jobs, len(plan.frames), stage, protect=protect, quality=quality, cancel=cancel,
                       workers=workers)
    name = MANIFEST_PATTERN.format(shot.number(plan.frames.start), shot.number(plan.frames.stop - 1)) \
        if plan.frames else MANIFEST_PATTERN.format(0, 0)
    return _recorded(events, folder / name, plan, shot, smooth)


def _hints(frame_hints: Sequence[Sequence[Hint]] | None, i: int) -> tuple | None:
    """Frame ``i``'s own hints (None: the stage's, for every frame)."""
    if frame_hints is None:
        return None
    return tuple(frame_hints[i]) if i < len(frame_hints) else ()


def _warm(plan: RangePlan, stage: ColorizeStage, first_done: bool, overwrite: bool) -> range:
    """The overlap to compute: none without smoothing, or when the range's first frame is
    written already (resuming primes the smoother from it)."""
    if stage.smoother is None or (first_done and not overwrite):
        return range(0)
    return plan.overlap


def _video_jobs(shot: Shot, folder: Path, stage: ColorizeStage, plan: RangePlan, overwrite: bool,
                frame_hints) -> Iterator[Job]:
    """The range's frames as jobs, the overlap's run through ``stage.warm_up`` on the way
    (the video is decoded from its start: every frame before is passed over)."""
    def dst(i: int) -> Path:
        return folder / video_frames.FRAME_PATTERN.format(i + 1)

    if not plan.frames:
        return
    warm = _warm(plan, stage, dst(plan.frames.start).exists(), overwrite)
    lo = warm.start if warm else plan.frames.start
    seen = 0   # frames decoded
    temporal = stage.repairer is not None   # each frame's raw neighbours, as one run repairs it
    with contextlib.closing(video_frames.prefetched(video_frames.iter_frames(shot.video))) as decoded:
        for i, (prev, frame, nxt) in enumerate(video_frames.triples(decoded)):
            if i >= plan.frames.stop:
                break
            seen = i + 1
            if i < lo:
                continue
            around = (lambda p=prev, n=nxt: (p, n)) if temporal else None
            if i < plan.frames.start:
                stage.warm_up(frame, _hints(frame_hints, i), around)
                continue
            skip = dst(i).exists() and not overwrite
            yield Job(i - plan.frames.start, shot.video, dst(i), None if skip else (lambda f=frame: f),
                      hints=_hints(frame_hints, i), neighbours=None if skip else around)
    if seen < plan.frames.stop:   # a damaged tail: the frames left are reported once
        first = max(seen, plan.frames.start)
        yield Job(first - plan.frames.start, shot.video, dst(first), None,
                  f"the video ends after frame {seen} (damaged or truncated): frames {first + 1}-"
                  f"{plan.frames.stop} could not be decoded")


def _sequence_jobs(shot: Shot, items: Sequence[outputs.ItemOutputs], stage: sequences.SequenceStage,
                   plan: RangePlan, overwrite: bool, frame_hints, max_pixels: int | None) -> Iterator[Job]:
    """An image sequence's range as jobs, after the overlap's frames are read and run through
    ``stage.warm_up`` (as :func:`_file_jobs`); each job reads and prepares its frame."""
    if not plan.frames:
        return
    paths = shot.sequence.paths
    for i in _warm(plan, stage, items[plan.frames.start].done(), overwrite):
        stage.warm_up(stage.display(paths[i]), _hints(frame_hints, i))
    part = slice(plan.frames.start, plan.frames.stop)
    for job in file_jobs(paths[part], items[part], overwrite, max_pixels):
        if job.load is not None:
            job.load = functools.partial(stage.load, job)
        job.hints = _hints(frame_hints, plan.frames.start + job.index)
        yield job


def _file_jobs(shot: Shot, items: Sequence[outputs.ItemOutputs], stage: ColorizeStage, plan: RangePlan,
               overwrite: bool, frame_hints, max_pixels: int | None) -> Iterator[Job]:
    """The range's files as jobs, after the overlap's frames are read and run through
    ``stage.warm_up`` (an unreadable one breaks the sequence there, as in one run)."""
    if not plan.frames:
        return
    # Frames of one sequence as ``batch.colorize_files`` takes them (smoothed, or a shot file's
    # plan): each repaired with its raw neighbours, read outside the range where need be.
    sequence = stage.smoother is not None or frame_hints is not None
    window = FrameWindow(shot.files, max_pixels) if stage.repairer is not None and sequence else None
    for i in _warm(plan, stage, items[plan.frames.start].done(), overwrite):
        stage.warm_up(_read(shot.files[i], max_pixels), _hints(frame_hints, i),
                      functools.partial(window.around, i) if window is not None else None)
    part = slice(plan.frames.start, plan.frames.stop)
    jobs = file_jobs(shot.files[part], items[part], overwrite, max_pixels)
    if window is not None:
        jobs = with_neighbours(jobs, window, plan.frames.start)
    for job in jobs:
        job.hints = _hints(frame_hints, plan.frames.start + job.index)
        yield job


# -------------------------------------------------------------------------- the manifest

def _recorded(events: Iterator[BatchEvent], path: Path, plan: RangePlan, shot: Shot,
              smooth: float) -> Iterator[BatchEvent]:
    """``events`` passed on; what became of each frame is written to the manifest at
    the end, however the run ends (done, cancelled, stopped)."""
    status: dict[int, str] = {}
    try:
        for ev in events:
            status[shot.number(plan.frames.start + ev.index)] = ev.status
            yield ev
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
        if plan.frames:
            with contextlib.suppress(OSError):   # the frames are what matters; a full disk says so itself
                atomic.write_text(path, _json_lines(manifest(plan, shot, smooth, status)))


def manifest(plan: RangePlan, shot: Shot, smooth: float, status: dict[int, str]) -> dict:
    """What a range wrote, by frame number (from 1; an image sequence's own numbers), as runs
    ``[first, last]``: written now, kept (there already), failed, and missing (not reached:
    cancelled or stopped)."""
    numbers = [shot.number(i) for i in plan.frames]

    def runs(kind: str) -> list[list[int]]:
        return [list(r) for r in ranges.runs(n for n in numbers if status.get(n) == kind)]

    missing = [list(r) for r in ranges.runs(n for n in numbers if n not in status)]
    if shot.sequence is not None:
        pattern = shot.sequence.pattern
        source = str(pattern.folder.resolve() / pattern.name)
    elif shot.video is not None:
        source = str(shot.video.resolve())
    else:
        source = [str(shot.files[plan.frames.start].resolve()), str(shot.files[plan.frames.stop - 1].resolve())]
    return {"version": _VERSION, "source": source,
            "frames": [numbers[0], numbers[-1]], "count": plan.count,
            "shard": list(plan.shard) if plan.shard else None,
            "overlap": [shot.number(plan.overlap.start), shot.number(plan.overlap.stop - 1)] if plan.overlap else None,
            "smooth": smooth, "written": runs("done"), "kept": runs("skipped"), "failed": runs("failed"),
            "missing": missing, "complete": not missing and not runs("failed")}


def _json_lines(data: dict) -> str:
    """JSON with one key a line, its runs on that line: short to read in a terminal."""
    return "{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in data.items()) + "\n}\n"
