"""A model ready to run on numpy batches: device, inference mode, OOM fallback.

One API whatever runs underneath (eager torch on GPU or CPU; faster CPU back-ends can
slot in here without the pipeline knowing).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from colorstudio.core.devices import FallbackNote, describe, is_oom, pick_device

log = logging.getLogger(__name__)


class Predictor:
    """Wraps an nn.Module (colorizer or translator) for inference.

    ``run(x)`` takes float32 NCHW numpy and returns float32 NCHW numpy.  On CUDA/MPS
    out-of-memory it retries on the CPU once, remembers that in ``fallback`` and logs
    it; callers show ``fallback`` to the user.
    """

    def __init__(self, model, device: str = "auto"):
        import torch

        self.model = model.eval()
        self.device = pick_device(device)
        self.fallback: FallbackNote | None = None
        self._lock = threading.Lock()  # one forward at a time per predictor
        self._prepare(self.device)
        self.spec = getattr(model, "spec", None)
        self.name = self.spec.name if self.spec else type(model).__name__
        self._torch = torch

    def _prepare(self, device) -> None:
        import torch

        self.model.to(device)
        if device.type == "cpu":
            # channels_last lets oneDNN pick its fast conv kernels on CPU.
            self.model.to(memory_format=torch.channels_last)

    @property
    def device_name(self) -> str:
        return describe(self.device)

    def _forward(self, x: np.ndarray, method: str) -> np.ndarray:
        torch = self._torch
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(self.device)
        if self.device.type == "cpu":
            t = t.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            y = getattr(self.model, method)(t)
        return y.float().cpu().numpy()

    def run(self, x: np.ndarray, method: str = "forward") -> np.ndarray:
        with self._lock:
            try:
                return self._forward(x, method)
            except Exception as exc:
                if not is_oom(exc) or self.device.type == "cpu":
                    raise
                before = describe(self.device)
                log.warning("out of memory on %s; retrying on the CPU", before)
                if self.device.type == "cuda":
                    self._torch.cuda.empty_cache()
                self.device = pick_device("cpu")
                self._prepare(self.device)
                self.fallback = FallbackNote(before, describe(self.device), str(exc).splitlines()[0][:120])
                return self._forward(x, method)

    def predict_ab(self, x: np.ndarray) -> np.ndarray:
        """Colorizers: network input (N, 1 or 4, h, w) -> ab_norm (N, 2, h', w')."""
        return self.run(x, "predict_ab")


def load_predictor(name: str, device: str = "auto", weights: Any = True, **config) -> Predictor:
    """Create a registered model and wrap it for inference."""
    from colorstudio.models import create

    return Predictor(create(name, weights=weights, **config), device=device)
