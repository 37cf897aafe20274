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
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

import numpy as np

from colorstudio.core import imageio, pipeline
from colorstudio.core.atomic import clean_stale

Cancel = Union[Callable[[], bool], threading.Event, None]

DEFAULT_WORKERS = 2
PREFETCH = 2          # items decoded and prepared ahead of the network
MAX_PENDING_WRITES = 2  # items composed/written behind it (small: they hold full-size images)


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

    def prepare(self, image: np.ndarray) -> Any:
        return image

    def predict(self, image: np.ndarray, prepared: Any) -> Any:
        raise NotImplementedError

    def ordered(self, image: np.ndarray, predicted: Any) -> Any:
        """On the generator's thread, strictly in item order, after ``predict``: where
        state is carried from item to item (e.g. temporal smoothing)."""
        return predicted

    def finish(self, image: np.ndarray, predicted: Any) -> np.ndarray:
        return predicted

    def skipped(self, job: Job) -> None:
        """An item was skipped (its output exists)."""

    def failed(self, job: Job) -> None:
        """An item failed before or during its prediction (a sequence is broken here)."""

    def note(self) -> str | None:
        """A message for the user that appeared during the last ``predict``."""
        return None


def one_line(exc: BaseException, src: Path | str | None = None) -> str:
    """First line of an exception's message, without a leading ``'<src>: '``."""
    lines = str(exc).strip().splitlines()
    msg = lines[0] if lines else type(exc).__name__
    if isinstance(exc, MemoryError) and not lines:
        msg = "out of memory"
    if src is not None:
        for prefix in (f"{src}: ", f"{Path(src).name}: "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
                break
    return msg


def is_cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


# ------------------------------------------------------------------------- inputs

def collect_inputs(paths: Iterable[str | os.PathLike], problems: list[str] | None = None,
                   *, videos: bool = False) -> list[Path]:
    """Files and folders -> the image files to process, in order, without duplicates.

    Folders contribute their image files (not recursive), sorted naturally (img2
    before img10); files named explicitly are kept whatever their suffix, so a bad one
    is reported by the batch.  Missing paths and folders without images are not
    errors here: a one-line message is appended to ``problems`` (when given).
    ``videos`` also takes video files found in folders.
    """
    from colorstudio.core.frames import is_video_file

    out: list[Path] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            out.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                entries = [q for q in p.iterdir() if q.is_file() and not q.name.startswith(".")
                           and (imageio.is_image_file(q) or (videos and is_video_file(q)))]
            except OSError as exc:
                if problems is not None:
                    problems.append(f"{p}: cannot list folder ({exc.strerror})")
                continue
            if not entries and problems is not None:
                problems.append(f"{p}: no image files in this folder")
            for q in sorted(entries, key=imageio.natural_key):
                add(q)
        elif p.exists():
            add(p)
        elif problems is not None:
            problems.append(f"{p}: {_missing_reason(p)}")
    return out


def _missing_reason(p: Path) -> str:
    """Why a named path cannot be opened: missing, a broken link, or a link loop."""
    import errno

    try:
        os.stat(p)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        if p.is_symlink():
            return "broken symbolic link (its target does not exist)"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "permission denied"
    return "no such file or folder"


def plan_outputs(inputs: Sequence[Path], outdir: str | os.PathLike, fmt: str) -> list[Path]:
    """Output path of each input: ``outdir/<stem>.<fmt>``, unique by construction.

    The first input of each stem keeps its name; a later one with the same stem gets
    ``-2``, ``-3``... skipping every name another input has or was given (so ``a.png``,
    ``a.jpg``, ``a-2.png`` become ``a``, ``a-3``, ``a-2``).  Names compare case-blind
    (macOS and Windows folders); the plan depends only on the inputs' order, so a rerun
    finds the same names."""
    ext = "." + fmt.lower().lstrip(".")
    outdir = Path(outdir)
    stems = [Path(src).stem for src in inputs]
    taken: set[str] = set()
    first = []
    for stem in stems:
        first.append(stem.lower() not in taken)
        taken.add(stem.lower())
    out = []
    for stem, keep in zip(stems, first):
        name, n = stem, 1
        while not keep and name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        out.append(outdir / f"{name}{ext}")
    return out


def check_format(fmt: str) -> str:
    """Normalise an output format name ('png', '.JPG', 'tiff') or raise ValueError."""
    ext = "." + fmt.lower().lstrip(".")
    if ext not in imageio.WRITE_FORMATS:
        raise ValueError(f"unsupported output format {fmt!r}; choose one of "
                         f"{', '.join(sorted({e.lstrip('.') for e in imageio.WRITE_FORMATS}))}")
    return ext.lstrip(".")


class _FileIdentity:
    """Fast 'is this path one of the inputs?' (same inode or same absolute path)."""

    def __init__(self, paths: Iterable[Path]):
        self.paths = set()
        self.inodes = set()
        for p in paths:
            self.paths.add(os.path.normcase(os.path.abspath(p)))
            try:
                st = os.stat(p)
                self.inodes.add((st.st_dev, st.st_ino))
            except OSError:
                pass

    def __contains__(self, p: Path) -> bool:
        if os.path.normcase(os.path.abspath(p)) in self.paths:
            return True
        try:
            st = os.stat(p)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) in self.inodes


