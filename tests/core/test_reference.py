"""Hints from a reference still: same picture by position, another photo by content or lightness."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.colorize.reference import hint_sites, hints_from_reference, match_reference


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


def _texture_features(L: np.ndarray) -> np.ndarray:
    """A stand-in encoder: per 8-px cell, a unit vector saying 'striped' or 'flat'."""
    import cv2

    m = cv2.blur(L, (7, 7))
    sd = np.sqrt(np.maximum(cv2.blur(L * L, (7, 7)) - m * m, 0))
    cells = cv2.resize(sd, (max(1, L.shape[1] // 8), max(1, L.shape[0] // 8)), interpolation=cv2.INTER_AREA)
    striped = (cells > 5).astype(np.float32)
    return np.stack([striped, 1 - striped])


def _striped(h, w):
    y = np.arange(h)[:, None] * np.ones((1, w))
    return np.where((y // 3) % 2 == 0, 35.0, 65.0)


def test_another_photo_is_matched_by_content_not_lightness():
    """Issue 19, item 3: same mean lightness, different things -- content decides."""
    tgt_L = np.full((96, 128), 50.0)
    tgt_L[:, :64] = _striped(96, 64)                  # striped left, flat right (both mean L 50)
    ref = np.zeros((96, 128, 3), np.uint8)
    ref[:48] = (200, 60, 60)                            # flat red on top
    stripes = _striped(48, 128)
    ref[48:] = np.where(stripes[..., None] < 50, (30, 110, 30), (110, 190, 110))   # striped green below
    target = color.from_float01(tgt_L / 100, np.uint8)
    res = match_reference(target, ref, n=12, features=_texture_features)
    assert res.how == "matched by content" and len(res.points) >= 4
    assert len(res.confidence) == len(res.points) and all(0 < c <= 1 for c in res.confidence)
    for x, _y, rgb in res.points:
        green = rgb[1] > rgb[0]
        assert green == (x < 0.5), (x, rgb)
    assert "confidence" in res.summary()


def test_nothing_alike_gives_no_hints_and_says_so():
    target = color.from_float01(np.full((64, 64), 0.5), np.uint8)     # flat only
    ref = np.zeros((64, 64, 3), np.uint8)
    ref[:] = np.where(_striped(64, 64)[..., None] < 50, (30, 110, 30), (110, 190, 110))   # striped only
    res = match_reference(target, ref, n=8, features=_texture_features)
    assert res.points == [] and res.skipped > 0
    assert "without a confident match" in res.summary()


@pytest.mark.slow
def test_encoder_features_are_unit_cells_at_stride_8():
    import torch

    from colorstudio.models.effnet_lite import EfficientNetLite
    from colorstudio.models.reference_features import encoder_features

    torch.manual_seed(0)
    feats = encoder_features(EfficientNetLite(0, in_channels=1).eval())(np.full((64, 96), 50.0, np.float32))
    assert feats.shape[1:] == (8, 12)
    assert np.allclose(np.linalg.norm(feats, axis=0), 1.0, atol=1e-4)
