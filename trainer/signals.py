"""SIGTERM/SIGINT (the GUI's stop button, Ctrl+C) end a run cleanly at the next step."""

from __future__ import annotations

import signal
import threading


class StopRequest:
    """``signal`` is the name of the first stop signal received (None: none yet); a
    second signal raises KeyboardInterrupt (stop now).  Handlers are installed only on
    the main thread (elsewhere Python refuses them; the run then ignores signals)."""

    def __init__(self):
        self.signal: str | None = None
        self._previous: dict | None = None

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
