"""Run core functions and generators off the GUI thread.

Pattern after superqt's ``thread_worker``: a generator's every ``yield`` becomes a
``progress`` signal, cancel and pause are checked between yields, exceptions become an
``error`` signal carrying a one-line message (the window never freezes or closes).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from colorstudio.core.messages import one_line

log = logging.getLogger(__name__)

# Jobs writing a user's file (an export, a damage mask) until they end: quitting waits for
# them (wait_for_writes) and for nothing else -- a prediction or a model's loading is dropped.
_writes: set["Worker"] = set()


class WorkerSignals(QObject):
    started = Signal()
    progress = Signal(object)   # whatever the generator yielded
    result = Signal(object)     # function's return value (generator: its return value)
    error = Signal(str)         # one-line message for the user
    finished = Signal()         # always last, after result/error/cancel


def error_message(exc: BaseException) -> str:
    """A one-line, user-facing message for an exception (what to do about it when the
    memory ran out)."""
    if isinstance(exc, MemoryError):
        said = one_line(exc) if str(exc).strip() else ""
        if "try " in said:   # the predictor's own: the network, the size it ran at, what to do
            return said
        advice = "try a smaller render size or close other programs"
        return f"out of memory ({said}): {advice}" if said else f"out of memory: {advice}"
    return one_line(exc)


class Worker(QRunnable):
    """Runs ``fn(*args, **kwargs)``; if it returns a generator, iterates it.

    ``cancel()`` stops a generator at its next yield (the generator is closed, so its
    ``finally`` blocks run); ``pause()``/``resume()`` hold it between yields.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps a reference while it runs
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = WorkerSignals()
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.done = threading.Event()

    # control, callable from any thread
    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def _emit(self, signal, *args) -> None:
        """Emit unless the receiving side is gone (the window closed while this ran)."""
        if not shiboken6.isValid(self.signals):
            return
        try:
            signal.emit(*args)
        except RuntimeError:   # "Signal source has been deleted": nobody is listening any more
            pass

    def run(self) -> None:  # in a pool thread
        s = self.signals
        try:
            self._emit(s.started)
            out = self.fn(*self.args, **self.kwargs)
            if hasattr(out, "__next__") and hasattr(out, "send"):
                out = self._drain(out)
            if not self.cancelled:
                self._emit(s.result, out)
        except Exception as exc:  # noqa: BLE001 - every error must reach the user
            log.debug("worker failed:\n%s", traceback.format_exc())
            self._emit(s.error, error_message(exc))
        finally:
            self.done.set()
            self._emit(s.finished)

    def _drain(self, gen):
        try:
            while True:
                self._running.wait()
                if self.cancelled:
                    return None
                try:
                    item = next(gen)
                except StopIteration as stop:
                    return stop.value
                self._emit(self.signals.progress, item)
        finally:
            gen.close()


class LatestRunner(QObject):
    """At most one job running and one waiting; a new request replaces the waiting one.

    For interactive edits: every change submits; stale requests are dropped instead of
    piling up, and results of superseded jobs are not delivered (``result`` carries only
    the newest).  Jobs run on a private single-thread pool, so one runner never runs two jobs
    at once; two runners may share a model (a Predictor runs one forward at a time: its lock).
    """

    result = Signal(object)
    progress = Signal(object)   # what the newest job's generator yields (partial results)
    error = Signal(str)
    busy = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._running: Worker | None = None
        self._pending: tuple | None = None
        self._generation = 0

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._generation += 1
        self._pending = (self._generation, fn, args, kwargs)
        if self._running is None:
            self._start_next()
        else:
            self._running.cancel()  # generators stop at their next yield

    def cancel(self) -> None:
        self._pending = None
        self._generation += 1
        if self._running is not None:
            self._running.cancel()

    def is_busy(self) -> bool:
        return self._running is not None

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)

    def _start_next(self) -> None:
        if self._pending is None:
            self._running = None
            self.busy.emit(False)
            return
        gen, fn, args, kwargs = self._pending
        self._pending = None
        w = Worker(fn, *args, **kwargs)
        w.signals.result.connect(lambda out, g=gen: self._deliver(g, out))
        w.signals.progress.connect(lambda item, g=gen: self._deliver_progress(g, item))
        w.signals.error.connect(lambda msg, g=gen: self._deliver_error(g, msg))
        w.signals.finished.connect(self._on_finished)
        self._running = w
        self.busy.emit(True)
        self.pool.start(w)

    # A result may still be queued when the runner's owner is deleted (window closed,
    # widget torn down): then there is nobody to tell, and emitting would raise.
    def _deliver(self, gen: int, out: Any) -> None:
        if gen == self._generation and shiboken6.isValid(self):
            self.result.emit(out)

    def _deliver_progress(self, gen: int, item: Any) -> None:
        if gen == self._generation and shiboken6.isValid(self):
            self.progress.emit(item)

    def _deliver_error(self, gen: int, msg: str) -> None:
        if gen == self._generation and shiboken6.isValid(self):
            self.error.emit(msg)

    def _on_finished(self) -> None:
        self._running = None
        self._start_next()


def start(worker: Worker, pool: QThreadPool | None = None) -> Worker:
    """Start ``worker`` on ``pool`` (the global pool by default) and return it."""
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker


def run_kept(kept: list, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None],
             on_error: Callable[[str], None], writes: bool = False) -> Worker:
    """Run ``fn(*args)`` on the global pool, keeping the worker in ``kept`` until it has
    finished (the owner's list: nothing is collected while it runs).  Pass bound methods
    as callbacks, so a closed widget is not called back.  ``writes``: the job writes a
    user's file, so quitting the app waits for it (:func:`wait_for_writes`)."""
    w = Worker(fn, *args)
    w.signals.result.connect(on_result)
    w.signals.error.connect(on_error)
    w.signals.finished.connect(lambda: kept.remove(w) if w in kept else None)
    kept.append(w)
    if writes:
        _writes.add(w)
        w.signals.finished.connect(lambda: _writes.discard(w))
    return start(w, QThreadPool.globalInstance())


def wait_for_writes(timeout_s: float) -> bool:
    """Wait until the jobs writing a user's file have ended (at most ``timeout_s``); True
    when none is left.  The only work the app's exit waits for."""
    deadline = time.monotonic() + timeout_s
    for w in list(_writes):
        if not w.done.wait(max(0.0, deadline - time.monotonic())):
            return False
    return True
