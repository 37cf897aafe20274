"""A shot coloured by a Dask cluster: each shard one task, retried when its worker dies.

``colorstudio-cli colorize SHOT -o OUT --executor dask`` cuts one shot (a video, the
frames of a folder in order, or an image sequence ``shot.####.exr``) into shards and runs
each as a Dask task on a cluster's workers -- a local cluster of worker processes on this
machine, or the workers of a scheduler (``tcp://HOST:8786``).  A task runs exactly what ``--shard I/N`` runs
(:func:`shards.plan_range` then :func:`shards.colorize_range`) in the worker's process,
with the network loaded once per worker process and reused by its later tasks, and
writes its frames and manifest straight into the output folder -- which every worker must
reach under the same path (a shared folder).  A task whose worker dies is run again
elsewhere by Dask (it skips the frames already written), and one that raises is retried
(:data:`RETRIES`); when every shard is done the driver assembles the video with the
source's audio, as one run would.

Progress comes from the tasks: each sends the frames it finished (twice a second at most)
as a Dask event (``Worker.log_event``); the driver turns them into the usual
:class:`BatchEvent` stream, one per frame, and at the end fills in from each task's own
summary whatever an event did not bring.

Dask (``dask`` and ``distributed``: ``pip install 'colorstudio[dask]'``) is imported
here only inside functions, so the core never needs it.  The network is built by a
:class:`Loader` the caller hands over (the core knows no model family).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator, Sequence

from colorstudio.core.batch import frames as video_frames
from colorstudio.core.batch import outputs, ranges, shards
from colorstudio.core.batch.dask_progress import FLUSH_S, Tally, frames_there
from colorstudio.core.batch.engine import BatchEvent, Cancel, is_cancelled
from colorstudio.core.errors import UserError
from colorstudio.core.messages import one_line

INSTALL = "pip install 'colorstudio[dask]'"
RETRIES = 2              # a task that raises is run up to 1 + RETRIES times (a dead worker's: Dask's own count)
SHARDS_PER_WORKER = 2    # more shards than workers: a lost worker costs a small part of the shot
MAX_LOCAL_WORKERS = 8    # the default local cluster: one process per core, at most this many
POLL_S = 0.25            # the driver looks at its tasks this often


class DaskError(UserError):
    """Dask missing, a scheduler out of reach, or a shard that failed all its tries."""


@dataclass(frozen=True)
class Loader:
    """How a worker builds a network: ``load()`` (picklable: a module-level function or a
    ``functools.partial`` of one); built once per worker process for each ``key``."""

    key: Hashable
    load: Callable[[], Any]


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs to colour one shard (pickled to it)."""

    shot: shards.Shot
    outdir: Path
    shard: tuple[int, int]
    model: Loader
    repairer: Loader | None = None
    colour: dict = field(default_factory=dict)     # colorize_range's keywords (size, saturation, smooth ...)
    keyframes: dict = field(default_factory=dict)  # a shot file's keyframe hints, carried over the whole shot
    still: Sequence = ()                           # with keyframes: the hints on every frame
    run: str = ""                                  # the run's token: its progress topic, its cached plan
    frames: Any = None                             # a range of the shot (ranges.FrameSpan); None: all of it


def require() -> None:
    """Raise :class:`DaskError` (with the install line) when dask or distributed is missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise DaskError(f"--executor dask needs dask and distributed ({exc.name or 'dask'} is not "
                        f"installed): {INSTALL}") from None


def default_workers() -> int:
    """The local cluster's worker processes: one per core, at most :data:`MAX_LOCAL_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_LOCAL_WORKERS))


# ----------------------------------------------------------------------------- the worker

_CACHE: dict[Hashable, Any] = {}
_CACHE_LOCK = threading.Lock()
_PLANS: dict[str, Any] = {}


def _cached(loader: Loader) -> Any:
    """The network of ``loader.key``, built on this worker process's first task that needs it."""
    with _CACHE_LOCK:
        if loader.key not in _CACHE:
            _CACHE[loader.key] = loader.load()
        return _CACHE[loader.key]


def _frame_hints(task: ShardTask):
    """Every frame's hints of a shot file, carried over the whole shot as ``--shard`` carries
    them; once per run in a worker process."""
    with _CACHE_LOCK:
        if task.run not in _PLANS:
            _PLANS.clear()   # one run's plan at a time
            _PLANS[task.run] = shards.carried_hints(task.shot, task.keyframes, task.still)
        return _PLANS[task.run]


