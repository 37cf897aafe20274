"""Run the trainer in a subprocess and follow its metrics.jsonl as it grows.

The GUI never imports the trainer: it starts ``python -m trainer ...`` through QProcess
and reads the JSON-lines stream the trainer writes (layout and schema:
:mod:`colorstudio.core.runs`, which both sides import).

Reading is incremental (from the last byte offset); a partial last line is kept until
its newline arrives, malformed lines are skipped.  A QFileSystemWatcher gives prompt
updates, a QTimer polls as a fallback (watchers miss events on some file systems and
cannot watch a file that does not exist yet).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from PySide6.QtCore import (QFileSystemWatcher, QObject, QProcess, QProcessEnvironment, QTimer,
                            Signal)

from colorstudio.core.runs import (LAST_CHECKPOINT, METRICS_FILE, SAMPLE_FILE,  # noqa: F401 (re-exported)
                                   MetricsReader, RunSeries, read_metrics, read_run_config)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- tailing
class MetricsTail(QObject):
    """Follows RUN/metrics.jsonl; emits ``records(list[dict])`` as complete lines arrive."""

    records = Signal(list)
    reset = Signal()   # the file was replaced: drop what was shown

    def __init__(self, path: str | os.PathLike, interval_ms: int = 500,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.reader = MetricsReader(path)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self.poll)
        self.watcher.directoryChanged.connect(self.poll)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)

    @property
    def path(self) -> Path:
        return self.reader.path

    def set_path(self, path: str | os.PathLike) -> None:
        """Follow another file (from its beginning); stops following the previous one."""
        self.stop()
        self.reader = MetricsReader(path)

    def start(self) -> None:
        self._watch()
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        """Stop following (a last poll picks up the final lines)."""
        if self.timer.isActive():
            self.poll()
        self.timer.stop()
        for paths in (self.watcher.files(), self.watcher.directories()):
            if paths:
                self.watcher.removePaths(paths)

    def _watch(self) -> None:
        # The file may not exist yet: watch the nearest existing folder until it does.
        p = self.path
        if p.is_file() and str(p) not in self.watcher.files():
            self.watcher.addPath(str(p))
        d = p.parent
        while not d.is_dir() and d != d.parent:
            d = d.parent
        if d.is_dir() and str(d) not in self.watcher.directories():
            self.watcher.addPath(str(d))

    def poll(self) -> None:
        if self.timer.isActive() and str(self.path) not in self.watcher.files():
            self._watch()
        recs = self.reader.read_new()
        if self.reader.reset:
            self.reset.emit()
        if recs:
            self.records.emit(recs)


# --------------------------------------------------------------------------- process
@dataclass
class TrainRequest:
    """What the dashboard asks the trainer to do."""

    recipe: str
    data: Path | str
    out: Path
    epochs: int
    nproc: int = 1
    resume: bool = False
    device: str = "auto"
    extra: list[str] = field(default_factory=list)   # more trainer options (--set k=v, ...)

    def validate(self) -> None:
        """Raise ValueError with a user-facing message for a request that cannot run."""
        if not self.recipe.strip():
            raise ValueError("choose a recipe")
        if not str(self.data).strip():
            raise ValueError("choose a data folder")
        if not Path(self.data).is_dir():
            raise ValueError(f"data folder not found: {self.data}")
        if self.epochs < 1:
            raise ValueError("epochs must be at least 1")
        if self.nproc < 1:
            raise ValueError("processes must be at least 1")
        if self.resume and not (Path(self.out) / LAST_CHECKPOINT).is_file():
            raise ValueError(f"nothing to resume: {Path(self.out) / LAST_CHECKPOINT} does not exist")


def trainer_args(req: TrainRequest) -> list[str]:
    """Arguments after the interpreter: ``-m trainer RECIPE --data DIR --out RUN --epochs N ...``
    (``--nproc``, ``--resume`` and ``--device`` only when they differ from the default)."""
    args = ["-m", "trainer", req.recipe, "--data", str(req.data), "--out", str(req.out),
            "--epochs", str(int(req.epochs))]
    if req.nproc > 1:
        args += ["--nproc", str(int(req.nproc))]
    if req.resume:
        args.append("--resume")
    if req.device and req.device != "auto":
        args += ["--device", req.device]
    return args + list(req.extra)


def _process_env() -> QProcessEnvironment:
    env = QProcessEnvironment.systemEnvironment()
    env.insert("PYTHONUNBUFFERED", "1")   # live log lines
    # The checkout's root must be importable even when the app was started from elsewhere.
    root = str(Path(__file__).resolve().parents[2])
    old = env.value("PYTHONPATH", "")
    env.insert("PYTHONPATH", root + (os.pathsep + old if old else ""))
    return env


def _descendants(pid: int) -> list[int]:
    """Child processes (recursively) of ``pid`` on Linux; [] elsewhere."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    children: dict[int, list[int]] = {}
    for d in proc.iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


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
        self.proc.setProcessEnvironment(_process_env())
        self.output.emit("$ " + shlex.join(self.command(req)))
        self.proc.start(self.python, trainer_args(req))

    def stop(self, wait: bool = True, timeout_ms: int = 10000) -> None:
        """Ask the trainer (and its worker processes) to terminate; kill after ``timeout_ms``."""
        p = self.proc
        if p.state() == QProcess.ProcessState.NotRunning:
            return
        self._stopping = True
        pid = int(p.processId() or 0)
        kids = _descendants(pid) if pid else []   # torchrun workers of --nproc > 1
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


