"""The Lab scaling helpers of core.color and the conversions of its torch twin give,
bit for bit, what the hand-written expressions they replaced gave (issue 34, item 3):
the denoiser, the optical flow, the aging's JPEG, the shot tracker and the encoder
families' input see the same numbers as before."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from colorstudio.core import color

# L on a fine grid beyond both ends (clipping), plus every value half a byte step apart
L_GRID = np.concatenate([np.linspace(-5.0, 105.0, 200_001), (np.arange(512) - 0.5) / 2 / 2.55])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l_to_u8_is_the_old_expression(dtype):
    L = L_GRID.astype(dtype)
    np.testing.assert_array_equal(color.l_to_u8(L), np.clip(L * 2.55 + 0.5, 0, 255).astype(np.uint8))
    np.testing.assert_array_equal(color.l_to_u8(L, rounded=False), np.clip(L * 2.55, 0, 255).astype(np.uint8))
    assert color.l_to_u8(L).dtype == np.uint8


def test_u8_to_l_is_the_old_expression():
    g8 = np.arange(256, dtype=np.uint8).reshape(16, 16)
    got = color.u8_to_l(g8)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, g8.astype(np.float32) / 2.55)
    np.testing.assert_array_equal(got, (g8.astype(np.float32) / 2.55).astype(np.float32))
    assert got.min() == 0.0 and abs(float(got.max()) - 100.0) < 1e-4
    # a byte round trip is exact
    np.testing.assert_array_equal(color.l_to_u8(got), g8)


def test_mean_l_difference_u8_is_the_old_expression(rng):
    for _ in range(20):
        a, b = (rng.integers(0, 256, (24, 40)).astype(np.uint8) for _ in range(2))
        old = float(np.mean(np.abs(a.astype(np.float32) - b.astype(np.float32)))) / 2.55
        assert color.mean_l_difference_u8(a, b) == old
        assert color.mean_l_difference_u8(a, b.astype(np.float32)) == old   # the shot tab's float reference


def test_l_to_float01_is_the_old_expression():
    for L in (L_GRID.astype(np.float32), L_GRID):
        got = color.l_to_float01(L)
        assert got.dtype == L.dtype
        np.testing.assert_array_equal(got, L / 100.0)


def test_lab_to_rgb_in_place_is_the_pipelines_old_conversion(rng):
    lab = np.dstack([rng.uniform(-2, 102, (64, 48)), rng.uniform(-120, 120, (64, 48, 2))]).astype(np.float32)
    old = np.clip(cv2.cvtColor(lab.copy(), cv2.COLOR_Lab2RGB), 0.0, 1.0)
    np.testing.assert_array_equal(color.lab_to_rgb(lab), old)
    buf = lab.copy()
    out = color.lab_to_rgb(buf, out=buf)
    assert np.shares_memory(out, buf)
    np.testing.assert_array_equal(out, old)


torch = pytest.importorskip("torch")


def _old_gray_from_l_norm(l_norm):
    """effnet_lite.gray_from_l_norm as it was written out by hand."""
    fy = (l_norm * 100.0 + 66.0) / 116.0
    eps = 6.0 / 29.0
    y = torch.where(fy > eps, fy ** 3, 3 * eps * eps * (fy - 4.0 / 29.0)).clamp(0.0, 1.0)
    g = torch.where(y <= 0.0031308, 12.92 * y, 1.055 * y.clamp_min(1e-8) ** (1 / 2.4) - 0.055)
    return g * 2.0 - 1.0


def _old_lab_to_rgb(L, ab):
    """color_torch.lab_to_rgb before its steps were shared."""
    m = torch.tensor([[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560],
                      [0.0556434, -0.2040259, 1.0572252]])
    white = (0.95047, 1.0, 1.08883)
    fy = (L + 16.0) / 116.0
    fx = fy + ab[:, :1] / 500.0
    fz = fy - ab[:, 1:] / 200.0
    eps = 6.0 / 29.0

    def finv(t):
        return torch.where(t > eps, t ** 3, 3 * eps * eps * (t - 4.0 / 29.0))

    xyz = torch.cat([finv(fx) * white[0], finv(fy) * white[1], finv(fz) * white[2]], 1)
    lin = torch.einsum("ij,njhw->nihw", m.to(xyz), xyz).clamp(1e-6, 1.0)
    return torch.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055).clamp(0, 1)


def _same_values_and_grads(new_fn, old_fn, *inputs):
    a = [x.clone().requires_grad_(True) for x in inputs]
    b = [x.clone().requires_grad_(True) for x in inputs]
    new, old = new_fn(*a), old_fn(*b)
    assert torch.equal(new, old)
    new.sum().backward()
    old.sum().backward()
    for x, y in zip(a, b):
        assert torch.equal(x.grad, y.grad)


def test_encoder_gray_input_is_the_old_tensor():
    from colorstudio.models.effnet_lite import gray_from_l_norm

    l_norm = torch.from_numpy(color.normalize_l(L_GRID.astype(np.float32)))[None, None, None]
    _same_values_and_grads(gray_from_l_norm, _old_gray_from_l_norm, l_norm)
    half = l_norm.half().float()   # what fp16 weights' callers round to
    assert torch.equal(gray_from_l_norm(half), _old_gray_from_l_norm(half))


def test_reference_features_normalise_l_as_before():
    x = torch.from_numpy(L_GRID.astype(np.float32))
    assert torch.equal(color.normalize_l(x), (x - 50.0) / 100.0)


def test_torch_lab_to_rgb_is_the_old_tensor(rng):
    from colorstudio.core.color import color_torch

    L = torch.from_numpy(rng.uniform(-2, 102, (2, 1, 32, 32)).astype(np.float32))
    ab = torch.from_numpy(rng.uniform(-120, 120, (2, 2, 32, 32)).astype(np.float32))
    _same_values_and_grads(color_torch.lab_to_rgb, _old_lab_to_rgb, L, ab)
