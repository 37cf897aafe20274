"""Hints from a reference still: same picture by position, another photo by lightness."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.reference import hint_sites, hints_from_reference


def two_tone(h=120, w=160, left=(200, 40, 40), right=(40, 60, 200)) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 2] = left
    img[:, w // 2:] = right
    return img


def ab_of(rgb) -> np.ndarray:
    return color.rgb_to_lab(np.array([[rgb]], np.uint8).astype(np.float32) / 255)[0, 0, 1:]


def test_same_picture_gives_its_colours_by_position():
    ref = two_tone()
    gray = np.repeat(color.from_float01(color.luminance(ref)[:, :, None] / 100, np.uint8), 3, 2)
    pts, how = hints_from_reference(gray, ref, n=8)
    assert how == "same picture" and len(pts) >= 4
    for x, _y, rgb in pts:
        want = (200, 40, 40) if x < 0.5 else (40, 60, 200)
        assert np.linalg.norm(ab_of(rgb) - ab_of(want)) < 8, (x, rgb)
    assert {x < 0.5 for x, _, _ in pts} == {True, False}, "hints on both halves"


def test_another_photo_is_matched_by_lightness():
    # reference: dark = blue, bright = orange; target: a different layout of the same tones
    ref = np.zeros((100, 100, 3), np.uint8)
    ref[:50] = (30, 40, 120)
    ref[50:] = (240, 170, 90)
    tgt_rgb = np.zeros((80, 120, 3), np.uint8)
    tgt_rgb[:, :40] = (240, 170, 90)
    tgt_rgb[:, 40:] = (30, 40, 120)
    target = color.luminance(tgt_rgb)
    target = color.from_float01(target / 100, np.uint8)
    pts, how = hints_from_reference(target, ref, n=6)
    assert how == "matched by lightness" and pts
    for x, _y, rgb in pts:
        want = (240, 170, 90) if x < 1 / 3 else (30, 40, 120)
        assert np.linalg.norm(ab_of(rgb) - ab_of(want)) < 12, (x, rgb)


def test_sites_are_flat_and_spread_and_gray_reference_refused():
    L = np.zeros((100, 100), np.float32)
    L[:, 50:] = 80
    sites = hint_sites(L, 6)
    assert len(sites) >= 4 and all(abs(x - 50) > 3 for _, x in sites)
    with pytest.raises(ValueError, match="gray"):
        hints_from_reference(L, np.full((10, 10, 3), 128, np.uint8))
    with pytest.raises(ValueError, match="colour picture"):
        hints_from_reference(L, L)
