"""A model ready to run on numpy batches: device, back-end, inference mode, OOM fallback.

One API whatever runs underneath: on the CPU the model runs through ONNX Runtime when
it is installed (a fused, exported copy; see :mod:`colorstudio.core.inference.backends`), else
through a conv+BN-fused channels_last copy in eager torch; on GPUs through the fused
copy in torch.  The caller's model object is never modified beyond ``.eval()`` and
``.to(device)``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np

from colorstudio.core.inference.backends import make_runner, resolve_backend, weights_version
from colorstudio.core.inference.devices import FallbackNote, available_memory, describe, is_oom, pick_device
from colorstudio.core.messages import one_line

log = logging.getLogger(__name__)


class Runner(Protocol):
    """What the pipeline and the batch stages need of a predictor: a :class:`Predictor`,
    or any stand-in (tests use fakes).  Colorizers are called through ``predict_ab``,
    translators through ``run``; ``fallback`` changes when a run fell back to the CPU."""

    spec: Any                        # the registry's ModelSpec (None: unregistered)
    name: str
    model: Any                       # the network (a ``models.layers.Network``)
    hint_planes: bool                # the network takes colour hints as input planes (its ModelSpec says);
                                     # every colorizer follows hints (pipeline.propagate_hints)
    fallback: FallbackNote | None

    def confidence(self, x: np.ndarray) -> np.ndarray | None: ...

    def colour_distribution(self, x: np.ndarray) -> np.ndarray | None: ...

    def bin_centres(self) -> np.ndarray | None: ...

    def predict_ab(self, x: np.ndarray) -> np.ndarray: ...

    def run(self, x: np.ndarray, method: str = "forward") -> np.ndarray: ...


@runtime_checkable
class Streams(Protocol):
    """A predictor that runs several inputs at once, each on a thread of its own
    (:meth:`Predictor.streams`, :meth:`Predictor.run_stream`)."""

    def streams(self, method: str = "forward") -> int: ...

    def run_stream(self, x: np.ndarray, method: str = "forward") -> np.ndarray: ...


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
        self.hint_planes = bool(self.spec is not None and self.spec.hints)
        # the default render size: the weights file's own, else the family's (registry.render_size)
        self.render_size = int(getattr(model, "render_size", None) or (self.spec.input_size if self.spec else 256))
        self.name = self.spec.name if self.spec else type(model).__name__
        self._torch = torch
        self._tensors = [*model.parameters(), *model.buffers()]
        self._act_per_pixel: float | None = None
        self._prepare(self.device)

    def _prepare(self, device, disk_cache: bool = True) -> None:
        self.model.to(device)
        fixed = self.spec.input_size if (self.spec and self.spec.fixed_size) else None
        self._runner = make_runner(self.model, device, self._backend, name=self.name,
                                   fixed_size=fixed, disk_cache=disk_cache,
                                   probe_size=self.render_size)
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

    def activation_bytes(self, shape: tuple[int, ...]) -> int:
        """An estimate of the memory one forward pass at input ``shape`` (N, C, h, w) takes:
        the sum of the convolutions' outputs (normalisations and activations run in place
        or fused), measured once on a small probe and scaled by the pixel count (these
        networks are fully convolutional).  Measured peak for unet-gan at 4096²: 8.3 GB."""
        if self._act_per_pixel is None:
            torch = self._torch
            side = 64
            c = shape[1] if len(shape) == 4 else 1
            total = [0]
            hooks = [m.register_forward_hook(lambda _m, _i, o: total.__setitem__(
                0, total[0] + (o.numel() * o.element_size() if isinstance(o, torch.Tensor) else 0)))
                for m in self.model.modules()
                if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear))]
            try:
                with torch.inference_mode():
                    p = next(self.model.parameters(), None)
                    self.model(torch.zeros(1, c, side, side, device=p.device if p is not None else "cpu"))
            finally:
                for h in hooks:
                    h.remove()
            self._act_per_pixel = total[0] / (side * side)
        n, h, w = shape[0], shape[-2], shape[-1]
        return int(self._act_per_pixel * n * h * w) + 4 * int(np.prod(shape))  # + the float32 input

    def _check_memory(self, x: np.ndarray) -> None:
        """Refuse (MemoryError, with the size that fits) a CPU run that cannot fit in memory."""
        free = available_memory()
        if self.device.type != "cpu" or free is None or x.ndim != 4 or x.shape[-1] * x.shape[-2] < 1 << 20:
            return
        need = self.activation_bytes(x.shape)
        if need > 0.8 * free:
            side = int((0.8 * free / max(1.0, need / (x.shape[-1] * x.shape[-2]))) ** 0.5) // 32 * 32
            raise MemoryError(f"running {self.name} at {x.shape[-1]}x{x.shape[-2]} needs about "
                              f"{need / 1e9:.1f} GB of memory, {free / 1e9:.1f} GB is free; use a render "
                              f"size of at most {max(32, side)}")

    @staticmethod
    def _finite(y: np.ndarray, name: str) -> np.ndarray:
        if not np.isfinite(y).all():
            raise FloatingPointError(f"{name} produced NaN or infinite values: its weights are damaged "
                                     "(retrain or reinstall the checkpoint)")
        return y

    def _out_of_memory(self, x: np.ndarray) -> MemoryError:
        """The one message for an allocation the network could not make, whatever raised it
        (torch's CPU allocator, CUDA, ONNX Runtime): one line, the size, what to do."""
        return MemoryError(f"not enough memory to run {self.name} at {x.shape[-1]}x{x.shape[-2]}; "
                           "try a smaller render size or close other programs")

    def run(self, x: np.ndarray, method: str = "forward") -> np.ndarray:
        """The network on ``x``.  Running out of memory raises :meth:`_out_of_memory`'s
        MemoryError (a GPU first falls back to the CPU, once); it is raised outside the
        ``except`` block so the failed run's frames -- its activations -- are let go first."""
        with self._lock:
            self._check_memory(x)
            try:
                return self._finite(self._forward(x, method), self.name)
            except Exception as exc:
                if not is_oom(exc):
                    raise
                reason = one_line(exc)[:120]
            if self.device.type == "cpu":
                raise self._out_of_memory(x)
            before = describe(self.device)
            log.warning("out of memory on %s; retrying on the CPU", before)
            if self.device.type == "cuda":
                self._runner = None
                self._torch.cuda.empty_cache()
            self.device = pick_device("cpu")
            self._prepare(self.device)
            self.fallback = FallbackNote(before, describe(self.device), reason)
            try:
                return self._finite(self._forward(x, method), self.name)
            except Exception as exc:
                if not is_oom(exc):
                    raise
            raise self._out_of_memory(x)

    def _torch_call(self, method: str, x: np.ndarray):
        """``model.<method>(x)`` in eager torch on the model's device (a tensor or None):
        for what only some families offer and no back-end exports (ONNX Runtime runs
        ``forward`` and ``predict_ab`` only), so every back-end answers the same."""
        fn = getattr(self.model, method, None)
        if fn is None:
            return None
        torch = self._torch
        with self._lock, torch.inference_mode():
            p = next(self.model.parameters(), None)
            try:
                return fn(torch.from_numpy(np.ascontiguousarray(x)).to(p.device if p is not None else "cpu"))
            except Exception as exc:
                if not is_oom(exc):
                    raise
            raise self._out_of_memory(x)

    def confidence(self, x: np.ndarray) -> np.ndarray | None:
        """Colorizers that can say how sure they are (a bin head): the network input ->
        (h', w') float32, 0 (guessing) .. 1 (sure); None for the others."""
        y = self._torch_call("confidence", x)
        return None if y is None else y[0, 0].float().cpu().numpy()

    def colour_distribution(self, x: np.ndarray) -> np.ndarray | None:
        """Colorizers with a bin head: the network input -> the probability of each bin
        (:meth:`bin_centres`) at each cell, (N, Q, h', w') float32 summing to 1 over Q;
        None for the others."""
        y = self._torch_call("colour_distribution", x)
        return None if y is None else y.float().cpu().numpy()

    def bin_centres(self) -> np.ndarray | None:
        """(Q, 2) float32 ab (Lab units) of the bin head's bins; None without a bin head."""
        fn = getattr(self.model, "bin_centres", None)
        c = fn() if fn is not None else None
        return None if c is None else c.detach().float().cpu().numpy()

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
        self._check_memory(x)
        try:
            y = call(x, method)
        except Exception as exc:
            if not is_oom(exc):
                raise
        else:
            return self._finite(y, self.name)
        raise self._out_of_memory(x)