# --------------------------------------------------------------------------- recipes
@dataclass
class Recipe:
    name: str
    description: str = ""


def parse_recipes(text: str) -> list[Recipe]:
    """Recipes from ``trainer recipes --json`` (list of names, list of objects, or a
    name -> description object) or from its plain text (one recipe a line: name, then
    an optional description after whitespace, ':' or '-')."""
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    out: list[Recipe] = []
    if isinstance(data, dict) and "recipes" in data:
        data = data["recipes"]
    if isinstance(data, dict):
        for k, v in data.items():
            desc = v.get("description", "") if isinstance(v, dict) else str(v or "")
            out.append(Recipe(str(k), desc))
        return out
    if isinstance(data, list):
        for item in data:
            if isinstance(item, str):
                out.append(Recipe(item))
            elif isinstance(item, dict) and item.get("name"):
                desc = str(item.get("description", "") or "")
                if item.get("settings"):
                    desc = f"{desc}\n{item['settings']}." if desc else f"{item['settings']}."
                out.append(Recipe(str(item["name"]), desc))
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.endswith(":") or line.startswith("#"):
            continue  # headings such as "recipes:"
        parts = line.lstrip("-*• ").split(None, 1)
        if not parts:
            continue
        name = parts[0].rstrip(":,")
        desc = parts[1].strip().lstrip(":-– ").strip() if len(parts) > 1 else ""
        out.append(Recipe(name, desc))
    return out


class RecipeLister(QObject):
    """Asks the trainer for its recipes in a subprocess (``--json`` first, then plain text)."""

    recipes = Signal(list)   # list[Recipe]
    error = Signal(str)

    def __init__(self, python: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.python = python or sys.executable
        self._args: list[str] = []
        self.proc = QProcess(self)
        self.proc.finished.connect(self._done)
        self.proc.errorOccurred.connect(self._on_error)

    def is_running(self) -> bool:
        return self.proc.state() != QProcess.ProcessState.NotRunning

    def refresh(self) -> None:
        if not self.is_running():
            self._run(["-m", "trainer", "recipes", "--json"])

    def _run(self, args: Sequence[str]) -> None:
        self._args = list(args)
        self.proc.setProcessEnvironment(_process_env())
        self.proc.start(self.python, self._args)

    def _on_error(self, err: QProcess.ProcessError) -> None:
        if err == QProcess.ProcessError.FailedToStart:
            self.error.emit(f"could not run the trainer: {self.proc.errorString()}")

    def _done(self, code: int, _status) -> None:
        out = bytes(self.proc.readAllStandardOutput()).decode("utf-8", "replace")
        err = bytes(self.proc.readAllStandardError()).decode("utf-8", "replace").strip()
        recipes = parse_recipes(out) if code == 0 else []
        if recipes:
            self.recipes.emit(recipes)
        elif "--json" in self._args and "No module named" not in err:
            # an older trainer without --json: ask again for plain text, once this slot returns
            QTimer.singleShot(0, self, lambda: self._run([a for a in self._args if a != "--json"]))
        else:
            last = err.splitlines()[-1] if err else f"exit code {code}"
            self.error.emit(f"could not list the trainer's recipes: {last}")
