"""SIGTERM/SIGINT (the GUI's stop button, Ctrl+C) end a run cleanly at the next step;
so does the end of the studio that started the run (``COLORSTUDIO_PARENT_PID``): a
trainer never outlives its GUI, re-parented and still writing (unless started without it)."""

from __future__ import annotations

import os
import signal
import sys
import threading

from colorstudio.core.io.runs import PARENT_PID_ENV


def parent_pid() -> int | None:
    """The pid of the studio that started this run, when one did."""
    try:
        pid = int(os.environ.get(PARENT_PID_ENV, ""))
    except ValueError:
        return None
    return pid if pid > 1 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True   # alive, someone else's
    return True


def die_with_parent() -> None:
    """Linux: have the kernel send SIGTERM when the parent process ends (the GUI killed
    with SIGKILL runs no code of its own); elsewhere the per-step check below does it."""
    if not sys.platform.startswith("linux") or parent_pid() is None:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class StopRequest:
    """``signal`` is the name of the first stop signal received (None: none yet); a
    second signal raises KeyboardInterrupt (stop now).  Handlers are installed only on
    the main thread (elsewhere Python refuses them; the run then ignores signals)."""

    def __init__(self):
        self.signal: str | None = None
        self._previous: dict | None = None
        self._parent = parent_pid()

    def poll(self) -> str | None:
        """The stop reason so far; notices that the studio that started the run is gone."""
        if self.signal is None and self._parent is not None and not _alive(self._parent):
            self.signal = "the end of the studio that started it"
        return self.signal

    def _handler(self, signum, frame) -> None:
        if self.signal is not None:  # second signal: stop now
            raise KeyboardInterrupt
        self.signal = signal.Signals(signum).name

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = {sig: signal.signal(sig, self._handler) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore(self) -> None:
        for sig, h in (self._previous or {}).items():
            signal.signal(sig, h)
        self._previous = None
