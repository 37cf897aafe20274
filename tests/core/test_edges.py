"""Edge-aware upsampling of the predicted colour (core.colorize.edges)."""

from __future__ import annotations

import cv2
import numpy as np

from colorstudio.core.colorize.edges import guided_upsample
from colorstudio.core.colorize import pipeline


def test_colour_stops_at_the_lightness_edge():
    H = W = 64
    guide = np.full((H, W), 80.0, np.float32)
    guide[:, 29:] = 30.0                      # a dark coat from column 29 on a light wall
    truth = np.zeros((H, W, 2), np.float32)
    truth[:, 29:] = (45.0, 30.0)
    small = cv2.resize(truth, (W // 4, H // 4), interpolation=cv2.INTER_AREA)
    bilinear = cv2.resize(small, (W, H), interpolation=cv2.INTER_LINEAR)
    guided = guided_upsample(small, guide)
    assert guided.shape == (H, W, 2) and guided.dtype == np.float32
    err = lambda ab: float(np.abs(ab - truth).mean())  # noqa: E731
    assert err(guided) < 0.5 * err(bilinear)
    # the wall next to the coat stays almost gray
    assert float(np.hypot(*guided[:, 24:28].reshape(-1, 2).T).max()) < 0.5 * float(
        np.hypot(*bilinear[:, 24:28].reshape(-1, 2).T).max())


def test_flat_colour_and_flat_lightness_pass_unchanged():
    ab = np.zeros((8, 12, 2), np.float32) + (10.0, -20.0)
    out = guided_upsample(ab, np.full((16, 24), 50.0, np.float32))
    np.testing.assert_allclose(out, np.broadcast_to((10.0, -20.0), (16, 24, 2)), atol=1e-3)


def test_pipeline_finishes_the_ab_at_the_input_size():
    ab = np.zeros((16, 24, 2), np.float32)
    x = np.zeros((1, 1, 32, 48), np.float32)
    assert pipeline.hinted_ab(ab, x, ()).shape == (32, 48, 2)
    assert pipeline.hinted_ab(ab, x, (), edges=False).shape == (16, 24, 2)
