"""Fixtures for the core tests: a tiny random network and a controllable fake predictor."""

from __future__ import annotations

import threading

import numpy as np
import pytest


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


@pytest.fixture
def fake_predictor():
    return FakePredictor


@pytest.fixture(scope="session")
def tiny_predictor():
    """A real (random-weight) U-Net, small enough for CPU tests."""
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    return Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(name="textured")
def _textured_fixture():
    """The :func:`textured` image maker."""
    return textured


def textured(h: int, w: int, seed: int = 0, channels: int = 3, dtype=np.uint8) -> np.ndarray:
    """A smooth but structured test image (gradients + blobs), deterministic."""
    r = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    chans = []
    for c in range(channels):
        f = r.uniform(0.02, 0.15, 2)
        chans.append(0.5 + 0.25 * np.sin(xx * f[0] + c) + 0.25 * np.cos(yy * f[1] - c))
    img = np.clip(np.stack(chans, -1), 0, 1)
    top = np.iinfo(dtype).max if np.dtype(dtype).kind == "u" else 1.0
    img = (img * top + (0.5 if np.dtype(dtype).kind == "u" else 0)).astype(dtype)
    return img[:, :, 0] if channels == 1 else img