def file_jobs(inputs: Sequence[Path], outputs: Sequence[Path], overwrite: bool,
              max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Iterator[Job]:
    """Jobs for files; each decodes its file when run (``run_batch`` runs them ahead)."""
    protected = _FileIdentity(inputs)
    for i, (src, dst) in enumerate(zip(inputs, outputs)):
        src, dst = Path(src), Path(dst)
        if dst in protected:
            yield Job(i, src, dst, None, "the output would overwrite an input "
                      "(choose another output folder or format)")
        elif dst.is_dir():
            yield Job(i, src, dst, None, f"the output path {dst.name} is a folder")
        elif not overwrite and dst.exists():
            yield Job(i, src, dst, None)
        else:
            job = Job(i, src, dst, None)
            job.load = functools.partial(imageio.read_image, src, max_pixels, job.notes)
            yield job


# ------------------------------------------------------------------------- engine

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
    counts = {"finished": 0, "processed": 0}
    protect = tuple(protect)

    def event(job: Job, status: str, error: str | None = None, note: str | None = None) -> BatchEvent:
        nonlocal total
        total = max(total, job.index + 1)
        counts["finished"] += 1
        if status != "skipped":
            counts["processed"] += 1
        elapsed = time.perf_counter() - t0
        rate = counts["processed"] / elapsed if elapsed > 0 and counts["processed"] else 0.0
        remaining = max(0, total - counts["finished"])
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        return BatchEvent(job.index, total, job.src, job.dst, status, error, counts["finished"],
                          elapsed, rate, eta, note)

    def load_and_prepare(job: Job) -> tuple[np.ndarray, Any]:
        image = job.load()
        note = stage.check(image)
        if note:
            job.notes.append(note)
        return image, stage.prepare(image)

    def finish_and_write(job: Job, image: np.ndarray, predicted: Any) -> None:
        out = stage.finish(image, predicted)
        imageio.write_image(job.dst, out, quality=quality, protect=protect)

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
                yield event(job, "failed", one_line(exc, job.src), note)
            else:
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
            pending.append((job, pool.submit(finish_and_write, job, image, predicted), note))
            del image, predicted
            yield from drain(block=True, keep=MAX_PENDING_WRITES)

    try:
        while True:
            fill()
            if not ahead or is_cancelled(cancel):
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
        if not is_cancelled(cancel):
            yield from settle(keep=0)
        yield from drain(block=True)
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


# ------------------------------------------------------------------------- stages

class ColorizeStage(Stage):
    """Predict ab in the network's streams; compose at full resolution in a worker.

    With ``smooth`` > 0 each item's small ab is blended with the previous item's,
    warped by optical flow (items are frames of one sequence), in item order while the
    network already runs on the next frames."""

    def __init__(self, predictor, size: int | None = None, saturation: float = 1.0,
                 hints: Sequence[pipeline.Hint] = (), smooth: float = 0.0):
        if saturation < 0:
            raise ValueError("saturation must be >= 0")
        self.predictor, self.size, self.saturation, self.hints = predictor, size, saturation, tuple(hints)
        self.smoother = None
        if smooth:
            from colorstudio.core.frames import TemporalSmoother

            self.smoother = TemporalSmoother(smooth)
        self._prime_from: Path | None = None
        self._note: str | None = None

    def streams(self) -> int:
        fn = getattr(self.predictor, "streams", None)
        return fn("predict_ab") if fn is not None else 1

    def prepare(self, image: np.ndarray) -> np.ndarray:
        return pipeline.net_input(self.predictor, image, self.size, self.hints)

    def predict(self, image: np.ndarray, x: np.ndarray) -> np.ndarray:
        before = getattr(self.predictor, "fallback", None)
        run = getattr(self.predictor, "run_stream", None)  # plain run() where there are no streams
        y = run(x, "predict_ab") if run is not None else self.predictor.predict_ab(x)
        after = getattr(self.predictor, "fallback", None)
        self._note = str(after) if after is not before else None
        return pipeline.hinted_ab(pipeline.ab_from_output(y), x, self.hints)

    def ordered(self, image: np.ndarray, ab: np.ndarray) -> np.ndarray:
        if self.smoother is not None:
            if self._prime_from is not None:
                # Resuming: continue the sequence from the last frame already written.
                try:
                    self.smoother.prime(imageio.read_image(self._prime_from), ab.shape[:2])
                except imageio.ImageReadError:
                    self.smoother.reset()
                self._prime_from = None
            ab = self.smoother.update(image, ab)
        return ab

    def finish(self, image: np.ndarray, ab: np.ndarray) -> np.ndarray:
        return pipeline.compose(image, ab, self.saturation)

    def skipped(self, job: Job) -> None:
        if self.smoother is not None:
            self._prime_from = job.dst

    def failed(self, job: Job) -> None:
        if self.smoother is not None:
            self.smoother.reset()
            self._prime_from = None

    def note(self) -> str | None:
        return self._note


class TranslateStage(Stage):
    """Label map -> photo: resize in a worker, the network, resize back in a worker."""

    OFF_PALETTE_WARN = 0.25   # a label map is near-flat palette colour; a photo is not

    def check(self, image: np.ndarray) -> str | None:
        from colorstudio.core import palette

        share = palette.off_palette_share(image if image.ndim == 3 else np.dstack([image] * 3))
        if share > self.OFF_PALETTE_WARN:
            return (f"this does not look like a facade label map: {share:.0%} of its pixels are far from the "
                    "12 palette colours (the result will be meaningless)")
        return None

    def __init__(self, predictor, size: int | None = None):
        self.predictor, self.size = predictor, size

    def streams(self) -> int:
        fn = getattr(self.predictor, "streams", None)
        return fn("forward") if fn is not None else 1

    def prepare(self, image: np.ndarray) -> np.ndarray:
        return pipeline.translate_input(image, self.predictor, self.size)

    def predict(self, image: np.ndarray, x: np.ndarray) -> np.ndarray:
        run = getattr(self.predictor, "run_stream", self.predictor.run)
        return run(x, "forward")

    def finish(self, image: np.ndarray, y: np.ndarray) -> np.ndarray:
        return pipeline.translate_output(y, image.shape)


# ------------------------------------------------------------------------- public

def _files(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, fmt: str, stage: Stage,
           overwrite: bool, quality: int, cancel: Cancel, workers: int,
           max_pixels: int | None) -> Iterator[BatchEvent]:
    inputs = [Path(p) for p in inputs]
    outputs = plan_outputs(inputs, outdir, check_format(fmt))
    clean_stale(outdir)  # temp files of a run that was killed mid-write
    return run_batch(file_jobs(inputs, outputs, overwrite, max_pixels),
                     len(inputs), stage, protect=inputs, quality=quality, cancel=cancel,
                     workers=workers)


def colorize_files(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, predictor, *,
                   size: int | None = None, saturation: float = 1.0, fmt: str = "png",
                   overwrite: bool = False, hints: Sequence[pipeline.Hint] = (),
                   cancel: Cancel = None, smooth: float = 0.0, quality: int = 95,
                   workers: int = DEFAULT_WORKERS,
                   max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Iterator[BatchEvent]:
    """Colorize image files into ``outdir``; yields a :class:`BatchEvent` per file.

    ``smooth`` (0..1) treats the inputs as frames of one sequence (e.g. a folder of
    video frames) and reduces colour flicker between them; hints apply to every file.
    """
    stage = ColorizeStage(predictor, size, saturation, hints, smooth)
    return _files(inputs, outdir, fmt, stage, overwrite, quality, cancel, workers, max_pixels)


def translate_files(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, predictor, *,
                    size: int | None = None, fmt: str = "png", overwrite: bool = False,
                    cancel: Cancel = None, quality: int = 95, workers: int = DEFAULT_WORKERS,
                    max_pixels: int | None = imageio.DEFAULT_MAX_PIXELS) -> Iterator[BatchEvent]:
    """Translate facade label maps into photos in ``outdir``; same rules as colorize."""
    return _files(inputs, outdir, fmt, TranslateStage(predictor, size), overwrite, quality,
                  cancel, workers, max_pixels)
