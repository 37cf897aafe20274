import numpy as np
import pytest

from colorstudio.core import color


@pytest.mark.parametrize("rgb, lab", [
    ((255, 0, 0), (53.24, 80.09, 67.20)),
    ((0, 255, 0), (87.73, -86.18, 83.18)),
    ((0, 0, 255), (32.30, 79.19, -107.86)),
    ((255, 255, 255), (100.0, 0.0, 0.0)),
    ((0, 0, 0), (0.0, 0.0, 0.0)),
    ((128, 128, 128), (53.59, 0.0, 0.0)),
])
def test_reference_values(rgb, lab):
    got = color.rgb_to_lab(np.array([[rgb]], np.uint8))[0, 0]
    np.testing.assert_allclose(got, lab, atol=0.05)


def test_same_colour_any_depth():
    c8 = np.array([[[200, 30, 90]]], np.uint8)
    c16 = c8.astype(np.uint16) * 257
    cf = c8.astype(np.float32) / 255
    np.testing.assert_allclose(color.rgb_to_lab(c8), color.rgb_to_lab(c16), atol=0.02)
    np.testing.assert_allclose(color.rgb_to_lab(c8), color.rgb_to_lab(cf), atol=0.02)


def test_round_trip_uint8(rng):
    rgb = rng.integers(0, 256, (64, 64, 3)).astype(np.uint8)
    back = color.from_float01(color.lab_to_rgb(color.rgb_to_lab(rgb)), np.uint8)
    assert np.abs(back.astype(int) - rgb).max() <= 1


def test_round_trip_uint16(rng):
    rgb = rng.integers(0, 65536, (64, 64, 3)).astype(np.uint16)
    back = color.from_float01(color.lab_to_rgb(color.rgb_to_lab(rgb)), np.uint16)
    # OpenCV's float Lab is accurate to about 1e-3 of full scale.
    assert back.dtype == np.uint16
    assert np.abs(back.astype(int) - rgb).max() <= 0.005 * 65535


def test_gray_luminance_exact_and_matches_lab():
    g = np.arange(256, dtype=np.uint8)[None]
    L = color.luminance(g)
    assert L[0, 0] == 0 and abs(L[0, -1] - 100) < 1e-4
    assert np.all(np.diff(L[0]) > 0)
    lab_L = color.rgb_to_lab(np.repeat(g[..., None], 3, 2))[..., 0]
    np.testing.assert_allclose(L, lab_L, atol=0.25)
    # (H, W, 1) and 16-bit gray agree with 8-bit
    np.testing.assert_allclose(color.luminance(g[..., None]), L)
    np.testing.assert_allclose(color.luminance(g.astype(np.uint16) * 257), L, atol=1e-3)


def test_gray_through_lab_keeps_16bit_gray():
    g = np.arange(0, 65536, 3, dtype=np.uint16)[None]
    rgb = color.lab_compose(color.luminance(g), np.zeros(g.shape + (2,), np.float32))
    back = color.from_float01(rgb, np.uint16)
    assert np.abs(back[..., 0].astype(int) - g).max() <= 8  # of 65535


def test_normalisation_is_inverse_and_in_range():
    L = np.linspace(0, 100, 11, dtype=np.float32)
    ab = np.linspace(-110, 110, 11, dtype=np.float32)
    np.testing.assert_allclose(color.denormalize_l(color.normalize_l(L)), L, atol=1e-5)
    np.testing.assert_allclose(color.denormalize_ab(color.normalize_ab(ab)), ab, atol=1e-4)
    assert color.normalize_l(L).min() == -0.5 and color.normalize_l(L).max() == 0.5
    assert abs(color.normalize_ab(ab)).max() == pytest.approx(1.0)


def test_saturation_and_errors():
    ab = np.ones((2, 2, 2), np.float32) * 10
    assert np.all(color.apply_saturation(ab, 0.0) == 0)
    np.testing.assert_allclose(color.apply_saturation(ab, 1.5), 15)
    with pytest.raises(ValueError):
        color.apply_saturation(ab, -1)
    with pytest.raises(ValueError, match="RGB"):
        color.rgb_to_lab(np.zeros((4, 4), np.uint8))
    with pytest.raises(TypeError):
        color.to_float01(np.zeros((2, 2), np.int32))


def test_float_inputs_are_clipped():
    x = np.array([[[-0.5, 0.5, 2.0]]], np.float32)
    np.testing.assert_allclose(color.to_float01(x), [[[0.0, 0.5, 1.0]]])


def test_translator_rgb_scaling_round_trips():
    u8 = np.array([[[0, 127, 255]]], np.uint8)
    x = color.normalize_rgb(u8)
    assert x.dtype == np.float32 and x.min() == -1.0 and x.max() == 1.0
    np.testing.assert_allclose(color.normalize_rgb(color.to_float01(u8)), x, atol=1e-6)
    np.testing.assert_allclose(color.denormalize_rgb(x), color.to_float01(u8), atol=1e-6)
    assert color.denormalize_rgb(np.array([-3.0, 3.0])).tolist() == [0.0, 1.0]


def test_torch_twin_matches_the_numpy_conversion():
    torch = pytest.importorskip("torch")
    from colorstudio.core.color import color_torch

    rng = np.random.default_rng(1)
    rgb = rng.random((8, 8, 3)).astype(np.float32)
    lab = color.rgb_to_lab(rgb)
    l = torch.from_numpy(color.normalize_l(lab[:, :, 0]))[None, None]
    ab = torch.from_numpy(color.normalize_ab(lab[:, :, 1:]).transpose(2, 0, 1).copy())[None]
    out = color_torch.lab_norm_to_rgb(l, ab)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(out, rgb, atol=2e-3)
    # any Lab, out-of-gamut ones too: the same clipped colour as OpenCV's conversion
    wild = np.dstack([rng.uniform(0, 100, (6, 6)), rng.uniform(-110, 110, (6, 6, 2))]).astype(np.float32)
    L = torch.from_numpy(wild[None, None, :, :, 0])
    ab = torch.from_numpy(wild[:, :, 1:].transpose(2, 0, 1)[None].copy())
    got = color_torch.lab_to_rgb(L, ab)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(got, color.lab_to_rgb(wild), atol=4e-3)
    ab.requires_grad_(True)
    color_torch.lab_to_rgb(L, ab).sum().backward()
    assert torch.isfinite(ab.grad).all()