class _Reporter:
    """A task's finished frames, sent to the driver as Dask events (none outside a worker)."""

    def __init__(self, task: ShardTask):
        try:
            from distributed import get_worker

            self.worker = get_worker()
        except (ImportError, ValueError):
            self.worker = None
        self.topic, self.shard = topic(task.run), list(task.shard)
        self.frames: list[list] = []
        self.notes: list[str] = []
        self.sent = time.monotonic()

    def add(self, number: int, status: str, error: str | None, note: str | None) -> None:
        self.frames.append([number, status, error])
        if note and note not in self.notes:
            self.notes.append(note)
        if time.monotonic() - self.sent >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        if self.worker is not None and (self.frames or self.notes):
            with contextlib.suppress(Exception):   # noqa: BLE001 -- progress only; the summary has it all
                self.worker.log_event(self.topic, {"shard": self.shard, "frames": self.frames, "notes": self.notes})
        self.frames, self.notes, self.sent = [], [], time.monotonic()


def topic(run: str) -> str:
    return f"colorstudio-progress-{run}"


def run_shard(task: ShardTask) -> dict:
    """One shard in a worker: what ``colorize --shard I/N`` runs, into ``task.outdir``.
    Returns a small summary: the range, and each frame's fate as runs of frame numbers."""
    predictor = _cached(task.model)
    repairer = _cached(task.repairer) if task.repairer is not None else None
    plan = shards.plan_range(task.shot, frames=task.frames, shard=task.shard, smooth=task.colour.get("smooth", 0.0))
    frame_hints = _frame_hints(task) if task.keyframes else None
    report = _Reporter(task)
    status: dict[int, str] = {}
    errors: dict[int, str] = {}
    notes: list[str] = []
    events = shards.colorize_range(task.shot, task.outdir, predictor, plan, frame_hints=frame_hints,
                                   repairer=repairer, **task.colour)
    try:
        for ev in events:
            n = plan.frames.start + ev.index + 1
            status[n] = ev.status
            if ev.status == "failed":
                errors[n] = ev.error or "failed"
            if ev.note and ev.note not in notes:
                notes.append(ev.note)
            report.add(n, ev.status, ev.error, ev.note)
    finally:
        events.close()
        report.flush()
    numbers = range(plan.frames.start + 1, plan.frames.stop + 1)
    return {"shard": list(task.shard), "frames": [plan.frames.start + 1, plan.frames.stop],
            "done": ranges.runs(n for n in numbers if status.get(n) == "done"),
            "skipped": ranges.runs(n for n in numbers if status.get(n) == "skipped"),
            "failed": {n: errors[n] for n in sorted(errors)},
            "missing": ranges.runs(n for n in numbers if n not in status),
            "notes": notes}


# ----------------------------------------------------------------------------- the driver

class Cluster:
    """A client of a Dask cluster: a scheduler's, or a local cluster of worker processes
    that :meth:`close` shuts down.  Made by :func:`connect`; a context manager."""

    def __init__(self, client, local=None, address: str | None = None, quieted: tuple | None = None):
        self.client, self.local, self.address, self._quieted = client, local, address, quieted

    @property
    def threads(self) -> int:
        """The worker threads the scheduler knows now (0 while no worker has joined)."""
        info = self.client.scheduler_info()
        return sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())

    def describe(self) -> str:
        n = self.threads
        if self.local is not None:
            return f"a local cluster of {n} worker process{'es' if n != 1 else ''}"
        return f"{self.address} ({n} worker thread{'s' if n != 1 else ''})"

    def close(self) -> None:
        with contextlib.suppress(Exception):   # noqa: BLE001 -- closing: nothing left to report
            self.client.close()
        if self.local is not None:
            with contextlib.suppress(Exception):   # noqa: BLE001
                self.local.close()
        if self._quieted is not None:
            logger, level = self._quieted
            logger.setLevel(level)
            self._quieted = None

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(scheduler: str | None = None, workers: int | None = None) -> Cluster:
    """A client of the scheduler at ``scheduler`` (``tcp://HOST:8786``; Dask's
    ``distributed.comm.timeouts.connect`` says how long to try), else of a new local cluster
    of ``workers`` processes (default :func:`default_workers`), one thread each.  Raises
    :class:`DaskError` in one line when Dask is missing or the cluster cannot be reached."""
    require()
    import distributed

    logger = logging.getLogger("distributed")
    quieted = (logger, logger.level)
    logger.setLevel(logging.ERROR)   # a lost worker is Dask's to handle, not a traceback on the terminal
    try:
        if scheduler is None:
            try:
                local = distributed.LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                                                 processes=True, dashboard_address=None,
                                                 silence_logs=logging.ERROR)
            except (OSError, RuntimeError, TimeoutError, ValueError) as exc:
                raise DaskError(f"cannot start a local Dask cluster: {one_line(exc)}") from None
            try:
                return Cluster(distributed.Client(local), local, local.scheduler_address, quieted)
            except BaseException:
                local.close()
                raise
        try:
            return Cluster(distributed.Client(scheduler), None, scheduler, quieted)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise DaskError(f"cannot reach the Dask scheduler at {scheduler}: {one_line(exc)}") from None
    except BaseException:
        logger.setLevel(quieted[1])
        raise


