"""The fast full-resolution recombination equals the plain whole-image formula exactly."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.colorize import pipeline, recombine


def whole(image: np.ndarray, ab_small: np.ndarray, saturation: float = 1.0) -> np.ndarray:
    """Reference: full-size L, full-size bilinear ab, one Lab -> RGB, one conversion."""
    img, alpha = recombine._split_alpha(image)
    H, W = img.shape[:2]
    hs, ws = ab_small.shape[:2]
    ab = color.apply_saturation(ab_small.astype(np.float32), saturation)
    x0, x1, wx = recombine._linear_weights(W, ws)
    abw = ab[:, x0] * (1 - wx)[None, :, None] + ab[:, x1] * wx[None, :, None]
    y0, y1, wy = recombine._linear_weights(H, hs)
    ab_full = abw[y0] * (1 - wy)[:, None, None] + abw[y1] * wy[:, None, None]
    dtype = img.dtype if img.dtype in (np.uint8, np.uint16) else np.float32
    rgb = color.from_float01(color.lab_compose(color.luminance(img), ab_full), dtype)
    if alpha is not None:
        rgb = np.dstack([rgb, alpha.astype(dtype)])
    return rgb


rng = np.random.default_rng(0)
GRAY8 = rng.integers(0, 256, (203, 311), dtype=np.uint8)
CASES = {
    "gray8": GRAY8,
    "gray16": rng.integers(0, 65536, (150, 97), dtype=np.uint16),
    "rgb8": rng.integers(0, 256, (120, 171, 3), dtype=np.uint8),
    "rgba8": rng.integers(0, 256, (64, 80, 4), dtype=np.uint8),
    "gray_float": rng.uniform(0, 1, (77, 61)).astype(np.float32),
    "gray_alpha": rng.integers(0, 256, (50, 70, 2), dtype=np.uint8),
    "one_row": rng.integers(0, 256, (1, 300), dtype=np.uint8),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("saturation", [1.0, 1.6])
def test_compose_equals_the_whole_image_formula(name, saturation):
    img = CASES[name]
    ab = rng.normal(0, 35, (24, 32, 2)).astype(np.float32)
    ref = whole(img, ab, saturation)
    for strip_rows in (1, 7, pipeline.DEFAULT_STRIP_ROWS):
        got = pipeline.compose(img, ab, saturation, strip_rows=strip_rows)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        np.testing.assert_array_equal(got, ref)


def test_ab_larger_than_the_image_downsamples_exactly():
    img = CASES["gray8"][:40, :50]
    ab = rng.normal(0, 30, (64, 64, 2)).astype(np.float32)
    np.testing.assert_array_equal(pipeline.compose(img, ab, strip_rows=3), whole(img, ab))


def test_wide_images_are_split_by_pixel_budget(monkeypatch):
    monkeypatch.setattr(recombine, "_STRIP_PIXELS", 1000)  # forces ~3-row strips here
    img = CASES["gray8"]
    ab = rng.normal(0, 30, (20, 30, 2)).astype(np.float32)
    np.testing.assert_array_equal(pipeline.compose(img, ab), whole(img, ab))


def test_single_worker_gives_the_same_result(monkeypatch):
    img, ab = CASES["rgb8"], rng.normal(0, 30, (16, 16, 2)).astype(np.float32)
    threaded = pipeline.compose(img, ab)
    monkeypatch.setattr(recombine, "_workers", lambda: 1)
    np.testing.assert_array_equal(pipeline.compose(img, ab), threaded)


def test_lightness_tables_equal_color_luminance():
    g8 = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(pipeline.lightness(g8), color.luminance(g8))
    g16 = rng.integers(0, 65536, (40, 50), dtype=np.uint16)
    np.testing.assert_array_equal(pipeline.lightness(g16), color.luminance(g16))
    rgb = CASES["rgb8"]
    np.testing.assert_array_equal(pipeline.lightness(rgb), color.luminance(rgb))
    ga = CASES["gray_alpha"]  # a strided gray channel goes through the table too
    np.testing.assert_array_equal(pipeline.lightness(ga), color.luminance(np.ascontiguousarray(ga[:, :, 0])))


def test_kept_lightness_gives_the_same_result_and_is_checked():
    img = CASES["rgb8"]
    ab = rng.normal(0, 30, (16, 16, 2)).astype(np.float32)
    L = pipeline.lightness(img)
    np.testing.assert_array_equal(pipeline.compose(img, ab, 1.3, lightness_full=L),
                                  pipeline.compose(img, ab, 1.3))
    with pytest.raises(ValueError, match="lightness_full"):
        pipeline.compose(img, ab, lightness_full=L[:-1])


def test_out_buffer_is_filled_in_place():
    img, ab = CASES["gray8"], rng.normal(0, 30, (8, 8, 2)).astype(np.float32)
    out = np.zeros(img.shape + (3,), np.uint8)
    assert pipeline.compose(img, ab, out=out) is out
    np.testing.assert_array_equal(out, whole(img, ab))
