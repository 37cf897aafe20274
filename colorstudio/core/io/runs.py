"""A training run's folder and its metrics stream: the one place that knows both.

The trainer writes run folders, the app reads them; neither imports the other, both
import this module (Qt-free, torch-free, standard library only).

Layout of a run folder ``RUN/`` (see :class:`RunLayout`)::

    config.json            the resolved recipe (``TrainConfig.to_dict()``), written at start
    metrics.jsonl          the event stream below, appended to, one flushed line per record
    val_files.txt          the held-out files, one path a line
    checkpoints/last.pt    the training checkpoint (``--resume`` continues from it)
    samples/latest.png     input | prediction | truth grid, newest; also ``samples/<tag>.png``
    model.safetensors      the exported generator, written when the run ends
    tb/                    TensorBoard event files, only when tensorboard is importable
    .lock                  held (flock) by the one process training into the folder

Schema of ``metrics.jsonl`` (one JSON object per line; the dashboard reads exactly this)::

    {"kind":"train","step":int,"epoch":int,"time":s_since_start,"wall":unix,"lr":float,
     "images_per_s":float,"total_steps":int,"eta":s_left,"loss/<name>":float,...}
    {"kind":"val","step":int,"epoch":int,"time":s,"wall":unix,"val/<metric>":float,...}
    {"kind":"event","event":"start"|"checkpoint"|"stage"|"end"|"error","time":s,"wall":unix,"message":str}

A resumed run's start event has ``"resumed_from": step``: points of earlier lines with a
larger step were logged after the last checkpoint and are superseded by the new ones.
Non-finite numbers are written as ``null``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from colorstudio.core.errors import UserError
from colorstudio.core.messages import format_eta

# ----------------------------------------------------------------------------- layout
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
VAL_FILES = "val_files.txt"
CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_NAME = "last.pt"
SAMPLES_DIR = "samples"
LATEST_SAMPLE = "latest.png"
MODEL_FILE = "model.safetensors"
TENSORBOARD_DIR = "tb"
LOCK_FILE = ".lock"
# Set by the studio for the trainer it starts: the trainer ends when that process does.
PARENT_PID_ENV = "COLORSTUDIO_PARENT_PID"

LAST_CHECKPOINT = Path(CHECKPOINT_DIR) / CHECKPOINT_NAME   # relative to the run folder
SAMPLE_FILE = Path(SAMPLES_DIR) / LATEST_SAMPLE            # relative to the run folder


@dataclass(frozen=True)
class RunLayout:
    """The paths of one run folder (nothing is created or checked)."""

    root: Path

    def __init__(self, root: str | os.PathLike):
        object.__setattr__(self, "root", Path(root))

    @property
    def config(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def metrics(self) -> Path:
        return self.root / METRICS_FILE

    @property
    def val_files(self) -> Path:
        return self.root / VAL_FILES

    @property
    def checkpoints(self) -> Path:
        return self.root / CHECKPOINT_DIR

    @property
    def checkpoint(self) -> Path:
        return self.root / LAST_CHECKPOINT

    @property
    def samples(self) -> Path:
        return self.root / SAMPLES_DIR

    def sample(self, tag: str) -> Path:
        """``samples/<tag>.png`` (``tag`` 'latest' is the newest grid)."""
        return self.samples / f"{tag}.png"

    @property
    def model(self) -> Path:
        return self.root / MODEL_FILE

    @property
    def tensorboard(self) -> Path:
        return self.root / TENSORBOARD_DIR


class RunInUse(UserError, RuntimeError):
    """Another process is training into this run folder."""


class RunLock:
    """One training per run folder: an exclusive ``flock`` on ``RUN/.lock`` that the OS
    releases when the process ends, however it ends (no stale locks after a kill).
    Where ``fcntl`` is missing (Windows) the lock is a no-op."""

    def __init__(self, root: str | os.PathLike):
        self.path = Path(root) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        try:
            import fcntl
        except ImportError:
            return self
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                other = os.read(fd, 32).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            raise RunInUse(f"{self.path.parent} is in use by another training"
                           f"{f' (process {other})' if other.isdigit() else ''}; wait for it to end, "
                           "or choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)   # closing drops the flock
            self._fd = None

    def check(self) -> None:
        """Raise RunInUse when another process holds the lock (takes and drops it)."""
        if self.path.parent.is_dir():
            self.acquire().release()


def new_run_folder(runs_dir: str | os.PathLike, recipe: str, now: float | None = None) -> Path:
    """A new run's folder under ``runs_dir``: ``<recipe>-<YYYYmmdd-HHMMSS>``, ``-2``, ``-3``
    ... when that exists (the trainer and the Train tab name runs alike)."""
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    base = Path(runs_dir) / f"{recipe}-{stamp}"
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out


# ----------------------------------------------------------------------------- schema
KINDS = ("train", "val", "event")
EVENTS = ("start", "checkpoint", "stage", "end", "error")   # stage: the recipe changes phase (an encoder unfreezes)
LOSS_PREFIX = "loss/"
VAL_PREFIX = "val/"


# ----------------------------------------------------------------------------- reading
class MetricsReader:
    """Incremental reader of a JSON-lines file: ``read_new()`` returns complete new records.

    Keeps the byte offset of the last complete line; bytes after the last newline stay
    buffered until the line is finished (a line torn by a killed writer is never read).
    Lines that are not JSON objects are skipped and counted in ``skipped``.  A missing
    file reads as no records.  If the file shrinks (a new run replaced it), reading
    restarts from the beginning and ``reset`` is set until the next call.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.offset = 0
        self._partial = b""
        self.skipped = 0          # malformed lines seen so far
        self.reset = False

    def read_new(self) -> list[dict[str, Any]]:
        """The records completed since the last call, oldest first."""
        self.reset = False
        try:
            size = self.path.stat().st_size
        except OSError:
            return []
        if size < self.offset + len(self._partial):  # truncated or replaced
            self.offset, self._partial, self.reset = 0, b"", True
        start = self.offset + len(self._partial)
        if size == start:
            return []
        try:
            with open(self.path, "rb") as f:
                f.seek(start)
                chunk = f.read(size - start)
        except OSError:
            return []
        data = self._partial + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            self._partial = data
            return []
        complete, self._partial = data[:cut + 1], data[cut + 1:]
        self.offset += len(complete)
        return self._parse(complete.splitlines())

    def _parse(self, lines: Iterable[bytes]) -> list[dict[str, Any]]:
        out = []
        for raw in lines:
            raw = raw.strip()
            if not raw:
                continue
            try:
                rec = json.loads(raw)
            except (ValueError, UnicodeDecodeError, RecursionError):
                self.skipped += 1
                continue
            if isinstance(rec, dict):
                out.append(rec)
            else:
                self.skipped += 1
        return out


