"""The Batch tab's jobs on one shot: an image sequence's range coloured here
(:func:`sequence_job`: what ``colorize PATTERN --frames A-B`` calls -- ``core.batch.shards``'
``plan_range`` then ``colorize_range``), and a shot -- a sequence, a video or frames in order --
sent to a Dask scheduler (:func:`dask_job`: what ``colorize --executor dask --scheduler ADDRESS``
calls -- ``core.batch.dask_exec``'s ``connect`` then ``colorize_shot``).

As in the CLI, every check that can refuse the run comes before the model loads, and the
scheduler's answer before the output folder is made: a refusal is ``('refused', line)`` and
nothing is written.  The items yielded are those :mod:`.jobs` lists, plus ``('where', text)``:
the cluster the shards run on.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from PySide6.QtGui import QImage

from colorstudio.core.errors import UserError
from colorstudio.core.messages import one_line
from colorstudio.gui.tabs.batch.jobs import PREVIEW_HEIGHT, thumbnail
from colorstudio.gui.tabs.batch.sequence_plan import SequenceAsk, find

THUMB_EVERY_S = 0.4   # a sequence's finished frames (read whole: EXR, DPX) are previewed at most this often


def sequence_thumbnail(path: Path, colour, height: int = PREVIEW_HEIGHT) -> QImage | None:
    """A written sequence frame at preview size, as display sRGB: read at full precision
    (``core.io.vfx``) and converted from its output space (``FrameColour.display``)."""
    from colorstudio.core.io import imageio, vfx

    try:
        frame = vfx.read_frame(path)
    except (imageio.ImageReadError, OSError):
        return None
    h, w = frame.shape
    hw = (height, max(1, w * height // h)) if h > height else (h, w)
    rgb = colour.frame_colour().display(frame.pixels, hw)
    u8 = np.ascontiguousarray(np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8))
    return QImage(u8.data, hw[1], hw[0], 3 * hw[1], QImage.Format.Format_RGB888).copy()


class Thumbs:
    """Previews of finished frames for the results strip: a sequence's (``colour``) at most
    every :data:`THUMB_EVERY_S` and its last frame (each is a whole EXR or DPX to read),
    other frames each (Qt reads them at preview size)."""

    def __init__(self, colour=None):
        self.colour = colour
        self.last = 0.0

    def __call__(self, ev) -> QImage | None:
        from colorstudio.core.io.formats import is_video_file

        if ev.status != "done" or ev.dst is None or ev.kind == "video" or is_video_file(ev.dst):
            return None
        if self.colour is None:
            return thumbnail(ev.dst)
        now = time.monotonic()
        if now - self.last < THUMB_EVERY_S and ev.done_count < ev.total:
            return None
        self.last = now
        return sequence_thumbnail(ev.dst, self.colour)


def sequence_shot(ask: SequenceAsk):
    """The sequence as ``colorize PATTERN`` takes it: its frames found afresh, its colour spaces
    and format settled (``core.batch.sequences.plan_colour``: the defaults from the first frame)."""
    from colorstudio.core import batch
    from colorstudio.core.batch import sequences

    seq = find(ask.pattern)
    return batch.Shot(sequence=seq, colour=sequences.plan_colour(seq, ask.space_in, ask.space_out, ask.fmt))


def intro(shot) -> list[str]:
    """The lines the CLI prints before a sequence's run: its gaps, then what it is and becomes."""
    from colorstudio.core.batch import sequences

    gaps = sequences.gap_warning(shot.sequence)
    return ([f"warning: {gaps}"] if gaps else []) + [sequences.describe(shot.sequence, shot.colour)]


def sequence_job(cache, model: str, device: str, ask: SequenceAsk, outdir: Path, *, size: int,
                 saturation: float, smooth: float, hints: list, overwrite: bool, cancel,
                 denoise: str = "off") -> Iterator[tuple]:
    """An image sequence's range (all of it when ``ask.frames`` is None) coloured here, with
    the smoothing's overlap before the range computed and not written, frames already there
    skipped (a rerun resumes) and the range's manifest beside the frames."""
    from colorstudio.core import batch

    try:
        shot = sequence_shot(ask)
        plan = batch.plan_range(shot, frames=ask.frames, smooth=smooth)
    except (UserError, OSError) as exc:
        yield ("refused", one_line(exc))
        return
    for line in intro(shot):
        yield ("log", line)
    if ask.frames is not None:
        yield ("log", plan.describe(shot.name, shot.number))
    pred = cache.get(model, device)
    yield ("device", pred.device_name)
    events = batch.colorize_range(shot, outdir, pred, plan, size=size or None, saturation=saturation,
                                  smooth=smooth, hints=hints, overwrite=overwrite, cancel=cancel, denoise=denoise)
    thumbs = Thumbs(shot.colour)
    try:
        for ev in events:
            yield ("event", ev, thumbs(ev))
    finally:
        events.close()


