"""core.colorize.aging: the damage of old photos, drawn from a seeded generator."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.colorize import aging
from colorstudio.core import color


@pytest.fixture
def rgb():
    rng = np.random.default_rng(0)
    img = np.zeros((64, 80, 3), np.uint8)
    img[:, :40] = (200, 40, 40)     # red
    img[:, 40:] = (40, 60, 210)     # blue
    return np.clip(img + rng.integers(-5, 6, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name", [e for e in aging.EFFECTS if e != "film_gray"])
def test_effects_keep_shape_and_range_and_are_seeded(name, rgb):
    L = color.luminance(rgb)
    fn = getattr(aging, name)
    a = fn(L, np.random.default_rng(5))
    b = fn(L, np.random.default_rng(5))
    assert a.shape == L.shape and a.dtype == np.float32
    assert a.min() >= -1e-3 and a.max() <= 100 + 1e-3
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - L).mean() > 0.05      # it did something


def test_orthochromatic_film_prints_red_dark_and_blue_pale(rgb):
    eye = color.luminance(rgb)
    film = [aging.film_gray(rgb, np.random.default_rng(s)) for s in range(40)]
    red_minus_blue = [f[:, :40].mean() - f[:, 40:].mean() for f in film]
    # the eye sees the red brighter than the blue; film varies, down to red darker than blue
    assert eye[:, :40].mean() > eye[:, 40:].mean()
    assert min(red_minus_blue) < 0 < max(red_minus_blue)


def test_fade_lifts_blacks_and_dulls_whites():
    L = np.tile(np.linspace(0, 100, 50, dtype=np.float32), (4, 1))
    f = aging.fade(L, np.random.default_rng(1))
    assert f.min() >= 5 and f.max() <= 95 and np.all(np.diff(f[0]) >= 0)


def test_scratches_are_bright_lines_and_specks():
    L = np.full((96, 96), 40.0, np.float32)
    s = aging.scratches(L, np.random.default_rng(3))
    assert (s > 70).sum() > 30 and (s > 70).sum() < 0.2 * s.size


def test_age_is_deterministic_and_strength_zero_is_the_plain_lightness(rgb):
    a = aging.age(rgb, np.random.default_rng(9))
    np.testing.assert_array_equal(a, aging.age(rgb, np.random.default_rng(9)))
    np.testing.assert_allclose(aging.age(rgb, np.random.default_rng(9), strength=0.0), color.luminance(rgb),
                               atol=1e-4)
