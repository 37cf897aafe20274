"""The Batch tab's worker jobs: the batch engine's events, with finished frames decoded at
preview size in the worker (never on the GUI thread) -- photos, folders and videos
(:func:`batch_job`), an image sequence's range (:func:`sequence_job`), and one shot sent to a
Dask scheduler (:func:`dask_job`, in :mod:`.remote`).

Each job yields ``('device', str)``, ``('log', str)`` (a line for the log), ``('problem', str)``,
``('refused', str)`` (the run was refused before any work: nothing was written) and
``('event', BatchEvent, QImage | None)``."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QImageReader

from colorstudio.gui.predictors import PredictorCache

PREVIEW_HEIGHT = 480   # finished frames are decoded at this size for the preview


def thumbnail(path: Path, height: int = PREVIEW_HEIGHT) -> QImage | None:
    """A finished frame at preview size (never larger than the frame itself)."""
    r = QImageReader(str(path))
    s = r.size()
    if s.isValid() and s.height() > height:
        r.setScaledSize(QSize(max(1, s.width() * height // s.height()), height))
    img = r.read()
    return None if img.isNull() else img


def batch_job(cache: PredictorCache, model: str, device: str, inputs: list[Path], outdir: Path,
              fmt: str, size: int, saturation: float, smooth: float, hints: list,
              overwrite: bool, cancel: threading.Event, frame_hints: list | None = None,
              detector: str | None = None, denoise: str = "off", extras: tuple[str, ...] = ()):
    """Generator run by a Worker: yields ('device', str), ('problem', str) and
    ('event', BatchEvent, QImage | None) tuples.  ``frame_hints``: each frame's own hints
    (a shot from the Shot tab).  ``detector``: the restore model (a cache key) that finds each
    photo's or frame's damage to mend it before colouring; None colours them as they are.
    ``denoise``: what the network sees of a grainy scan (``pipeline.DENOISE``); ``extras``: the
    views written beside each photo (``core.colorize.views.EXTRA_VIEWS``), as the CLI's --also."""
    from colorstudio.core import batch
    from colorstudio.core.batch import frames

    pred = cache.get(model, device)
    yield ("device", pred.device_name)
    video = len(inputs) == 1 and frames.is_video_file(inputs[0]) and inputs[0].is_file()
    repairer = cache.get(detector, device) if detector else None
    opts = dict(size=size or None, saturation=saturation, smooth=smooth, hints=hints,
                overwrite=overwrite, cancel=cancel, frame_hints=frame_hints, denoise=denoise)
    if video:
        src = inputs[0]
        item = batch.plan_items([src], outdir, "png", video_fmt=fmt)[0]   # the one namer of outputs
        if extras:
            yield ("problem", "The extra views are written for photos: the video gets its frames and video")
        gen = frames.colorize_video(src, item.result, pred, repairer=repairer, **opts)
    else:
        problems: list[str] = []
        files = batch.collect_inputs(inputs, problems)
        for p in problems:
            yield ("problem", p)
        if not files:
            raise ValueError("no image files to colorize in the chosen inputs")
        views = tuple(v for v in extras if repairer is not None or v != "repair-mask")
        gen = batch.colorize_files(files, outdir, pred, fmt=fmt, repairer=repairer, extras=views, **opts)
    try:
        for ev in gen:
            thumb = None
            if ev.status == "done" and ev.dst is not None and not frames.is_video_file(ev.dst):
                thumb = thumbnail(ev.dst)  # decoded here, in the worker, never on the GUI thread
            yield ("event", ev, thumb)
    finally:
        gen.close()