def colorize_shot(shot: shards.Shot, outdir: str | os.PathLike, model: Loader, *, repairer: Loader | None = None,
                  size: int | None = None, saturation: Any = 1.0, smooth: float = 0.0, hints: Sequence = (),
                  keyframes: dict | None = None, still: Sequence = (), fmt: str = "png", extras: Sequence[str] = (),
                  overwrite: bool = False, quality: int = 95, denoise: str = "off", cluster: Cluster | None = None,
                  scheduler: str | None = None, workers: int | None = None, tasks: int | None = None,
                  retries: int = RETRIES, say: Callable[[str], None] = lambda text: None,
                  cancel: Cancel = None, frames: ranges.FrameSpan | None = None) -> Iterator[BatchEvent]:
    """Colour ``shot`` into ``outdir`` on a Dask cluster, one task per shard; yields one
    event per frame, then, for a video, one ``kind='video'`` for the assembled video (as
    :func:`frames.colorize_video` does).

    ``cluster``: a :func:`connect` ed one (left open); else one connected here with
    ``scheduler`` and ``workers`` and closed at the end.  ``tasks``: the shards (default
    :data:`SHARDS_PER_WORKER` per worker thread, at most one per frame).  ``say``: where the
    lines for the user go.  ``cancel`` (as :func:`engine.run_batch` takes it: the app's Cancel)
    is looked at every :data:`POLL_S`, events or not: once set, the shards not started are
    cancelled and the generator ends (the frames written are kept; running shards finish on a
    scheduler's workers).  Raises :class:`DaskError` when Dask is missing, the cluster out of
    reach, or a shard failed all its tries (after every other shard has finished: their
    frames are kept, and a rerun skips them).  ``frames``: only this range of the shot (as
    ``--frames`` names it), cut into shards; each shard's smoothing overlap may reach back
    before the range, as one run's would (a video's range is not assembled).
    """
    require()
    outdir = Path(outdir)
    count = shot.count
    if count <= 0:
        raise DaskError(f"{shot.name}: the shot has no frames")
    try:   # a range: its frames (by a sequence's numbers), each shard's smoothing overlap before it
        span = shot.span(frames) if frames is not None else range(count)
    except ranges.RangeError as exc:
        raise DaskError(str(exc)) from None
    numbers = range(span.start + 1, span.stop + 1)
    if shot.sequence is not None:
        items = outputs.plan_sequence(shot.sequence, outdir, shot.colour.fmt)
        frame_paths = shot.sequence.paths

        def where(n: int) -> tuple[Path, Path]:
            return frame_paths[n - 1], items[n - 1].result
    elif shot.video is not None:
        item = outputs.plan([shot.video], outdir, fmt)[0]
        if item.result.exists() and not overwrite:   # as one run: a video there is skipped whole
            yield BatchEvent(0, 1, shot.video, item.result, "skipped", done_count=1, eta_s=0.0, kind="video")
            return
        frames_dir = item.frames

        def where(n: int) -> tuple[Path, Path]:
            return shot.video, frames_dir / video_frames.FRAME_PATTERN.format(n)
    else:
        items = outputs.plan(shot.files, outdir, fmt, extras)

        def where(n: int) -> tuple[Path, Path]:
            return shot.files[n - 1], items[n - 1].result

    own = cluster is None
    cluster = connect(scheduler, workers) if own else cluster
    client = cluster.client
    run = uuid.uuid4().hex[:12]
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    futures: dict = {}
    try:
        threads = cluster.threads
        n = max(1, min(len(numbers), tasks or SHARDS_PER_WORKER * max(1, threads)))
        say(f"dask: {shot.name} in {n} shard{'s' if n != 1 else ''} on {cluster.describe()}")
        if threads == 0:
            say("dask: the scheduler has no workers yet; the shards wait for them")
        if is_cancelled(cancel):   # cancelled while the cluster was reached: no task is sent
            return
        tally = Tally(numbers, where, frames_there(numbers, where))   # before any task can write
        client.subscribe_topic(topic(run), lambda event: inbox.put(event[1]))
        colour = dict(size=size, saturation=saturation, smooth=smooth, hints=list(hints), fmt=fmt,
                      extras=tuple(extras), overwrite=overwrite, quality=quality, denoise=denoise)
        for i in range(1, n + 1):
            task = ShardTask(shot, outdir.resolve(), (i, n), model, repairer, colour, dict(keyframes or {}),
                             tuple(still), run, frames)
            futures[client.submit(run_shard, task, key=f"colorstudio-shard-{i}of{n}-{run}", retries=retries,
                                  pure=False)] = i
        failures: list[tuple[int, str]] = []
        pending = set(futures)
        while pending:
            if is_cancelled(cancel):
                return
            with contextlib.suppress(queue.Empty):
                msg = inbox.get(timeout=POLL_S)
                yield from tally.report(msg)
                while True:
                    yield from tally.report(inbox.get_nowait())
            for f in [f for f in pending if f.done()]:
                pending.discard(f)
                if f.status == "finished":
                    yield from tally.summary(f.result())
                else:
                    failures.append((futures[f], _why(f, retries)))
        with contextlib.suppress(queue.Empty):   # events that came after their task's result
            while True:
                yield from tally.report(inbox.get_nowait())
        if failures:
            i, why = min(failures)
            k = len(failures) - 1
            more = f" (and {k} more shard{'s' if k > 1 else ''})" if k else ""
            raise DaskError(f"shard {i}/{n} of {shot.name} failed{more}: {why}; the frames done are kept, "
                            "run the command again to finish")
        if shot.video is not None and frames is None and len(tally.status) == count and \
                all(s != "failed" for s in tally.status.values()):
            yield _assemble(shot, item, overwrite)
    finally:
        for f in futures:
            if not f.done():
                f.cancel()
        with contextlib.suppress(Exception):   # noqa: BLE001 -- closing: nothing left to report
            client.unsubscribe_topic(topic(run))
        if own:
            cluster.close()


