"""Fixtures for the core tests: a tiny random network and a controllable fake predictor."""

from __future__ import annotations


import numpy as np
import pytest


from fake_predictors import FakeModel, FakePredictor  # noqa: E402,F401  (the fixtures hand them out)


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
