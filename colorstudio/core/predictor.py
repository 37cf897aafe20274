"""A model ready to run on numpy batches: device, back-end, inference mode, OOM fallback.

One API whatever runs underneath: on the CPU the model runs through ONNX Runtime when
it is installed (a fused, exported copy; see :mod:`colorstudio.core.backends`), else
through a conv+BN-fused channels_last copy in eager torch; on GPUs through the fused
copy in torch.  The caller's model object is never modified beyond ``.eval()`` and
``.to(device)``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from colorstudio.core.backends import make_runner, resolve_backend, weights_version
from colorstudio.core.devices import FallbackNote, describe, is_oom, pick_device

log = logging.getLogger(__name__)


class Predictor:
    """Wraps an nn.Module (colorizer or translator) for inference.

    ``run(x)`` takes float32 NCHW numpy and returns float32 NCHW numpy.  On CUDA/MPS
    out-of-memory it retries on the CPU once, remembers that in ``fallback`` and logs
    it; callers show ``fallback`` to the user.  ``backend`` names what runs the net
    ('onnxruntime' or 'torch'; with backend='auto' on the CPU, ONNX Runtime unless torch
    is clearly faster for this model); ``backend_note`` says why ORT is not used.
    Weights changed in place after construction (an optimizer step, load_state_dict)
    are noticed and the fused copy / export is rebuilt before the next run.
    """

    def __init__(self, model, device: str = "auto", backend: str = "auto"):
        import torch

        self.model = model.eval()
        self.device = pick_device(device)
        self.fallback: FallbackNote | None = None
        self._backend = resolve_backend(backend)
        self._lock = threading.Lock()  # one forward at a time per predictor
        self.spec = getattr(model, "spec", None)
        self.name = self.spec.name if self.spec else type(model).__name__
        self._torch = torch
        self._tensors = [*model.parameters(), *model.buffers()]
        self._prepare(self.device)

    def _prepare(self, device, disk_cache: bool = True) -> None:
        self.model.to(device)
        fixed = self.spec.input_size if (self.spec and self.spec.fixed_size) else None
        self._runner = make_runner(self.model, device, self._backend, name=self.name,
                                   fixed_size=fixed, disk_cache=disk_cache,
                                   probe_size=self.spec.input_size if self.spec else 256)
        self._version = weights_version(self._tensors)

    @property
    def device_name(self) -> str:
        return describe(self.device)

    @property
    def backend(self) -> str:
        """'onnxruntime' or 'torch': what runs the network now."""
        return self._runner.name

    @property
    def backend_note(self) -> str | None:
        return self._runner.note

    def warm_up(self, method: str = "forward") -> None:
        """Build the back-end for ``method`` now (export/compile), not on the first image."""
        with self._lock:
            self._refresh_if_changed()
            if hasattr(self._runner, "prepare"):
                self._runner.prepare(method)

    def _refresh_if_changed(self) -> None:
        if weights_version(self._tensors) != self._version:
            # Weights moved since the runner was built (training previews): rebuild,
            # in memory only so a training run does not fill the disk cache.
            self._prepare(self.device, disk_cache=False)

    def _forward(self, x: np.ndarray, method: str) -> np.ndarray:
        self._refresh_if_changed()
        return self._runner(x, method)

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
                    self._runner = None
                    self._torch.cuda.empty_cache()
                self.device = pick_device("cpu")
                self._prepare(self.device)
                self.fallback = FallbackNote(before, describe(self.device), str(exc).splitlines()[0][:120])
                return self._forward(x, method)

    def predict_ab(self, x: np.ndarray) -> np.ndarray:
        """Colorizers: network input (N, 1 or 4, h, w) -> ab_norm (N, 2, h', w')."""
        return self.run(x, "predict_ab")

    def streams(self, method: str = "forward") -> int:
        """How many threads may call :meth:`run_stream` at once for best throughput on many
        inputs (CPU + ONNX Runtime: one per core, each single-threaded; else 1)."""
        with self._lock:
            self._refresh_if_changed()
            fn = getattr(self._runner, "streams", None)
            return fn(method) if fn is not None else 1

    def run_stream(self, x: np.ndarray, method: str = "forward") -> np.ndarray:
        """:meth:`run` for throughput: with ``streams(method)`` > 1 several threads run
        their inputs at the same time, each on one core; otherwise it is :meth:`run`."""
        with self._lock:
            self._refresh_if_changed()
            runner = self._runner
        call = getattr(runner, "call_stream", None)
        if call is None or self.device.type != "cpu":
            return self.run(x, method)
        return call(x, method)


def load_predictor(name: str, device: str = "auto", weights: Any = True, backend: str = "auto",
                   **config) -> Predictor:
    """Create a registered model and wrap it for inference, ready to run: the back-end is
    built here (e.g. the ONNX export, ~0.5 s once, then cached) rather than on the first image."""
    from colorstudio.models import create

    pred = Predictor(create(name, weights=weights, **config), device=device, backend=backend)
    pred.warm_up("predict_ab" if pred.spec is None or pred.spec.task == "colorize" else "forward")
    return pred