def _why(future, retries: int) -> str:
    """One line: why a task failed all its tries."""
    try:
        exc = future.exception(timeout=10)
    except Exception as err:   # noqa: BLE001 -- the scheduler went away, or the task was cancelled
        return one_line(err)
    if exc is None:
        return future.status
    if type(exc).__name__ == "KilledWorker":
        return "every worker that ran it died (KilledWorker); see the workers' logs"
    return f"{one_line(exc)} (after {retries + 1} tries)"


def _assemble(shot: shards.Shot, item: outputs.ItemOutputs, overwrite: bool) -> BatchEvent:
    """The frames folder -> the video with the source's audio, as one run ends."""
    t0 = time.perf_counter()
    try:
        done = shards.assemble(item.frames, item.result, audio_from=shot.video, overwrite=overwrite)
    except (OSError, ValueError) as exc:
        return BatchEvent(0, 1, shot.video, item.result, "failed", one_line(exc), 1, time.perf_counter() - t0,
                          kind="video")
    if done.skipped:
        return BatchEvent(0, 1, shot.video, item.result, "skipped", done_count=1, eta_s=0.0, kind="video")
    info = video_frames.video_info(shot.video)
    return BatchEvent(0, 1, shot.video, item.result, "done", None, 1, time.perf_counter() - t0, 0.0, 0.0,
                      video_frames.odd_size_note(info.width, info.height), kind="video")
