"""Synthetic damage of old prints (core.colorize.damage): the mask is exact and honest."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.colorize import damage


def _photo(h: int = 160, w: int = 200) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return (30 + 40 * np.sin(xx / 13.0) * np.cos(yy / 17.0) + 20).astype(np.float32)


@pytest.mark.parametrize("kind", [k for k in damage.KINDS if k != "stains"])
def test_each_kind_marks_only_the_pixels_it_changed(kind):
    L = _photo()
    d = damage.damage(L, np.random.default_rng(3), {kind: 1.0})
    assert d.L.shape == L.shape and d.L.dtype == np.float32
    assert d.mask.any(), kind
    moved = np.abs(d.L - L)
    assert (moved[d.mask] >= damage.MASK_DELTA).all()          # every flagged pixel changed
    assert moved[~d.mask].max() < 100                          # and the rest is the photo or a faint edge
    assert np.allclose(d.L[d.alpha == 0], L[d.alpha == 0])     # untouched where nothing was drawn


def test_stains_change_the_tone_but_are_not_in_the_mask():
    L = _photo()
    d = damage.damage(L, np.random.default_rng(5), {"stains": 1.0})
    assert not d.mask.any() and np.abs(d.L - L).max() > 5


def test_same_seed_same_damage_and_other_seed_other_damage():
    L = _photo()
    a = damage.damage(L, np.random.default_rng(7))
    b = damage.damage(L, np.random.default_rng(7))
    c = damage.damage(L, np.random.default_rng(8))
    assert np.array_equal(a.mask, b.mask) and np.array_equal(a.L, b.L)
    assert not np.array_equal(a.mask, c.mask)


def test_widths_grow_with_the_scan_scale():
    L = _photo(256, 256)
    thin = damage.damage(L, np.random.default_rng(11), {"scratches": 1.0}, scale=1.0).mask.mean()
    wide = damage.damage(L, np.random.default_rng(11), {"scratches": 1.0}, scale=3.0).mask.mean()
    assert wide > thin


def test_damaged_print_gives_clean_target_damaged_scan_and_mask():
    rgb = (np.random.default_rng(0).random((96, 128, 3)) * 255).astype(np.uint8)
    clean, scanned, mask = damage.damaged_print(rgb, np.random.default_rng(1), p_clean=0.0)
    assert clean.shape == scanned.shape == mask.shape == (96, 128) and mask.dtype == bool and mask.any()
    clean2, _, none = damage.damaged_print(rgb, np.random.default_rng(1), p_clean=1.0)
    assert not none.any() and clean2.shape == clean.shape


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="lightness plane"):
        damage.damage(np.zeros((4, 4), np.float32), np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown damage kind"):
        damage.damage(_photo(), np.random.default_rng(0), {"mould": 1.0})
