import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.colorize import pipeline


def test_strips_give_identical_results(fake_predictor, textured):
    img = textured(100, 77, seed=3)
    ab = pipeline.predict_ab(fake_predictor(noise=8.0), img, size=64)
    whole = pipeline.compose(img, ab, 1.2, strip_rows=4096)
    for rows in (1, 7, 33):
        np.testing.assert_array_equal(pipeline.compose(img, ab, 1.2, strip_rows=rows), whole)


def test_detail_kept_output_lightness_equals_input(fake_predictor, textured):
    # mid-tones: near black and white a colour is out of gamut and clipping changes L
    gray = (textured(120, 90, seed=1, channels=1) * 0.7 + 35).astype(np.uint8)
    out = pipeline.colorize(gray, fake_predictor(ab=(12, -9)), size=64).rgb
    assert out.shape == (120, 90, 3) and out.dtype == np.uint8
    dL = np.abs(color.luminance(out) - color.luminance(gray))
    assert dL.max() < 0.6  # 8-bit rounding only: every detail of the original is kept
    lab = color.rgb_to_lab(out)
    assert abs(lab[..., 1].mean() - 12) < 1 and abs(lab[..., 2].mean() + 9) < 1


def test_real_network_any_size_and_colour_input(tiny_predictor, textured):
    rgb = textured(70, 130, seed=2)
    res = pipeline.colorize(rgb, tiny_predictor, size=64)
    assert res.rgb.shape == rgb.shape and res.rgb.dtype == np.uint8
    assert res.ab_small.shape[2] == 2 and max(res.ab_small.shape[:2]) == 64
    assert set(res.timings) == {"predict", "compose", "total"} and res.note is None
    # The colour input's own colours are discarded: only its lightness is used.
    gray = color.from_float01(color.lab_compose(color.luminance(rgb), np.zeros(rgb.shape[:2] + (2,))), np.uint8)
    res2 = pipeline.colorize(gray, tiny_predictor, size=64)
    assert np.abs(res.ab_small - res2.ab_small).max() < 1.5


def test_saturation_zero_gives_gray(tiny_predictor, textured):
    out = pipeline.colorize(textured(40, 40, seed=4), tiny_predictor, size=32, saturation=0.0).rgb
    assert np.abs(out[..., 0].astype(int) - out[..., 1]).max() <= 1
    assert np.abs(out[..., 1].astype(int) - out[..., 2]).max() <= 1


def test_saturation_scales_chroma(fake_predictor):
    gray = np.full((32, 32), 128, np.uint8)
    f = fake_predictor(ab=(10, 10))
    ab = [color.rgb_to_lab(pipeline.colorize(gray, f, size=32, saturation=s).rgb)[..., 1:].mean((0, 1))
          for s in (1.0, 2.0)]
    np.testing.assert_allclose(ab[1], 2 * ab[0], rtol=0.05)


def test_alpha_kept(fake_predictor, textured):
    rgba = np.dstack([textured(30, 40, seed=5), np.linspace(0, 255, 40, dtype=np.uint8)[None].repeat(30, 0)])
    out = pipeline.colorize(rgba, fake_predictor(), size=32).rgb
    assert out.shape == (30, 40, 4)
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    la = np.dstack([rgba[..., 0], rgba[..., 3]])  # gray + alpha
    out2 = pipeline.colorize(la, fake_predictor(), size=32).rgb
    assert out2.shape == (30, 40, 4)
    np.testing.assert_array_equal(out2[..., 3], rgba[..., 3])


def test_16bit_kept(fake_predictor, textured):
    g16 = textured(48, 64, seed=6, channels=1, dtype=np.uint16)
    out = pipeline.colorize(g16, fake_predictor(ab=(0, 0)), size=32).rgb
    assert out.dtype == np.uint16 and out.shape == (48, 64, 3)
    # neutral ab: the 16-bit gray comes back (to OpenCV's Lab precision), not 8-bit steps
    assert np.abs(out[..., 0].astype(int) - g16).max() <= 16
    assert len(np.unique(out[..., 0])) > 300


def test_net_size():
    assert pipeline.net_size((1000, 500), 256, fixed=True) == (256, 256)
    h, w = pipeline.net_size((1000, 500), 256, fixed=False)
    assert (h, w) == (256, 128)
    assert pipeline.net_size((10, 4000), 256, fixed=False) == (32, 256)


def test_every_colorizer_follows_hints(fake_predictor):
    """A colorizer without hint planes takes hints through the step after its network: the
    hint lands, and the result says where each hint's colour went (the reach overlay)."""
    img = np.full((48, 64), 120, np.uint8)
    res = pipeline.colorize(img, fake_predictor(ab=(20.0, -15.0)), size=32,
                            hints=[pipeline.Hint(0.5, 0.5, -30.0, 40.0)])
    lab = color.rgb_to_lab(res.rgb)
    np.testing.assert_allclose(lab[24, 32, 1:], [-30.0, 40.0], atol=3.0)
    assert res.hint_weights is not None and res.hint_weights.shape[0] == 1
    assert float(res.hint_weights.max()) == pytest.approx(1.0, abs=1e-3)
    assert pipeline.colorize(img, fake_predictor(), size=32).hint_weights is None


def test_hints_stop_where_the_network_sees_another_thing():
    """Same lightness on both sides, but the network colours them apart: a hint stays on
    its own side (the bleed of a background hint into a face)."""
    from colorstudio.core.colorize.pipeline import Hint, propagate_hints

    h, w = 48, 96
    l_norm = color.normalize_l(np.full((h, w), 60.0, np.float32))
    ab = np.zeros((h, w, 2), np.float32)
    ab[:, 48:] = (25.0, 20.0)                            # skin, say, beside a gray wall
    out = propagate_hints(ab, l_norm, [Hint(20.5 / w, 24.5 / h, -40.0, 30.0)], reach=0.3)
    assert out[24, 40, 0] < -25.0                        # the wall takes the hint's green ...
    assert abs(out[24, 56, 0] - 25.0) < 8.0              # ... the skin, just as near, stays


