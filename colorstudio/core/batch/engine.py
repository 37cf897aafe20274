"""The batch engine: a generator of :class:`BatchEvent` over :class:`Job` s run
through a :class:`Stage` (prefetching, the network's streams, ordered state, writes
behind).  The rules and the public calls: :mod:`colorstudio.core.batch`."""

from __future__ import annotations

import errno
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

import numpy as np

from colorstudio.core.io import imageio
from colorstudio.core.errors import UserError
from colorstudio.core.io.image_meta import ImageMeta
from colorstudio.core.messages import one_line

Cancel = Union[Callable[[], bool], threading.Event, None]

DEFAULT_WORKERS = 2
PREFETCH = 2          # items decoded and prepared ahead of the network
MAX_PENDING_WRITES = 2  # items composed/written behind it (small: they hold full-size images)
RATE_SPAN = 3.0       # s of work after the first item before its warm-up is left out of the rate


@dataclass
class BatchEvent:
    """Progress of one item; ``done_count`` counts finished items of any status."""

    index: int
    total: int
    src: Path
    dst: Path | None
    status: str                      # 'done' | 'skipped' | 'failed'
    error: str | None = None         # one line, without the file name
    done_count: int = 0
    elapsed: float = 0.0             # seconds since the batch started
    items_per_s: float = 0.0         # over items actually processed (not skipped)
    eta_s: float | None = None
    note: str | None = None          # something the user must see, e.g. a device fallback
    kind: str = "item"               # 'item' (an image or a frame) | 'video' (the assembled video:
                                     # its own event, not counted among the frames)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class Job:
    """One unit of a batch: ``load`` returns the input pixels (None: skip it); it runs in
    a worker thread, ahead of the network."""

    index: int
    src: Path
    dst: Path
    load: Callable[[], np.ndarray] | None
    error: str | None = None         # known to fail before any work (e.g. would overwrite input)
    notes: list[str] = field(default_factory=list)  # filled by ``load`` (e.g. "first of 3 frames")
    hints: Sequence | None = None    # this item's colour hints (a frame of a shot); None: the stage's
    meta: ImageMeta | None = None    # the input file's DPI, EXIF, ICC (set by ``load``), kept on the output
    views: dict[str, Path] = field(default_factory=dict)  # view suffix -> its path (core.batch.outputs)
    early_views: list = field(default_factory=list)  # (suffix, pixels) made before the network
                                                     # (the repair's damage mask), written with the result
    original: np.ndarray | None = None   # the input as read, when ``Stage.restore`` changed it and a
                                         # view shows the "before" (a restorer compares with the damage)
    neighbours: Callable[[], tuple[np.ndarray | None, np.ndarray | None]] | None = None
    # a frame of a sequence: its raw neighbouring frames (before, after; None where there is none
    # or it cannot be read), read in the worker when ``Stage.restore`` asks; None: a photo
    frame: Any = None   # an image sequence's frame as read (``core.io.vfx.Frame``, set by ``load``):
                        # its own colour space and precision, which the result is written in