def remote_loader(model: str, device: str):
    """How each Dask worker builds the picked model: as this window's cache does
    (``models.loading.load_predictor`` of the reference), once per worker process; a
    checkpoint by its absolute path, which every worker must reach."""
    from colorstudio.core.batch.dask_exec import Loader
    from colorstudio.models import loading
    from colorstudio.models.refs import parse_ref

    ref = parse_ref(model)
    weights = ref.weights.expanduser().resolve() if ref.weights is not None else None
    return Loader(("colorize", ref.family, str(weights) if weights else None, device),
                  functools.partial(loading.load_predictor, ref.family, device, weights=weights or True))


def _dask_shot(source: SequenceAsk | Sequence[Path], smooth: float) -> tuple[object, list[str], object]:
    """The one shot a scheduler colours, the lines to say first, and its range (None: all): a
    sequence (its range cut into shards, each shard's smoothing overlap before it as one run's),
    or the inputs routed as one shot (``core.batch.route``): one video, or photos in order."""
    from colorstudio.core import batch

    if isinstance(source, SequenceAsk):
        shot = sequence_shot(source)
        lines = intro(shot)
        if source.frames is not None:
            span, seq = shot.span(source.frames), shot.sequence
            if len(span) < len(seq):
                first, last = seq.numbers[span.start], seq.numbers[span.stop - 1]
                lines.append(f"{seq.pattern.name}: frames {first}-{last} ({len(span)} of {len(seq)}), "
                             "cut into shards")
                return shot, lines, source.frames
        return shot, lines, None
    route = batch.route(source, one_shot=True)
    if not route.files:
        raise ValueError("no image files or videos to colorize in the chosen inputs")
    return route.shot(), list(route.problems), None


def dask_job(loader, scheduler: str, source: SequenceAsk | Sequence[Path], outdir: Path, *, size: int,
             saturation: float, smooth: float, hints: list, fmt: str, extras: tuple[str, ...], overwrite: bool,
             cancel, denoise: str = "off") -> Iterator[tuple]:
    """One shot on the Dask scheduler at ``scheduler``: cut into shards, each a task on its
    workers (retried when a worker dies), the progress from the tasks, then -- a video -- the
    video assembled.  ``loader``: how a worker builds the model (:func:`remote_loader`).
    The output folder (and the inputs) must be reachable by every worker under the same path."""
    from colorstudio.core.batch import dask_exec

    try:
        dask_exec.require()
        shot, lines, frames = _dask_shot(source, smooth)
        count = shot.count
    except (UserError, OSError, ValueError) as exc:
        yield ("refused", one_line(exc))
        return
    if count <= 0:
        yield ("refused", f"{shot.name}: the shot has no frames")
        return
    for line in lines:
        yield ("log", line)
    yield ("where", f"connecting to {scheduler}")
    try:
        cluster = dask_exec.connect(scheduler)
    except dask_exec.DaskError as exc:
        yield ("refused", one_line(exc))
        return
    with cluster:
        yield ("where", f"running on {cluster.describe()}")
        outdir.mkdir(parents=True, exist_ok=True)
        said: list[str] = []
        colour = getattr(shot, "colour", None)
        events = dask_exec.colorize_shot(shot, outdir, loader, size=size or None, saturation=saturation,
                                         smooth=smooth, hints=hints, fmt=colour.fmt if colour else fmt,
                                         extras=extras if shot.video is None and colour is None else (),
                                         overwrite=overwrite, denoise=denoise, cluster=cluster, say=said.append,
                                         cancel=cancel, frames=frames)
        thumbs = Thumbs(colour)
        try:
            for ev in events:
                while said:
                    yield ("log", said.pop(0))
                yield ("event", ev, thumbs(ev))
        finally:
            events.close()
        for line in said:   # a run cancelled before its first frame still says what it was
            yield ("log", line)
