"""The Batch tab's worker jobs: the batch engine's events, with finished frames decoded at
preview size in the worker (never on the GUI thread) -- photos, folders and videos, routed as
the CLI routes them (:func:`batch_job`); an image sequence's range and one shot sent to a Dask
scheduler are :mod:`.shot_jobs`'.

Each job yields ``('device', str)``, ``('log', str)`` (a line for the log), ``('problem', str)``,
``('refused', str)`` (the run was refused before any work: nothing was written) and
``('event', BatchEvent, QImage | None)``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QImageReader

from colorstudio.core.messages import one_line
from colorstudio.gui.predictors import PredictorCache

PREVIEW_HEIGHT = 480   # finished frames are decoded at this size for the preview
NOTHING = "no image files or videos to colorize in the chosen inputs"


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
    """Generator run by a Worker: photos, folders and videos, routed as the CLI routes them
    (``core.batch.route``): the photos as one batch, then each video in turn, every output named
    by one plan.  ``fmt``: a video container (mp4, avi: all the inputs are videos) or the photos'
    format (videos then keep their source's container, as the CLI's).  ``frame_hints``: each
    frame's own hints (a shot from the Shot tab: the inputs must be one shot).  ``detector``: the
    restore model (a cache key) that finds each photo's or frame's damage to mend it before
    colouring; None colours them as they are.  ``denoise``: what the network sees of a grainy
    scan (``pipeline.DENOISE``); ``extras``: the views written beside each photo
    (``core.colorize.views.EXTRA_VIEWS``), as the CLI's --also."""
    from colorstudio.core import batch

    try:
        route = batch.route(inputs, one_shot=frame_hints is not None)
    except batch.RoutingError as exc:
        yield ("refused", one_line(exc))
        return
    for p in route.problems:
        yield ("problem", p)
    if not route.files:
        yield ("refused", NOTHING)
        return
    pred = cache.get(model, device)
    yield ("device", pred.device_name)
    repairer = cache.get(detector, device) if detector else None
    photos, videos = route.photos, route.videos
    video_fmt = fmt if fmt in batch.VIDEO_OUTPUT_FORMATS else None
    photo_fmt = "png" if video_fmt else fmt
    views = tuple(v for v in extras if repairer is not None or v != "repair-mask") if photos else ()
    items = dict(zip(route.files, batch.plan_items(route.files, outdir, photo_fmt, views, video_fmt=video_fmt)))
    opts = dict(size=size or None, saturation=saturation, smooth=smooth, hints=hints,
                overwrite=overwrite, cancel=cancel, denoise=denoise, repairer=repairer)
    if photos:
        yield from _events(batch.colorize_files(photos, outdir, pred, fmt=photo_fmt, extras=views,
                                                plan=[items[p] for p in photos], frame_hints=frame_hints, **opts))
    if videos and extras:
        yield ("problem", "The extra views are written for photos: a video gets its frames and video")
    for n, src in enumerate(videos, 1):
        if cancel.is_set():
            return
        if len(route.files) > 1:
            yield ("log", f"video {n} of {len(videos)}: {src.name}")
        try:
            gen = batch.colorize_video(src, items[src].result, pred, frame_hints=frame_hints, **opts)
        except (OSError, ValueError) as exc:   # this video cannot start: the others still run
            yield ("event", batch.BatchEvent(0, 1, src, items[src].result, "failed", one_line(exc, src),
                                             done_count=1, kind="video"), None)
            continue
        yield from _events(gen)


def _events(gen) -> Iterator[tuple]:
    """A batch's events, each finished photo or frame with its preview decoded here, in the
    worker (never on the GUI thread)."""
    from colorstudio.core.batch import is_video_file

    try:
        for ev in gen:
            thumb = None
            if ev.status == "done" and ev.dst is not None and not is_video_file(ev.dst):
                thumb = thumbnail(ev.dst)
            yield ("event", ev, thumb)
    finally:
        gen.close()
