"""What the training loop does around its steps, as hooks the loop calls (detectron2's
HookBase): the loss curve and the console (:class:`LogHook`), checkpoints
(:class:`CheckpointHook`), validation and sample predictions (:class:`ValidationHook`).
The loop itself only steps, counts and decides when to stop; a new habit of the run
(say, a learning-rate probe) is a new hook, not another branch in the loop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from trainer.engine.console import ConsoleProgress
from trainer.settings import TrainConfig
from trainer.engine.metrics import MetricsWriter

LOG_SECONDS = 15.0   # a train point at least this often, whatever log_every says


class TrainerView(Protocol):
    """What a hook sees of the running trainer and may ask of it (``trainer.engine.loop.
    Trainer`` is one; the loop is not imported here: it imports this module)."""

    step: int                  # steps done, this one included
    epoch: int                 # the epoch under way (after an epoch: the next one)
    metrics: MetricsWriter     # the run's metrics.jsonl (rank 0 writes it)

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that logs, validates and checkpoints."""

    @property
    def total_steps(self) -> int:
        """Where the run ends if no budget or signal stops it first."""

    def lr(self) -> float: ...

    def eta(self) -> float | None:
        """Seconds left, None before the first step of this session."""

    def elapsed(self, now: float) -> float:
        """Seconds trained at the wall-clock time ``now``, earlier sessions included."""

    def save_checkpoint(self) -> Path: ...

    def evaluate_and_log(self, tag: str | None) -> None:
        """Held-out scores into the metrics (every rank calls it); ``tag``: samples too."""

    def save_samples(self, tag: str) -> None:
        """Sample predictions of the held-out images under ``tag`` (rank 0)."""


@dataclass
class StepInfo:
    """One finished step, as the hooks see it."""

    logs: dict[str, float]     # this step's losses
    images: int                # images of the step, over all processes
    reason: str | None         # why the run ends after this step; None: it goes on
    epoch_end: bool            # the step was the last of its epoch


class Hook:
    def before_train(self, t: TrainerView) -> None:
        """Once, before the first step of this session (a resumed run: its first here)."""

    def after_step(self, t: TrainerView, info: StepInfo) -> None:
        """After every step (``t.step`` already counts it)."""

    def after_epoch(self, t: TrainerView) -> None:
        """After an epoch (``t.epoch`` is the next one; the schedule has stepped)."""

    def after_train(self, t: TrainerView) -> None:
        """Once after this session's last step, also when a step failed (what
        :meth:`before_train` opened closes here); before the run's final validation."""


class LogHook(Hook):
    """A train point (means over the steps since the last one, the rate, the ETA) every
    ``log_every`` steps, and also at the session's first step, at each epoch's end, at
    the last step and after :data:`LOG_SECONDS` without one: a short run, or a slow CPU,
    shows its curve at once.  Rank 0 only."""

    def __init__(self, log_every: int):
        self.every = max(1, int(log_every))
        self.console: ConsoleProgress | None = None

    def before_train(self, t: TrainerView) -> None:
        self.start_step = t.step
        self.window_t, self.window_n, self.window_logs = time.time(), 0, {}
        self.console = ConsoleProgress()

    def after_step(self, t: TrainerView, info: StepInfo) -> None:
        self.window_n += info.images
        for k, v in info.logs.items():
            self.window_logs.setdefault(k, []).append(v)
        now = time.time()
        if not t.is_main or not (t.step % self.every == 0 or t.step == self.start_step + 1 or info.epoch_end
                                   or info.reason or now - self.window_t >= LOG_SECONDS):
            return
        rate = self.window_n / max(1e-9, now - self.window_t)
        means = {k: float(np.mean(v)) for k, v in self.window_logs.items()}
        eta = t.eta()
        t.metrics.train(t.step, t.epoch, t.lr(), rate, means, total_steps=t.total_steps, eta=eta)
        if self.console is not None:
            self.console.update(t.step, t.total_steps, t.epoch, t.elapsed(now), eta, means, rate)
        self.window_t, self.window_n, self.window_logs = now, 0, {}

    def after_train(self, t: TrainerView) -> None:
        if self.console is not None:
            self.console.close()


class CheckpointHook(Hook):
    """A checkpoint (and its event) every ``every`` steps, on rank 0."""

    def __init__(self, every: int):
        self.every = max(1, int(every))

    def after_step(self, t: TrainerView, info: StepInfo) -> None:
        if t.step % self.every == 0 and t.is_main:
            t.save_checkpoint()
            t.metrics.event("checkpoint", f"step {t.step}", step=t.step)


class ValidationHook(Hook):
    """Held-out scores every ``val_every`` steps (with the 'latest' samples) and at each
    epoch's end but the last (with that epoch's samples; the run's end validates itself)."""

    def __init__(self, val_every: int, epochs: int):
        self.every = int(val_every)
        self.epochs = int(epochs)

    def after_step(self, t: TrainerView, info: StepInfo) -> None:
        if self.every and t.step % self.every == 0:
            t.evaluate_and_log(None)
            t.save_samples("latest")

    def after_epoch(self, t: TrainerView) -> None:
        if t.epoch < self.epochs:
            t.evaluate_and_log(f"epoch_{t.epoch:04d}")


def default_hooks(cfg: TrainConfig) -> list[Hook]:
    """The run's hooks, in the order they act after a step: log, checkpoint, validate."""
    return [LogHook(cfg.log_every), CheckpointHook(cfg.checkpoint_every or cfg.log_every),
            ValidationHook(cfg.val_every, cfg.epochs)]
