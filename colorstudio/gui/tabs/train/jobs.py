"""Run the trainer in a subprocess (QProcess) and follow its metrics.jsonl as it grows.

The GUI never imports the trainer: it starts ``python -m trainer ...`` through QProcess
and reads the JSON-lines stream the trainer writes (layout, schema and reader:
:mod:`colorstudio.core.io.runs`, which both sides import).  The parts: the command
(:mod:`~colorstudio.gui.tabs.train.trainer_cmd`), the tail of the metrics
(:mod:`~colorstudio.gui.tabs.train.metrics_tail`), the recipe list (:mod:`~colorstudio.gui.tabs.train.recipes`,
read in-process); their names are importable from here too.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import sys

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from colorstudio.core.io.runs import (LAST_CHECKPOINT, METRICS_FILE, SAMPLE_FILE, MetricsReader, RunSeries,
                                   read_metrics, read_run_config)
from colorstudio.gui.tabs.train.metrics_tail import MetricsTail
from colorstudio.gui.tabs.train.recipes import Recipe, RecipeLister, list_recipes
from colorstudio.gui.tabs.train.trainer_cmd import TrainRequest, descendants, process_env, trainer_args

__all__ = ["LAST_CHECKPOINT", "METRICS_FILE", "SAMPLE_FILE", "MetricsReader", "MetricsTail", "Recipe",
           "RecipeLister", "RunSeries", "TrainRequest", "TrainingProcess", "list_recipes", "read_metrics",
           "read_run_config", "trainer_args"]

log = logging.getLogger(__name__)


class TrainingProcess(QObject):
    """One trainer subprocess at a time.  Output lines, start failures and exit codes
    become signals.  The QProcess is created once and reused for every run."""

    started = Signal()
    output = Signal(str)                # one line of stdout/stderr
    failed = Signal(str)                # user-facing message: could not start / crashed / exit != 0
    finished = Signal(int)              # exit code, -1 when it could not start (after ``failed``)

    def __init__(self, python: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.python = python or sys.executable
        self.request: TrainRequest | None = None
        self._stopping = False
        self._generation = 0           # a delayed kill must not hit a later run
        self._tail: list[str] = []     # last output lines, quoted in failure messages
        self._buf = ""
        self.proc = QProcess(self)
        self.proc.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.proc.readyReadStandardOutput.connect(self._read)
        self.proc.started.connect(self.started)
        self.proc.errorOccurred.connect(self._on_error)
        self.proc.finished.connect(self._on_finished)

    def is_running(self) -> bool:
        return self.proc.state() != QProcess.ProcessState.NotRunning

    @property
    def stopping(self) -> bool:
        """True when the current/last run ended because :meth:`stop` was called."""
        return self._stopping

    def command(self, req: TrainRequest) -> list[str]:
        return [self.python, *trainer_args(req)]

    def start(self, req: TrainRequest) -> None:
        """Start training; raises ValueError for a bad request or when one is already running."""
        if self.is_running():
            raise ValueError("a training run is already in progress")
        req.validate()
        self.request, self._stopping, self._tail, self._buf = req, False, [], ""
        self._generation += 1
        self.proc.setProcessEnvironment(process_env())
        self.output.emit("$ " + shlex.join(self.command(req)))
        self.proc.start(self.python, trainer_args(req))

    def stop(self, wait: bool = True, timeout_ms: int = 10000) -> None:
        """Ask the trainer (and its worker processes) to terminate; kill after ``timeout_ms``."""
        p = self.proc
        if p.state() == QProcess.ProcessState.NotRunning:
            return
        self._stopping = True
        pid = int(p.processId() or 0)
        kids = descendants(pid) if pid else []   # torchrun workers of --nproc > 1
        p.terminate()
        for k in kids:
            try:
                os.kill(k, signal.SIGTERM)
            except OSError:
                pass
        if wait:
            if not p.waitForFinished(timeout_ms):
                p.kill()
                p.waitForFinished(2000)
        else:
            gen = self._generation
            QTimer.singleShot(timeout_ms, self, lambda: gen == self._generation and self.is_running()
                              and self.proc.kill())

    # ---- QProcess callbacks
    def _read(self) -> None:
        self._buf += bytes(self.proc.readAllStandardOutput()).decode("utf-8", "replace")
        *lines, self._buf = self._buf.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for line in lines:
            self._emit_line(line)

    def _emit_line(self, line: str) -> None:
        self._tail = (self._tail + [line])[-20:]
        self.output.emit(line)

    def _flush(self) -> None:
        self._read()
        if self._buf:
            self._emit_line(self._buf)
            self._buf = ""

    def _on_error(self, err: QProcess.ProcessError) -> None:
        if err == QProcess.ProcessError.FailedToStart:
            self.failed.emit(f"could not start the trainer with {self.python}: {self.proc.errorString()}")
            self.finished.emit(-1)

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._flush()
        if self._stopping:
            self.output.emit("training stopped")
        elif status == QProcess.ExitStatus.CrashExit:
            self.failed.emit("the trainer crashed" + self._reason())
        elif code != 0:
            self.failed.emit(f"training failed (exit code {code})" + self._reason())
        self.finished.emit(int(code))

    def _reason(self) -> str:
        lines = [ln.strip() for ln in self._tail if ln.strip()]
        return f": {lines[-1]}" if lines else ""
