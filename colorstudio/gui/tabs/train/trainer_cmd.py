"""How the GUI starts the trainer: the request, its argument list, the environment, where
the trainer keeps its presets, and the worker processes it spawns (``--nproc`` > 1 runs them
under torchrun).

The GUI never imports the trainer: it runs ``python -m trainer ...`` in a subprocess.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from importlib.machinery import PathFinder
from pathlib import Path

from PySide6.QtCore import QProcessEnvironment

from colorstudio.core.io.runs import LAST_CHECKPOINT, PARENT_PID_ENV

# The folder that holds the colorstudio package -- in a checkout (or a wheel's site-packages)
# the trainer's too: put first on the trainer's path, so it runs from wherever the app started.
CHECKOUT = Path(__file__).resolve().parents[4]


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
    config: str = ""   # a TOML of settings (the CPU preset when fine-tuning)
    init: str = ""     # weights to start from (the shipped model when fine-tuning)

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
        if self.init and not Path(self.init).is_file():
            raise ValueError(f"weights to start from not found: {self.init}")


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
    if req.config and not req.resume:
        args += ["--config", str(req.config)]
    if req.init and not req.resume:
        args += ["--init", str(req.init)]
    return args + list(req.extra)


def process_env() -> QProcessEnvironment:
    """The trainer's environment: unbuffered output, the checkout importable."""
    env = QProcessEnvironment.systemEnvironment()
    env.insert("PYTHONUNBUFFERED", "1")   # live log lines
    env.insert(PARENT_PID_ENV, str(os.getpid()))   # the trainer ends when the studio does
    # The checkout's root must be importable even when the app was started from elsewhere.
    old = env.value("PYTHONPATH", "")
    env.insert("PYTHONPATH", str(CHECKOUT) + (os.pathsep + old if old else ""))
    return env


def trainer_presets() -> Path | None:
    """The trainer's presets folder (``<recipe>-cpu.toml``, its package data) of the trainer
    ``python -m trainer`` runs -- its working folder first, then :data:`CHECKOUT`, then this
    interpreter's path -- found without importing it; None when there is none (a frozen
    build ships no presets)."""
    spec = PathFinder.find_spec("trainer", [os.getcwd(), str(CHECKOUT), *sys.path])
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "presets"
    return folder.resolve() if folder.is_dir() else None


def descendants(pid: int) -> list[int]:
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