def read_metrics(path: str | os.PathLike) -> list[dict[str, Any]]:
    """All complete, well-formed records of a metrics.jsonl, in file order ([] when the
    file is missing; a half-written last line and malformed lines are left out)."""
    return MetricsReader(path).read_new()


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


@dataclass
class RunSeries:
    """Curves of one run, keyed ``loss/<name>``, ``val/<metric>``, ``lr``, ``images_per_s``.

    x is the global ``step`` (the record's position when a line has none).
    """

    xs: dict[str, list[float]] = field(default_factory=dict)
    ys: dict[str, list[float]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0
    last_train: dict[str, Any] = field(default_factory=dict)   # progress: step, total_steps, eta

    CURVE_PREFIXES = (LOSS_PREFIX, VAL_PREFIX)
    CURVE_KEYS = ("lr", "images_per_s")

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        for rec in records:
            kind = rec.get("kind")
            if kind == "event":
                self.events.append(rec)
                resumed = _number(rec.get("resumed_from")) if rec.get("event") == "start" else None
                if resumed is not None:
                    self._drop_after(resumed)
                continue
            if kind not in ("train", "val"):
                continue
            self.records += 1
            if kind == "train":
                self.last_train = rec
            x = _number(rec.get("step"))
            x = float(self.records) if x is None else x
            for key, value in rec.items():
                if not (key in self.CURVE_KEYS or key.startswith(self.CURVE_PREFIXES)):
                    continue
                y = _number(value)
                if y is None or y != y:  # skip non-numbers and NaN
                    continue
                self.xs.setdefault(key, []).append(x)
                self.ys.setdefault(key, []).append(y)

    def _drop_after(self, step: float) -> None:
        """A resume from ``step``: points logged after it by the killed run are superseded."""
        for key in list(self.xs):
            keep = [i for i, x in enumerate(self.xs[key]) if x <= step]
            self.xs[key] = [self.xs[key][i] for i in keep]
            self.ys[key] = [self.ys[key][i] for i in keep]

    def progress(self) -> str:
        """``step 130 of 3748 · epoch 1 · 2:03 elapsed · ETA 55:10`` from the last train point."""
        r = self.last_train
        step, total = _number(r.get("step")), _number(r.get("total_steps"))
        if step is None:
            return ""
        parts = [f"step {int(step)}" + (f" of {int(total)}" if total else "")]
        epoch = _number(r.get("epoch"))
        if epoch is not None:
            parts.append(f"epoch {int(epoch) + 1}")
        t = _number(r.get("time"))
        if t is not None:
            parts.append(f"{format_eta(t)} elapsed")
        eta = _number(r.get("eta"))
        if eta is not None:
            parts.append(f"ETA {format_eta(eta)}")
        return " · ".join(parts)

    def keys(self) -> list[str]:
        """The curve names, sorted."""
        return sorted(self.xs)

    def curve(self, key: str) -> tuple[list[float], list[float]]:
        """(steps, values) of one curve; two empty lists for an unknown key."""
        return self.xs.get(key, []), self.ys.get(key, [])

    def as_dict(self) -> dict[str, tuple[list[float], list[float]]]:
        """Every curve: name -> (steps, values)."""
        return {k: (self.xs[k], self.ys[k]) for k in self.xs}

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "RunSeries":
        """The curves of a whole metrics.jsonl (empty when it is missing)."""
        s = cls()
        s.add(read_metrics(path))
        return s


# ----------------------------------------------------------------------------- runs
def run_folders(runs_dir: str | os.PathLike) -> list[Path]:
    """Run folders (those holding a metrics.jsonl) directly under ``runs_dir``, newest
    first (by the metrics file's modification time); [] when ``runs_dir`` is no folder."""
    root = Path(runs_dir).expanduser()
    if not root.is_dir():
        return []
    runs = [p for p in root.iterdir() if (p / METRICS_FILE).is_file()]
    return sorted(runs, key=lambda p: (p / METRICS_FILE).stat().st_mtime, reverse=True)


def read_run_config(run: str | os.PathLike) -> dict[str, Any]:
    """RUN/config.json as a dict ({} when missing or unreadable)."""
    from colorstudio.core.io.textfiles import read_json_object

    return read_json_object(RunLayout(run).config)


@dataclass(frozen=True)
class RunInfo:
    """What one run folder holds, as :func:`find_runs` reads it."""

    path: Path                      # the run folder
    status: str                     # 'finished' (an end event), 'failed' (an error event last),
                                    # 'partial' (running, killed or never ended)
    weights: Path | None            # RUN/model.safetensors when the run exported it, else None
    checkpoint: Path | None         # RUN/checkpoints/last.pt when present (resumable), else None
    recipe: str                     # config.json's recipe ('' when unknown), e.g. 'unet-gan'
    family: str                     # registry name of the trained model ('' when unknown)
    task: str                       # 'colorize' or 'translate' ('' when unknown)
    step: int | None                # the last step logged (None: no train/val line yet)
    scores: dict[str, float]        # the last validation's metrics, without the 'val/' prefix
    reason: str = ""                # the end event's message (why it stopped), or the error's
    modified: float = 0.0           # metrics.jsonl's modification time (unix seconds)

    @property
    def name(self) -> str:
        return self.path.name


def run_info(run: str | os.PathLike) -> RunInfo:
    """The :class:`RunInfo` of one run folder (read from its config.json, metrics.jsonl
    and the files present; a folder without them gives an empty, 'partial' info)."""
    lay = RunLayout(run)
    cfg = read_run_config(lay.root)
    status, reason, step, scores = "partial", "", None, {}
    for rec in read_metrics(lay.metrics):
        kind = rec.get("kind")
        if kind == "event":
            ev = rec.get("event")
            if ev in ("start", "end", "error"):
                status = {"start": "partial", "end": "finished", "error": "failed"}[ev]
                reason = "" if ev == "start" else str(rec.get("message", ""))
            continue
        s = _number(rec.get("step"))
        if s is not None:
            step = int(s)
        if kind == "val":
            scores = {k[len(VAL_PREFIX):]: float(v) for k, v in rec.items()
                      if k.startswith(VAL_PREFIX) and _number(v) is not None}
    try:
        modified = lay.metrics.stat().st_mtime
    except OSError:
        modified = 0.0
    return RunInfo(lay.root, status, lay.model if lay.model.is_file() else None,
                   lay.checkpoint if lay.checkpoint.is_file() else None,
                   str(cfg.get("recipe") or ""), str(cfg.get("family") or ""), str(cfg.get("task") or ""),
                   step, scores, reason, modified)


def find_runs(runs_dir: str | os.PathLike) -> list[RunInfo]:
    """Every run folder directly under ``runs_dir`` (one holding a metrics.jsonl),
    finished or not, newest first, as :class:`RunInfo`: its exported weights path (None
    until the run has ended and exported), recipe, family, task, status, last step and
    final validation scores.  [] when ``runs_dir`` is no folder."""
    return [run_info(p) for p in run_folders(runs_dir)]