class Stage:
    """What a batch does with each image: ``prepare`` in a worker thread (the network's
    input, from the decoded image), ``predict`` (the network) on ``streams()`` threads at
    once (or on the generator's thread when 1), ``ordered`` on the generator's thread in
    item order, and ``finish`` in a worker thread (full-resolution work before writing).
    Only ``ordered``, ``skipped`` and ``failed`` may depend on earlier items."""

    def streams(self) -> int:
        """How many items ``predict`` may run at once, on threads of their own (1: one at
        a time, in order, on the generator's thread)."""
        return 1

    def check(self, image: np.ndarray) -> str | None:
        """A note about this input for the user (in a worker thread, before ``prepare``),
        e.g. that it does not look like what the stage expects."""
        return None

    def restore(self, job: Job, image: np.ndarray) -> np.ndarray:
        """The input as the rest of the stage sees it (in a worker thread, after ``check``):
        e.g. with an old print's damage mended; views of this step go to ``job.early_views``."""
        return image

    def prepare(self, image: np.ndarray) -> Any:
        return image

    def prepare_job(self, job: Job, image: np.ndarray) -> Any:
        """``prepare`` for one job (what the engine calls): stages that use a job's own
        data, such as a frame's hints, override this one."""
        return self.prepare(image)

    def predict(self, image: np.ndarray, prepared: Any) -> Any:
        raise NotImplementedError

    def ordered(self, image: np.ndarray, predicted: Any) -> Any:
        """On the generator's thread, strictly in item order, after ``predict``: where
        state is carried from item to item (e.g. temporal smoothing)."""
        return predicted

    def finish(self, image: np.ndarray, predicted: Any) -> np.ndarray:
        return predicted

    def finish_job(self, job: Job, image: np.ndarray, predicted: Any) -> np.ndarray:
        """``finish`` for one job (what the engine calls): stages that write in a job's own
        precision and colour space, such as an image sequence's, override this one."""
        return self.finish(image, predicted)

    def write(self, job: Job, pixels: np.ndarray, quality: int, protect: Sequence[Path]) -> None:
        """Write an item's result to ``job.dst`` (atomically, never over a ``protect`` ed input)."""
        imageio.write_image(job.dst, pixels, quality=quality, protect=protect, meta=job.meta)

    def extras(self, image: np.ndarray, predicted: Any, out: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """More files of an item beside its output: (suffix added to the stem, pixels)."""
        return []

    def skipped(self, job: Job) -> None:
        """An item was skipped (its output exists)."""

    def failed(self, job: Job) -> None:
        """An item failed before or during its prediction (a sequence is broken here)."""

    def note(self) -> str | None:
        """A message for the user that appeared during the last ``predict``."""
        return None


# Write errors that every later item would hit too: the batch stops at the first one.
FATAL_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT})


class BatchStopped(UserError, OSError):
    """The batch stopped early: its output cannot take more (disk full, read-only)."""


