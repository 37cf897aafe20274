"""A controllable fake predictor for the core tests (a module of its own: ``conftest`` names
several files, so a test importing from it would get whichever was loaded first)."""

from __future__ import annotations

import threading

import numpy as np


class FakeModel:
    hint_channels = 0


class FakePredictor:
    """Duck-types core.inference.predictor.Predictor: constant ab (+ optional per-call noise)."""

    spec = None
    fallback = None
    name = "fake"
    hint_planes = False

    def __init__(self, ab=(20.0, -15.0), noise: float = 0.0, seed: int = 0, fail_on=None,
                 streams: int = 1, on_stream=None):
        self.model = FakeModel()
        self.ab = np.asarray(ab, np.float32)
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        self.calls = 0
        self.fail_on = fail_on or set()
        self.n_streams, self.on_stream = streams, on_stream
        self.stream_calls = 0
        self._lock = threading.Lock()

    def streams(self, method: str = "forward") -> int:
        return self.n_streams

    def run_stream(self, x: np.ndarray, method: str = "forward") -> np.ndarray:
        with self._lock:
            self.stream_calls += 1
        if self.on_stream is not None:
            self.on_stream()
        return self.predict_ab(x)

    def predict_ab(self, x: np.ndarray) -> np.ndarray:
        with self._lock:
            self.calls += 1
            call = self.calls
        if call in self.fail_on:
            raise RuntimeError("synthetic failure\nsecond line")
        n, _, h, w = x.shape
        ab = np.broadcast_to(self.ab[None, :, None, None], (n, 2, h, w)).astype(np.float32)
        if self.noise:
            ab = ab + self.rng.normal(0, self.noise, ab.shape).astype(np.float32)
        return ab / 110.0
