"""Inference back-ends behind :class:`~colorstudio.core.inference.predictor.Predictor`.

Why: eager torch leaves most of a 2-core CPU idle on small conv nets.  Two things make
the same model run close to the machine's matmul peak:

* ``fuse_conv_bn``: a deep copy of the model with every Conv(+Transpose)->BatchNorm
  pair folded into one conv (the caller's model and its state dict stay untouched);
* ONNX Runtime on the CPU: the fused copy is exported (dynamic batch/height/width;
  weights read from a file are cached on disk, keyed by a hash of the weights and the
  export settings) and run by ORT, whose blocked-layout kernels beat eager torch 2-3x
  on these nets.

Every runner takes and returns float32 NCHW numpy, so the pipeline never knows which
one runs.  Torch stays the engine on GPUs and wherever ORT is missing or an export
does not reproduce the torch output (then the reason is logged and kept in ``note``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import io
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from colorstudio.core.inference.export_cache import CACHE_KEEP, _prune, user_cache_dir, weights_hash
from colorstudio.core.messages import one_line

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnxruntime")
ONNX_OPSET = 17
_EXPORT_VERSION = 2  # bump when the export recipe changes: invalidates cached files


class BackendError(RuntimeError):
    """A back-end could not be built for this model (the caller falls back to torch)."""


# ------------------------------------------------------------------------ torch helpers

def fuse_conv_bn(model):
    """An eval-mode deep copy of ``model`` with Conv->BatchNorm pairs fused.

    Only pairs that follow each other inside an ``nn.Sequential`` are fused (there the
    conv's output provably feeds only the BN).  The original model is not modified, so
    its state dict still saves and loads as before.
    """
    from torch import nn
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    fused = copy.deepcopy(model).eval()
    for seq in [m for m in fused.modules() if isinstance(m, nn.Sequential)]:
        for i in range(len(seq) - 1):
            conv, bn = seq[i], seq[i + 1]
            if (type(bn) is nn.BatchNorm2d and bn.running_mean is not None
                    and type(conv) in (nn.Conv2d, nn.ConvTranspose2d)):
                seq[i] = fuse_conv_bn_eval(conv, bn, transpose=type(conv) is nn.ConvTranspose2d)
                seq[i + 1] = nn.Identity()
    return fused


def input_channels(model) -> int:
    """Channels the net expects: its own ``in_channels`` when it declares them (a net that
    folds its input before the first convolution), else those of its first convolution."""
    from torch import nn

    declared = getattr(model, "in_channels", None)
    if isinstance(declared, int) and declared > 0:
        return declared
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            return int(m.in_channels)
    raise BackendError(f"{type(model).__name__} has no convolution to infer its input channels from")


def weights_version(tensors) -> int:
    """Sum of the in-place version counters: changes whenever any weight is updated."""
    total = 0
    for t in tensors:
        try:
            total += t._version
        except RuntimeError:  # inference tensors have no version counter (and never change)
            pass
    return total


def resolve_backend(name: str | None) -> str:
    """'auto' | 'torch' | 'onnxruntime'; ``COLORSTUDIO_BACKEND`` sets the default."""
    name = (name or "auto").lower()
    if name == "auto":
        name = os.environ.get("COLORSTUDIO_BACKEND", "auto").lower() or "auto"
    if name in ("ort", "onnx"):
        name = "onnxruntime"
    if name not in BACKENDS:
        raise ValueError(f"unknown inference backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return name


def ort_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------- runners

class TorchRunner:
    """Fused eager torch under inference_mode; channels_last on the CPU."""

    name = "torch"

    def __init__(self, model, device):
        import torch

        self.device = device
        self.exec_model = fuse_conv_bn(model).to(device)
        self.channels_last = device.type == "cpu"
        if self.channels_last:
            self.exec_model.to(memory_format=torch.channels_last)
        self.note: str | None = None

    def __call__(self, x: np.ndarray, method: str) -> np.ndarray:
        import torch

        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(self.device)
        if self.channels_last and t.ndim == 4:
            t = t.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            y = getattr(self.exec_model, method)(t)
        return np.ascontiguousarray(y.float().cpu().numpy())


def _method_module(model, method: str):
    """An nn.Module whose forward is ``model.<method>``: what gets exported."""
    from torch import nn

    if method == "forward":
        return model

    class Method(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = model

        def forward(self, x):
            return getattr(self.m, method)(x)

    return Method()


class OrtRunner:
    """ONNX Runtime on the CPU; one session per model method, built on first use.

    Each export (dynamic batch, height and width) is checked against the fused torch
    model on an input of another batch size and shape than the one exported, so a trace
    that froze a shape is caught; a method whose export fails or disagrees runs on torch
    and says why in ``note``.  Fixed-size nets are checked at their size, and once more
    at each other size they are given; an input ORT rejects runs on torch.

    With ``autotune`` each method is timed once on both engines at ``probe_size`` and
    runs on torch where that is clearly faster (e.g. a softmax over 313 ab bins, which
    ORT computes slowly across channels); batches (n > 1) are timed again on the first
    batch a method gets -- whole on either engine, or one image at a time -- since a batch
    can cost more per image than one image on a CPU (:meth:`_tune_batch`).

    Throughput mode (:meth:`streams`, :meth:`call_stream`): ``threads`` callers each run
    their own input on one thread of a single-threaded session, at the same time.  Many
    small images (a batch of frames) go about 10% faster that way than one at a time on
    all threads, since no thread waits for the others after each layer.
    """

    AUTOTUNE_MARGIN = 1.15  # torch must be this much faster to be chosen

    def __init__(self, model, device, *, threads: int | None = None, fixed_size: int | None = None,
                 name: str = "model", disk_cache: bool = True, autotune: bool = False,
                 probe_size: int = 256):
        import onnxruntime  # noqa: F401  (ImportError -> caller uses torch)

        self.torch = TorchRunner(model, device)
        self.threads = threads
        self.fixed_size = fixed_size
        self.model_name = name
        self.disk_cache = disk_cache
        self.cin = input_channels(model)
        self._hash: str | None = None
        self._model = model
        self.autotune, self.probe_size = autotune, probe_size
        self.sessions: dict[str, Any] = {}
        self._sources: dict[str, bytes | str] = {}       # method -> ONNX file path or bytes
        self._stream_sessions: dict[str, Any] = {}       # method -> single-threaded session
        self._stream_lock = threading.Lock()
        self.failed: dict[str, str] = {}
        self.faster_on_torch: dict[str, float] = {}  # method -> how much faster torch was
        self.batch_mode: dict[str, str] = {}  # method -> how its batches run: "ort", "torch" or "split"
        self.note: str | None = None
        self._verified: set[tuple[str, tuple[int, int]]] = set()   # (method, (h, w)) checked
        self._torch_only: set[tuple[str, tuple[int, int]]] = set()  # ORT disagreed / refused

    @property
    def name(self) -> str:
        engines = {"torch" if (m in self.failed or m in self.faster_on_torch) else "onnxruntime"
                   for m in (*self.sessions, *self.failed)}
        return "+".join(sorted(engines)) if engines else "onnxruntime"

    # -- export ------------------------------------------------------------------
    def _example_hw(self) -> tuple[int, int]:
        s = self.fixed_size or 64
        return s, s

    def _export(self, method: str) -> bytes | str:
        import torch

        path = None
        if self.disk_cache:
            if self._hash is None:
                self._hash = weights_hash(self._model)
            # The config is part of the key: the same weights decode differently with another
            # one (e.g. the colorizer's calibration).
            config = json.dumps(getattr(self._model, "config", None), sort_keys=True, default=str)
            key = hashlib.sha256(
                f"{self._hash}|{config}|{type(self._model).__qualname__}|{method}|{self.cin}|{self.fixed_size}"
                f"|{torch.__version__}|{ONNX_OPSET}|{_EXPORT_VERSION}".encode()).hexdigest()[:20]
            path = user_cache_dir() / "onnx" / f"{self.model_name}-{method}-{key}.onnx"
            if path.is_file() and path.stat().st_size > 0:
                path.touch()  # most recently used: survives pruning
                return str(path)
        net = _method_module(self.torch.exec_model, method).eval()
        h, w = self._example_hw()
        x = torch.zeros(1, self.cin, h, w)
        axes = {0: "n", 2: "h", 3: "w"}
        buf = io.BytesIO()
        kwargs = dict(input_names=["x"], output_names=["y"], opset_version=ONNX_OPSET,
                      dynamic_axes={"x": axes, "y": axes}, do_constant_folding=True)
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(net, (x,), buf, dynamo=False, **kwargs)
            except TypeError:  # torch without the ``dynamo`` switch
                torch.onnx.export(net, (x,), buf, **kwargs)
        data = buf.getvalue()
        if path is not None:
            try:
                from colorstudio.core.io.atomic import atomic_write

                atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))
                _prune(path.parent, CACHE_KEEP)
            except OSError as exc:  # read-only home etc.: the in-memory model still runs
                log.info("could not cache the ONNX export in %s (%s)", path.parent, exc)
        return data

    def _session(self, model_bytes_or_path, threads: int | None = None):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.intra_op_num_threads = int(threads or self.threads or 0)
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        # No busy-waiting between ops/runs: the spinning threads would steal the cores from
        # the rest of the pipeline (decode, recombine, encode run in other threads).
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(model_bytes_or_path, so, providers=["CPUExecutionProvider"])

    @staticmethod
    def _compare(got: np.ndarray, ref: np.ndarray) -> None:
        if got.shape != ref.shape:
            raise BackendError(f"ONNX output shape {got.shape} != torch {ref.shape}")
        tol = 1e-3 * max(1.0, float(np.abs(ref).max()))
        err = float(np.abs(got - ref).max())
        if not err <= tol:
            raise BackendError(f"ONNX output differs from torch by {err:.3g} (tolerance {tol:.3g})")

    def _check(self, sess, method: str) -> None:
        """Compare with torch on a different batch size and shape than the export's."""
        rng = np.random.default_rng(0)
        hw = (self.fixed_size, self.fixed_size) if self.fixed_size else (96, 128)
        x = rng.uniform(-0.5, 0.5, (2, self.cin, *hw)).astype(np.float32)
        self._compare(sess.run(None, {"x": x})[0], self.torch(x, method))
        self._verified.add((method, hw))

    def prepare(self, method: str) -> None:
        """Export + load + check ``method`` now (else it happens on its first call)."""
        if method in self.sessions or method in self.failed:
            return
        try:
            src = self._export(method)
            try:
                sess = self._session(src)
                self._check(sess, method)
            except Exception:  # noqa: BLE001
                if not isinstance(src, str):
                    raise
                # A stale or damaged cache file: export afresh, once.
                Path(src).unlink(missing_ok=True)
                src = self._export(method)
                sess = self._session(src)
                self._check(sess, method)
            self.sessions[method] = sess
            self._sources[method] = src
            if self.autotune:
                self._tune(sess, method)
        except Exception as exc:  # noqa: BLE001  (any export problem -> torch, said aloud)
            msg = f"{type(exc).__name__}: {one_line(exc)[:160]}" if str(exc).strip() else type(exc).__name__
            self.failed[method] = msg
            self.note = f"ONNX Runtime unavailable for {self.model_name}.{method} ({msg}); running on torch"
            log.warning("%s", self.note)

    @staticmethod
    def _best_of(fn, n: int = 3) -> float:
        import time

        best = float("inf")
        for _ in range(n):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        return best

    def _tune(self, sess, method: str) -> None:
        """Time both engines on one input of the render size; keep the clearly faster."""
        s = self.fixed_size or self.probe_size
        x = np.random.default_rng(1).uniform(-0.5, 0.5, (1, self.cin, s, s)).astype(np.float32)
        sess.run(None, {"x": x})
        self.torch(x, method)
        t_ort = self._best_of(lambda: sess.run(None, {"x": x}))
        t_torch = self._best_of(lambda: self.torch(x, method))
        if t_torch * self.AUTOTUNE_MARGIN < t_ort:
            self.faster_on_torch[method] = t_ort / t_torch
            self.note = (f"{self.model_name}.{method} runs on torch: {t_ort / t_torch:.1f}x faster "
                         f"than ONNX Runtime here")
            log.info("%s", self.note)

    def streams(self, method: str) -> int:
        """How many callers :meth:`call_stream` serves at once (1: use ``__call__``)."""
        self.prepare(method)
        if method not in self.sessions or method in self.faster_on_torch or self.fixed_size:
            return 1
        return max(1, int(self.threads or 1))

    def call_stream(self, x: np.ndarray, method: str) -> np.ndarray:
        """Run ``x`` on a single-threaded session; safe to call from several threads at once."""
        if self.streams(method) == 1:
            return self(x, method)
        with self._stream_lock:
            sess = self._stream_sessions.get(method)
            if sess is None:
                sess = self._stream_sessions[method] = self._session(self._sources[method], threads=1)
        return self._run(sess, x, method)

    def __call__(self, x: np.ndarray, method: str) -> np.ndarray:
        self.prepare(method)
        sess = self.sessions.get(method)
        on_torch = sess is None or method in self.faster_on_torch

        def single(xi: np.ndarray) -> np.ndarray:   # the engine the probe chose for one image
            return self.torch(xi, method) if on_torch else self._run(sess, xi, method)

        if x.ndim == 4 and x.shape[0] > 1 and self.autotune:
            mode = self.batch_mode.get(method) or self._tune_batch(sess, method, x, single)
            if mode == "split":
                return np.concatenate([single(x[i:i + 1]) for i in range(x.shape[0])])
            return self.torch(x, method) if mode == "torch" else self._run(sess, x, method)
        return single(x)

    def _tune_batch(self, sess, method: str, x: np.ndarray, single) -> str:
        """Time the first batch a method gets three ways -- whole on ORT, whole on torch, one
        image at a time on the single-image engine -- and keep the fastest for its batches.
        Why: on a CPU a batch of big activations can cost more per image than one image does
        (the default colorizer's depthwise convolutions at 256^2: 241 ms an image in a batch of
        8 against 115 ms alone), and which engine gains from a batch differs by network."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        ways = {"split": lambda: [single(x[i:i + 1]) for i in range(x.shape[0])],
                "torch": lambda: self.torch(x, method)}
        key = (method, tuple(int(v) for v in x.shape[2:4]))
        if sess is not None and key not in self._torch_only:
            ways["ort"] = lambda: sess.run(None, {"x": x})
        times = {}
        for name, fn in ways.items():
            try:
                times[name] = self._best_of(fn, 2)
            except Exception:  # noqa: BLE001  (ORT refused this shape: not a way)
                continue
        mode = min(times, key=times.get)
        self.batch_mode[method] = mode
        log.info("%s.%s: batches run %s (%s)", self.model_name, method,
                 "one image at a time" if mode == "split" else f"whole on {mode}",
                 ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in times.items()))
        return mode

    def _run(self, sess, x: np.ndarray, method: str) -> np.ndarray:
        key = (method, tuple(int(v) for v in x.shape[2:4]))
        if key in self._torch_only:
            return self.torch(x, method)
        x = np.ascontiguousarray(x, dtype=np.float32)
        try:
            y = sess.run(None, {"x": x})[0]
            if self.fixed_size and key not in self._verified:
                # A fixed-size net at another size: the export was only checked at its own.
                self._compare(y, self.torch(x, method))
                self._verified.add(key)
        except Exception as exc:  # noqa: BLE001  (ORT refused or disagreed: torch decides)
            self._torch_only.add(key)
            log.warning("ONNX Runtime cannot run %s.%s on %s inputs (%s); using torch for them",
                        self.model_name, method, "x".join(map(str, key[1])), one_line(exc)[:120])
            return self.torch(x, method)
        return y if y.dtype == np.float32 else y.astype(np.float32)


def make_runner(model, device, backend: str = "auto", *, name: str = "model",
                fixed_size: int | None = None, disk_cache: bool = True, probe_size: int = 256):
    """The fastest runner for ``device``: on the CPU, ORT when installed (with 'auto',
    per method only where it beats torch at ``probe_size``), else torch."""
    backend = resolve_backend(backend)
    if device.type != "cpu" or backend == "torch":
        return TorchRunner(model, device)
    if not ort_available():
        if backend == "onnxruntime":
            raise BackendError("the onnxruntime backend was requested but onnxruntime is not installed "
                               "(pip install onnxruntime)")
        return TorchRunner(model, device)
    import torch

    # Only weights read from a file are worth caching on disk: a random init (tests,
    # benchmarks) or a model being trained would only fill the cache.
    disk_cache = disk_cache and bool(getattr(model, "meta", None))
    return OrtRunner(model, device, threads=torch.get_num_threads(), fixed_size=fixed_size,
                     name=name, disk_cache=disk_cache, autotune=backend == "auto", probe_size=probe_size)