def is_cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def run_batch(jobs: Iterable[Job], total: int, stage: Stage, *,
              protect: Sequence[Path] = (), quality: int = 95, cancel: Cancel = None,
              workers: int = DEFAULT_WORKERS) -> Iterator[BatchEvent]:
    """Run ``jobs`` through ``stage`` and write the results; yields one event per job.

    Up to ``PREFETCH`` items are loaded and prepared ahead in the worker pool.  Events
    of written items come as their writes complete (in order); at most
    ``MAX_PENDING_WRITES`` are in flight.  Closing the generator waits for writes
    already started (they are atomic) and stops.
    """
    t0 = time.perf_counter()
    counts = {"finished": 0, "processed": 0, "written": 0}
    first_done: list[float] = []   # when the first processed item finished: its time (a model's
                                   # warm-up, an ONNX export) is left out of the rate and the ETA
    protect = tuple(protect)
    fatal: list[str] = []   # why the output can take no more, once it is known

    def event(job: Job, status: str, error: str | None = None, note: str | None = None) -> BatchEvent:
        nonlocal total
        total = max(total, job.index + 1)
        counts["finished"] += 1
        if status != "skipped":
            counts["processed"] += 1
        now = time.perf_counter()
        elapsed = now - t0
        if status != "skipped" and not first_done:
            first_done.append(now)
        n = counts["processed"]
        remaining = max(0, total - counts["finished"])
        since_first = now - first_done[0] if first_done else 0.0
        if n >= 2 and since_first > 0 and (since_first >= RATE_SPAN or remaining == 0):
            rate = (n - 1) / since_first
        else:   # items prepared ahead finish in a burst after the first: too short a span to judge
            rate = n / elapsed if elapsed > 0 and n else 0.0
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        return BatchEvent(job.index, total, job.src, job.dst, status, error, counts["finished"],
                          elapsed, rate, eta, note)

    def load_and_prepare(job: Job) -> tuple[np.ndarray, Any]:
        image = job.load()
        note = stage.check(image)
        if note:
            job.notes.append(note)
        image = stage.restore(job, image)
        return image, stage.prepare_job(job, image)

    def finish_and_write(job: Job, image: np.ndarray, predicted: Any) -> None:
        out = stage.finish_job(job, image, predicted)
        # The views first, the result last: a result on disk means its item is whole.
        before = job.original if job.original is not None else image
        for suffix, extra in [*job.early_views, *stage.extras(before, predicted, out)]:
            dst = job.views.get(suffix) or job.dst.with_name(job.dst.stem + suffix + job.dst.suffix)
            imageio.write_image(dst, extra, quality=quality, protect=protect, meta=job.meta)
        stage.write(job, out, quality, protect)

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="colorstudio-batch")
    streams = max(1, int(stage.streams()))
    net_pool = ThreadPoolExecutor(streams, thread_name_prefix="colorstudio-net") if streams > 1 else None
    ahead: deque[tuple[Job, Future | None]] = deque()             # being loaded and prepared
    # Past loading, in item order: (job, image, prediction, error); no prediction and no
    # error = skipped.  Items leave it in order, so ``stage.ordered`` sees them in order.
    order: deque[tuple[Job, np.ndarray | None, Future | None, str | None]] = deque()
    pending: deque[tuple[Job, Future, str | None]] = deque()    # being finished and written
    source = iter(jobs)

    def fill() -> None:
        """Start loading until PREFETCH items are in flight (skips cost nothing)."""
        while sum(f is not None for _, f in ahead) <= PREFETCH:
            job = next(source, None)
            if job is None:
                return
            work = job.load is not None and not job.error
            ahead.append((job, pool.submit(load_and_prepare, job) if work else None))

    def drain(block: bool, keep: int = 0) -> Iterator[BatchEvent]:
        """Events of finished writes, oldest first; ``block`` waits until ``keep`` remain."""
        while len(pending) > keep and (block or pending[0][1].done()):
            job, fut, note = pending.popleft()
            try:
                fut.result()
            except Exception as exc:  # noqa: BLE001 -- one bad item must not stop the batch
                if getattr(exc, "errno", None) in FATAL_WRITE_ERRNOS and not fatal:
                    fatal.append(one_line(exc, job.dst))
                yield event(job, "failed", one_line(exc, job.src), note)
            else:
                counts["written"] += 1
                yield event(job, "done", None, note)

    def predict_now(image: np.ndarray, prepared: Any) -> Future:
        done: Future = Future()
        try:
            done.set_result(stage.predict(image, prepared))
        except Exception as exc:  # noqa: BLE001
            done.set_exception(exc)
        return done

    def settle(keep: int) -> Iterator[BatchEvent]:
        """Oldest first, until ``keep`` remain: skipped and failed items are reported,
        predicted ones go through ``stage.ordered`` to the writers."""
        while len(order) > keep:
            job, image, fut, error = order.popleft()
            if fut is None:
                if error is None:
                    stage.skipped(job)
                    yield event(job, "skipped")
                else:
                    stage.failed(job)
                    yield event(job, "failed", error)
                continue
            try:
                predicted = stage.ordered(image, fut.result())
            except Exception as exc:  # noqa: BLE001
                stage.failed(job)
                yield event(job, "failed", one_line(exc, job.src))
                continue
            note = "; ".join(n for n in (stage.note(), *job.notes) if n) or None
            if fatal:   # the output takes no more: this one would only fail the same way
                stage.failed(job)
                continue
            pending.append((job, pool.submit(finish_and_write, job, image, predicted), note))
            del image, predicted
            yield from drain(block=True, keep=MAX_PENDING_WRITES)

    try:
        while True:
            fill()
            if not ahead or is_cancelled(cancel) or fatal:
                break
            job, loading = ahead.popleft()
            yield from drain(block=False)
            if job.error or loading is None:
                order.append((job, None, None, job.error))
            else:
                try:
                    image, prepared = loading.result()
                except Exception as exc:  # noqa: BLE001
                    order.append((job, None, None, one_line(exc, job.src)))
                else:
                    fut = (net_pool.submit(stage.predict, image, prepared) if net_pool is not None
                           else predict_now(image, prepared))
                    order.append((job, image, fut, None))
                    del image, prepared
            del loading
            yield from settle(keep=streams - 1)
        if not is_cancelled(cancel) and not fatal:
            yield from settle(keep=0)
        yield from drain(block=True)
        if fatal:
            raise BatchStopped(f"stopped: {fatal[0]}; the {counts['written']} result(s) written are kept "
                               "(free space or choose another output folder, then run it again to resume)")
    finally:
        for _, f in ahead:
            if f is not None:
                f.cancel()
        close = getattr(jobs, "close", None)
        if close is not None:
            close()
        if net_pool is not None:
            net_pool.shutdown(wait=True, cancel_futures=True)
        pool.shutdown(wait=True, cancel_futures=True)
