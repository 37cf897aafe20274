"""Batches of files -> files: the one batch engine behind the CLI and the GUI.

A batch is a generator of :class:`BatchEvent` (one per item: done, skipped or
failed), so a caller draws progress however it likes and cancels between items
(``cancel`` callable / ``threading.Event``, or just ``close()`` the generator).

Rules shared by every batch: outputs keep the input's stem with the chosen
extension; an output that exists is skipped unless ``overwrite`` (so a rerun after a
crash resumes); a failing item yields a ``failed`` event with a one-line reason and
the rest still run; an output never replaces an input.

Throughput: a small thread pool decodes the next items and prepares their network
inputs, and composes/encodes/writes the previous ones (OpenCV, numpy and the PNG
deflater release the GIL), so I/O and colour work hide behind inference.  The network
runs on the generator's thread, or, when the stage allows it (no state carried from
item to item), on ``Predictor.streams()`` threads with one item each: on the CPU that
is one single-threaded session per core, faster for many small images than one image
at a time on all cores.

The parts: :mod:`~colorstudio.core.batch.routing` (what the inputs are: photos, videos or an
image sequence, by one rule), :mod:`~colorstudio.core.batch.inputs` (input discovery),
:mod:`~colorstudio.core.batch.outputs` (output naming), :mod:`~colorstudio.core.batch.engine`
(events, jobs, stages, ``run_batch``), :mod:`~colorstudio.core.batch.stages` (colorize,
translate), :mod:`~colorstudio.core.batch.frames` (videos) and
:mod:`~colorstudio.core.batch.shards` (one shot, or a range of it); this module is their one
public face, and its names are the ones the front ends use (the Dask executor,
``core.batch.dask_exec``, an extra, stays a module of its own).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from colorstudio.core.io import imageio
from colorstudio.core.colorize import pipeline
from colorstudio.core.io.atomic import clean_stale
from colorstudio.core.batch.engine import (DEFAULT_WORKERS, MAX_PENDING_WRITES, PREFETCH, BatchEvent,
                                           Cancel, Job, Stage, is_cancelled, run_batch)
from colorstudio.core.batch.frames import VideoError, colorize_video
from colorstudio.core.batch.inputs import (FrameWindow, OutputFolderError, check_format, check_output_folder,
                                           collect_inputs, file_jobs, with_neighbours)
from colorstudio.core.batch.outputs import ItemOutputs, plan as plan_items
from colorstudio.core.batch.ranges import RangeError
from colorstudio.core.batch.routing import (ONE_SHOT, OneShotError, Route, RoutingError, SequenceNotAloneError,
                                            find_sequence, named_sequence, route)
from colorstudio.core.batch.sequences import KeyframeError, keyframes_by_number
from colorstudio.core.batch.shards import Shot, carried_hints, colorize_range, plan_range
from colorstudio.core.batch.stages import ColorizeStage, TranslateStage
from colorstudio.core.io.formats import VIDEO_OUTPUT_FORMATS, is_video_file
from colorstudio.core.io.sequence import SequenceError
from colorstudio.core.messages import one_line

__all__ = ["DEFAULT_WORKERS", "MAX_PENDING_WRITES", "ONE_SHOT", "PREFETCH", "VIDEO_OUTPUT_FORMATS", "BatchEvent",
           "Cancel", "ColorizeStage", "ItemOutputs", "Job", "KeyframeError", "OneShotError", "OutputFolderError",
           "RangeError", "Route", "RoutingError", "SequenceError", "SequenceNotAloneError", "Shot", "Stage",
           "TranslateStage", "VideoError", "carried_hints", "check_format", "check_output_folder", "collect_inputs",
           "colorize_files", "colorize_range", "colorize_video", "file_jobs", "find_sequence", "is_cancelled",
           "is_video_file", "keyframes_by_number", "named_sequence", "one_line", "plan_items", "plan_range", "route",
           "run_batch", "translate_files"]


def with_hints(jobs: Iterable[Job], frame_hints: Sequence[Sequence[pipeline.Hint]] | None) -> Iterator[Job]:
    """Give the i-th job the i-th frame's hints (a shot's plan; frames past it get none)."""
    for job in jobs:
        if frame_hints is not None:
            job.hints = tuple(frame_hints[job.index]) if job.index < len(frame_hints) else ()
        yield job


def _files(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, fmt: str, stage: Stage,
           overwrite: bool, quality: int, cancel: Cancel, workers: int,
           max_pixels: int | None, frame_hints=None, plan=None, sequence: bool = False) -> Iterator[BatchEvent]:
    inputs = [Path(p) for p in inputs]
    fmt = check_format(fmt)
    outputs = plan if plan is not None else \
        plan_items(inputs, outdir, fmt, getattr(stage, "extra_views", ()))
    clean_stale(outdir, keep=inputs)  # temp files of a run that was killed mid-write
    jobs = with_hints(file_jobs(inputs, outputs, overwrite, max_pixels), frame_hints)
    if sequence and getattr(stage, "repairer", None) is not None and getattr(stage, "repair_mask", None) is None:
        # frames: one-frame dust from neighbours (a given damage mask replaces the detection)
        jobs = with_neighbours(jobs, FrameWindow(inputs, max_pixels))
    return run_batch(jobs, len(inputs), stage, protect=inputs, quality=quality, cancel=cancel,
                     workers=workers)


def colorize_files(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, predictor, *,
                   size: int | None = None, saturation: float = 1.0, fmt: str = "png",
                   overwrite: bool = False, hints: Sequence[pipeline.Hint] = (),
                   cancel: Cancel = None, smooth: float = 0.0, quality: int = 95,
                   workers: int = DEFAULT_WORKERS,
                   max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS,
                   frame_hints: Sequence[Sequence[pipeline.Hint]] | None = None,
                   extras: Sequence[str] = (), denoise: str = "off",
                   plan: Sequence[ItemOutputs] | None = None, repairer=None,
                   gray: np.ndarray | None = None, protect: np.ndarray | None = None,
                   repair_mask: np.ndarray | None = None) -> Iterator[BatchEvent]:
    """Colorize image files into ``outdir``; yields a :class:`BatchEvent` per file.

    ``smooth`` (0..1) treats the inputs as frames of one sequence (e.g. a folder of
    video frames) and reduces colour flicker between them; ``hints`` apply to every
    file, unless ``frame_hints`` gives each file its own (a shot's keyframe hints
    carried to every frame by ``core.batch.shot``).  ``extras``: views written beside each
    result (``core.colorize.views.EXTRA_VIEWS``: before-after, wiper, colour-layer).
    ``plan``: every input's outputs (``core.batch.outputs.plan``, when the caller plans a
    run of images and videos at once); by default planned here.  ``repairer`` (a
    ``damage-unet`` runner): each input's scratches, cracks and dust are mended first, and the
    result's lightness is the mended one (``extras`` may then name ``repair-mask``).  When the
    inputs are frames of one sequence (``smooth`` > 0 or ``frame_hints``), the specks that
    only one frame shows are first filled from its neighbouring frames along the optical flow
    (``core.restore.temporal``), the rest spatially; photos are repaired one by one.  ``gray``
    and ``protect`` (H, W) bool: the colour masks saved with the hints, for photos of their
    size (:class:`~colorstudio.core.batch.stages.ColorizeStage`).  ``repair_mask`` (H, W): the
    damage mask saved with the hints, mended on every input as the app's pipeline does
    (``pipeline.colorize(repair_mask=)``): nothing is detected, ``repairer`` (may be None) only
    lends its fill, and ``extras`` may name ``repair-mask`` (the mask itself).
    """
    sequence = bool(smooth) or frame_hints is not None   # the inputs are frames of one shot
    stage = ColorizeStage(predictor, size, saturation, hints, smooth, extras, denoise, repairer,
                          gray=gray, protect=protect, repair_mask=repair_mask, frames=sequence)
    return _files(inputs, outdir, fmt, stage, overwrite, quality, cancel, workers, max_pixels,
                  frame_hints, plan, sequence=sequence)


def translate_files(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, predictor, *,
                    size: int | None = None, fmt: str = "png", overwrite: bool = False,
                    cancel: Cancel = None, quality: int = 95, workers: int = DEFAULT_WORKERS,
                    max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Iterator[BatchEvent]:
    """Translate facade label maps into photos in ``outdir``; same rules as colorize."""
    return _files(inputs, outdir, fmt, TranslateStage(predictor, size), overwrite, quality,
                  cancel, workers, max_pixels)
