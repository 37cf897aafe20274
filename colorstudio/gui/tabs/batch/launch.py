"""What the Batch tab's Start runs: the form checked as the CLI checks its command line --
before any work, each mistake one message for the tab's message bar -- and the job it
becomes.  The inputs are routed by the CLI's one rule (``core.batch.route``): photos, folders
and videos -- several, one after another -- here (:func:`.jobs.batch_job`), an image sequence's
range here (:func:`.shot_jobs.sequence_job`), or one shot on a Dask scheduler
(:func:`.shot_jobs.dask_job`).  The form's values in (:class:`Form`), a :class:`Launch` or a
message out; no widget is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from colorstudio.core import batch
from colorstudio.core.errors import UserError
from colorstudio.core.messages import one_line, shown
from colorstudio.gui.tabs.batch import sequence_plan
from colorstudio.gui.tabs.batch.jobs import batch_job
from colorstudio.gui.tabs.batch.sequence_plan import sentence
from colorstudio.gui.tabs.batch.shot_jobs import dask_job, sequence_job


@dataclass
class Form:
    """The Batch tab's form as values: inputs, output, model and options, the sequence's range
    and colour spaces, and the "Run on" field."""

    paths: list[Path]
    outdir: str
    fmt: str
    model: str | None
    device: str = "auto"
    size: int = 0
    saturation: Any = 1.0              # a factor, or a core.color.Look (saturation and colour balance)
    smooth: float = 0.0
    hints: list = field(default_factory=list)
    frame_hints: list | None = None    # each frame's own hints (a shot from the Shot tab)
    overwrite: bool = False
    detector: str | None = None        # the restore model, when Repair damage is on
    denoise: str = "off"
    extras: tuple[str, ...] = ()
    frames: str = ""                   # an image sequence's range, by its numbers ('' = all)
    space_in: str | None = None
    space_out: str | None = None
    scheduler: str = ""


@dataclass
class Launch:
    """The job a Worker runs (``fn(*args, **kwargs)``), whether it runs on a scheduler (Pause
    holds nothing there: the tasks run on), and the lines to log as it starts."""

    fn: Callable
    args: tuple
    kwargs: dict
    remote: bool = False
    notes: list[str] = field(default_factory=list)


def output_problem(paths: list[Path], outdir: str, create: bool = True) -> str | None:
    """Why ``outdir`` cannot take the results of ``paths`` (the CLI's check), else None: one
    message before anything runs, not a failure per frame.  ``create``: make the folder now
    (a run on a scheduler makes it only once the scheduler answers)."""
    try:
        batch.check_output_folder(Path(outdir), paths, create=create)
    except batch.OutputFolderError as exc:
        return sentence(str(exc))
    return None


def _route(form: Form) -> batch.Route | str:
    """The inputs routed as the CLI routes them (``core.batch.route``; each frame's own hints make
    them one shot), or the one message that says why they cannot run."""
    try:
        return batch.route(form.paths, one_shot=form.frame_hints is not None)
    except batch.SequenceNotAloneError:
        return "An image sequence is one shot: colour its pattern alone (remove the other inputs)."
    except batch.OneShotError as exc:
        return sentence(f"The Shot tab's hints are for {exc}")
    except UserError as exc:
        return sentence(one_line(exc))


def _sequence(form: Form, route: batch.Route) -> tuple[str | None, sequence_plan.SequenceAsk | None]:
    """(a problem, None) or (None, the sequence's ask); (None, None) when the input is no pattern."""
    if route.sequence is None:
        return None, None
    if form.detector is not None:
        return ("Repair damage mends photos, videos and frame folders, not image sequences: untick it to colour "
                "the sequence."), None
    try:
        ask, _seq = sequence_plan.check_sequence(route.sequence, form.frames, form.space_in, form.space_out,
                                                 form.fmt)
    except UserError as exc:
        return sentence(one_line(exc)), None
    return None, ask


def _remote_problem(form: Form, route: batch.Route, ask) -> str | None:
    """What a run on a scheduler cannot take (the CLI's ``--executor dask`` refuses the same)."""
    if form.detector is not None:
        return "Repair damage runs on this computer only: untick it, or empty \"Run on\"."
    if form.frame_hints is not None:
        return "A shot with the Shot tab's hints runs on this computer only: empty \"Run on\"."
    try:
        route.one_shot()
    except batch.OneShotError as exc:
        return sentence(f"On a scheduler a run is {exc}; empty \"Run on\" to colour them here")
    videos = route.videos
    if ask is None and videos and form.fmt != ("avi" if videos[0].suffix.lower() == ".avi" else "mp4"):
        return (f"On a scheduler the video keeps its source's container: choose "
                f"{'avi' if videos[0].suffix.lower() == '.avi' else 'mp4'}, or empty \"Run on\".")
    return None


def plan(form: Form, cache, cancel, remote_loader: Callable[[str, str], Any]) -> Launch | str:
    """The job Start runs, or the one message that says why nothing runs."""
    paths = form.paths
    if not paths:
        return "Add frames, folders, videos or an image sequence first."
    if not form.outdir.strip():
        return "Choose an output folder."
    if form.model is None:
        return "The models are still loading; try again in a moment."
    route = _route(form)
    if isinstance(route, str):
        return route
    if route.empty:   # the CLI's "no input images found", with the first input that gave nothing
        return sentence(f"No image files or videos to colorize: {shown(route.problems[0])}" if route.problems
                        else "No image files or videos to colorize in the chosen inputs")
    problem, ask = _sequence(form, route)
    if problem:
        return problem
    try:
        scheduler = sequence_plan.check_scheduler(form.scheduler)
    except UserError as exc:
        return sentence(one_line(exc))
    if scheduler is not None and (problem := _remote_problem(form, route, ask)):
        return problem
    problem = output_problem(paths, form.outdir, create=scheduler is None)
    if problem:
        return problem
    outdir = Path(form.outdir)
    videos = route.videos
    notes = []
    if form.extras and (ask is not None or (scheduler and videos)):   # batch_job says it for a video here
        notes.append("note: the extra views are written for photos; a video or a sequence gets its frames")
    look = dict(size=form.size, saturation=form.saturation, smooth=form.smooth, hints=form.hints,
                overwrite=form.overwrite, cancel=cancel, denoise=form.denoise)
    if scheduler is not None:
        try:
            loader = remote_loader(form.model, form.device)
        except (UserError, LookupError, OSError) as exc:
            return sentence(one_line(exc))
        fmt = "png" if videos else form.fmt   # a video's frames; the container is its source's
        return Launch(dask_job, (loader, scheduler, ask or list(paths), outdir),
                      dict(look, fmt=fmt, extras=form.extras), remote=True, notes=notes)
    if ask is not None:
        return Launch(sequence_job, (cache, form.model, form.device, ask, outdir), look, notes=notes)
    return Launch(batch_job, (cache, form.model, form.device, paths, outdir, form.fmt, form.size, form.saturation,
                              form.smooth, form.hints, form.overwrite, cancel, form.frame_hints, form.detector,
                              form.denoise, form.extras), {})
