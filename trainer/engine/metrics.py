"""The trainer -> GUI event stream: RUN/metrics.jsonl, one JSON object per line, flushed.

The schema, the run folder's layout and the one reader (``read_metrics``) live in
:mod:`colorstudio.core.io.runs`, which the dashboard reads too.  TensorBoard event files
are written beside it only when tensorboard is importable.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Mapping

from colorstudio.core.io.runs import EVENTS, LOSS_PREFIX, VAL_PREFIX, RunLayout


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None  # JSON has no NaN/inf; null keeps every line parseable
    return v


def drop_torn_line(path: Path) -> None:
    """Cut a last line that a kill left without its newline: appended to, it would
    swallow the next record.  Complete lines always end with one."""
    try:
        with path.open("rb+") as f:
            size = f.seek(0, 2)
            if size == 0:
                return
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return
            back = min(size, 1 << 20)
            f.seek(size - back)
            tail = f.read(back)
            cut = tail.rfind(b"\n")
            f.truncate(size - back + cut + 1 if cut >= 0 else 0)
    except FileNotFoundError:
        return


class MetricsWriter:
    """Appends to RUN/metrics.jsonl (resumed runs continue the same file).

    ``time_offset`` carries the elapsed time of earlier sessions of a resumed run, so
    "time" keeps growing across restarts.  Disabled writers (DDP ranks > 0) do nothing.
    """

    def __init__(self, run_dir: str | Path, enabled: bool = True, time_offset: float = 0.0,
                 tensorboard: bool = True):
        self.enabled = enabled
        layout = RunLayout(run_dir)
        self.path = layout.metrics
        self.t0 = time.time() - time_offset
        self._f = None
        self._tb = None
        if enabled:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            drop_torn_line(self.path)
            self._f = self.path.open("a", encoding="utf-8")
            if tensorboard:
                try:
                    from torch.utils.tensorboard import SummaryWriter  # needs tensorboard
                    self._tb = SummaryWriter(str(layout.tensorboard))
                except Exception:  # noqa: BLE001 -- tensorboard is optional, broken installs too
                    self._tb = None

    def elapsed(self) -> float:
        return time.time() - self.t0

    def _write(self, obj: dict[str, Any]) -> None:
        if not self._f:
            return
        self._f.write(json.dumps({k: _clean(v) for k, v in obj.items()}) + "\n")
        self._f.flush()

    def train(self, step: int, epoch: int, lr: float, images_per_s: float,
              losses: Mapping[str, float], total_steps: int | None = None, eta: float | None = None) -> None:
        obj = {"kind": "train", "step": int(step), "epoch": int(epoch), "time": round(self.elapsed(), 3),
               "wall": round(time.time(), 3), "lr": float(lr), "images_per_s": round(float(images_per_s), 3)}
        if total_steps is not None:
            obj["total_steps"] = int(total_steps)
        if eta is not None:
            obj["eta"] = round(float(eta), 1)
        obj.update({f"{LOSS_PREFIX}{k}": float(v) for k, v in losses.items()})
        self._write(obj)
        self._scalars(obj, step)

    def val(self, step: int, epoch: int, values: Mapping[str, float]) -> None:
        obj = {"kind": "val", "step": int(step), "epoch": int(epoch), "time": round(self.elapsed(), 3),
               "wall": round(time.time(), 3)}
        obj.update({f"{VAL_PREFIX}{k}": float(v) for k, v in values.items()})
        self._write(obj)
        self._scalars(obj, step)

    def event(self, event: str, message: str = "", **extra: Any) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; one of {EVENTS}")
        obj = {"kind": "event", "event": event, "time": round(self.elapsed(), 3),
               "wall": round(time.time(), 3), "message": str(message)}
        obj.update(extra)
        self._write(obj)

    def _scalars(self, obj: dict[str, Any], step: int) -> None:
        if self._tb is None:
            return
        for k, v in obj.items():
            if "/" in k or k in ("lr", "images_per_s"):
                if isinstance(v, (int, float)) and math.isfinite(v):
                    self._tb.add_scalar(k, v, step)

    def close(self) -> None:
        if self._f:
            self._f.close()
            self._f = None
        if self._tb is not None:
            self._tb.close()
            self._tb = None

