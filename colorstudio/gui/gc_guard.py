"""Python's cyclic garbage collector runs on the GUI thread only.

Left automatic, a collection starts in whichever thread happens to allocate, often a
worker.  When it frees the last reference to a Qt object there, the object's C++
destructor runs in the worker: it takes the object's connection mutex, then asks for the
GIL to look up a Python override, while the GUI thread holds the GIL and waits for that
same mutex (destroying a menu that shares a connection).  Both wait forever: the test
suite hung that way on CI for 90 minutes (seen here with py-spy: ``gc_collect_main`` ->
``QObject::~QObject`` -> ``GilState::acquire`` in a loader thread, ``QAction::~QAction``
-> ``QBasicMutex::lockInternal`` on the GUI thread).

So the automatic collector is switched off and a timer on the GUI thread collects by the
same thresholds.  Objects alive once torch and the first model are loaded are frozen
(``gc.freeze``): a full collection then walks only what the session made since, so it
takes a millisecond instead of the 110 ms a walk of torch's 180,000 objects costs.
"""

from __future__ import annotations

import gc
import sys
import time

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
FULL_EVERY_S = 30.0   # at most this often a full (oldest generation) collection


class MainThreadGC(QObject):
    """Owns the timer; ``install`` makes one per application."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.frozen = False
        self.collections = [0, 0, 0]
        self._last_full = time.monotonic()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect what the thresholds ask for, youngest first, as the automatic collector would."""
        if not self.frozen and "torch" in sys.modules:
            # The libraries' objects: never garbage, never walked again.  No full collection
            # first (110 ms on this thread); what garbage is frozen with them is a few KB, once.
            gc.freeze()
            self.frozen = True
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.thresholds
        if c0 <= t0:
            return
        gen = 0
        if c1 > t1:
            gen = 1
            if c2 > t2 and time.monotonic() - self._last_full > FULL_EVERY_S:
                gen = 2
                self._last_full = time.monotonic()
        gc.collect(gen)
        self.collections[gen] += 1

    def stop(self) -> None:
        """Hand collection back to Python: at exit the interpreter's own shutdown then
        collects as usual (left frozen and disabled, a test session crashed in its teardown)."""
        self.timer.stop()
        gc.unfreeze()
        self.frozen = False
        gc.enable()


_installed: MainThreadGC | None = None


def install(app: QObject) -> MainThreadGC:
    """Switch the automatic collector off for the life of ``app`` (idempotent)."""
    import shiboken6

    global _installed
    if _installed is None or not shiboken6.isValid(_installed):
        _installed = MainThreadGC(app)
        app.aboutToQuit.connect(_installed.stop)
    return _installed


def installed() -> MainThreadGC | None:
    """The guard in force, if any (tests collect through it between tests)."""
    import shiboken6

    return _installed if _installed is not None and shiboken6.isValid(_installed) else None