def test_hints_that_agree_shift_the_rest_of_the_picture():
    """Several hints saying the same shift (the palette is off) move the far pixels too;
    hints that disagree, or too few to call it a cast, leave them."""
    from colorstudio.core.colorize.pipeline import Hint, propagate_hints

    h, w = 64, 256
    L = np.full((h, w), 60.0, np.float32)
    L[:, 128:] = 20.0                                    # far and behind an edge
    l_norm = color.normalize_l(L)
    ab = np.zeros((h, w, 2), np.float32)
    pts = [(0.05, 0.2), (0.1, 0.8), (0.2, 0.5), (0.3, 0.3), (0.15, 0.1)]
    same = propagate_hints(ab, l_norm, [Hint(x, y, 20.0, 10.0, reach=0.05) for x, y in pts])
    assert same[32, 250, 0] > 10.0
    few = propagate_hints(ab, l_norm, [Hint(x, y, 20.0, 10.0, reach=0.05) for x, y in pts[:3]])
    assert abs(few[32, 250, 0]) < 1.0                   # three warm things are not a cast
    mixed = propagate_hints(ab, l_norm, [Hint(x, y, a, 0.0, reach=0.05)
                                         for (x, y), a in zip(pts, (30.0, -30.0, 30.0, -30.0, 0.0))])
    assert abs(mixed[32, 250, 0]) < 3.0


@pytest.mark.slow
def test_hints_reach_a_hint_model():
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    p = Predictor(create("unet-hints", weights=False, base=8, depth=2), device="cpu")
    img = np.full((64, 64), 100, np.uint8)
    a = pipeline.predict_ab(p, img, 32)
    b = pipeline.predict_ab(p, img, 32, [pipeline.Hint.from_rgb(0.5, 0.5, (255, 0, 0))])
    assert np.abs(a - b).max() > 1e-4
    r = pipeline.rasterize_hints([pipeline.Hint(0.0, 1.0, 55.0, -110.0)], (8, 8), radius=0)
    assert r[2].sum() == 1 and r[2, 7, 0] == 1 and r[1, 7, 0] == pytest.approx(-1.0)


def test_empty_image_refused(fake_predictor):
    with pytest.raises(ValueError, match="empty"):
        pipeline.colorize(np.zeros((0, 5), np.uint8), fake_predictor())


def test_translate_shape_and_dtype():
    import torch

    from colorstudio.core.color.palette import labels_to_rgb
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models.layers import Translator

    class Tiny(Translator):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 3, 3, padding=1)

        def forward(self, x):
            return torch.tanh(self.conv(x))

    labels = labels_to_rgb(np.random.default_rng(0).integers(0, 12, (50, 70)))
    out = pipeline.translate(labels, Predictor(Tiny(), "cpu"), size=32)
    assert out.shape == (50, 70, 3) and out.dtype == np.uint8


def test_hints_land_and_spread_over_similar_lightness_only():
    from colorstudio.core import color
    from colorstudio.core.colorize.pipeline import Hint, propagate_hints

    h, w = 64, 96
    L = np.full((h, w), 70.0, np.float32)
    L[:, 36:] = 25.0                                   # a dark region beyond a strong edge
    ab = np.zeros((h, w, 2), np.float32)
    l_norm = color.normalize_l(L)
    out = propagate_hints(ab, l_norm, [Hint((30 + 0.5) / w, (32 + 0.5) / h, 40.0, -20.0)])
    np.testing.assert_allclose(out[31:34, 29:32], np.broadcast_to([40.0, -20.0], (3, 3, 2)), atol=1e-4)
    assert out[32, 24, 0] > 20.0                       # spreads over the same lightness ...
    assert abs(out[32, 37, 0]) < 4.0                   # ... not across the edge, though nearer
    assert np.array_equal(propagate_hints(ab, l_norm, []), ab)
    two = propagate_hints(ab, l_norm, [Hint(0.2, 0.5, 40.0, 0.0), Hint(0.4, 0.5, -40.0, 0.0)])
    assert two[32, int(0.2 * w), 0] > 35 and two[32, int(0.4 * w), 0] < -35  # each lands on its own dot


def test_denoise_cleans_what_the_network_sees_not_the_result(tiny_predictor):
    """Issue 19, item 19: grain and dust are cleaned from the network's input; the result
    keeps the scan's own lightness."""
    from colorstudio.core.colorize import aging

    rng = np.random.default_rng(0)
    clean = np.tile(np.linspace(30, 220, 96, dtype=np.float32), (96, 1))
    L = color.luminance(clean.astype(np.uint8))
    noisy_L = aging.scratches(aging.grain(L, rng), rng)
    noisy = color.from_float01(color.lab_compose(noisy_L, np.zeros(L.shape + (2,), np.float32))[:, :, 0], np.uint8)
    hw = (96, 96)
    raw = pipeline.net_input_l(noisy, hw)
    for mode in ("light", "strong"):
        den = pipeline.net_input_l(noisy, hw, mode)
        ref = pipeline.net_input_l(clean.astype(np.uint8), hw)
        assert np.abs(den - ref).mean() < np.abs(raw - ref).mean()
    res = pipeline.colorize(noisy, tiny_predictor, size=64, denoise="strong")
    # the result is the colour put on the scan's own lightness, grain and all
    np.testing.assert_array_equal(res.rgb, pipeline.compose(noisy, res.ab_small))
    with pytest.raises(ValueError, match="denoise"):
        pipeline.net_input_l(noisy, hw, "max")
