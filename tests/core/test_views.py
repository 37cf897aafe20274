"""core.colorize.views: before/after, wiper and colour-layer exports (issue 19, item 18)."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.colorize import pipeline, views


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (40, 60), dtype=np.uint8)
    ab = np.zeros((10, 15, 2), np.float32)
    ab[..., 0], ab[..., 1] = 30.0, -20.0
    return gray, pipeline.compose(gray, ab), ab


def test_side_by_side_holds_both_at_full_size(pair):
    gray, result, _ = pair
    out = views.side_by_side(gray, result)
    assert out.shape == (40, 60 + 4 + 60, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, :60, 0], gray)
    np.testing.assert_array_equal(out[:, -60:], result)


def test_wiper_splits_where_the_divider_is(pair):
    gray, result, _ = pair
    out = views.wiper(gray, result, position=0.25)
    np.testing.assert_array_equal(out[:, :13, 1], gray[:, :13])     # the original left of 15 px
    np.testing.assert_array_equal(out[:, 17:], result[:, 17:])
    assert (out[:, 15] == 255).all()                               # the divider


def test_colour_layer_is_the_colour_alone_and_restores_the_result(pair):
    gray, result, ab = pair
    layer = views.colour_layer(ab, gray.shape)
    lab = color.rgb_to_lab(layer)
    assert np.allclose(lab[..., 0], views.LAYER_LIGHTNESS, atol=1.5)    # no picture in it: one lightness
    assert np.allclose(lab[..., 1:].mean((0, 1)), [30, -20], atol=2.5)
    # the Color blend mode: the layer's hue and chroma on the original's lightness = the result
    back = color.lab_compose(color.luminance(gray), color.rgb_to_lab(layer)[..., 1:])
    assert np.abs(back * 255 - result).mean() < 3


def test_the_colour_layer_is_neutral_where_the_colour_was_erased(pair, tmp_path, fake_predictor):
    """Issue 35: the gray brush's region is gray in the result, so the colour layer adds no
    colour there either (in the app's export and in the batch's --also views alike)."""
    gray, result, ab = pair
    erased = np.zeros(gray.shape, bool)
    erased[:, :30] = True
    layer = color.rgb_to_lab(views.extra_view("colour-layer", gray, result, ab, gray=erased))
    assert np.abs(layer[:, :28, 1:]).max() < 1.0                       # neutral where erased ...
    assert np.allclose(layer[:, 32:, 1:].mean((0, 1)), [30, -20], atol=2.5)   # ... the colour elsewhere
    from colorstudio.core import batch
    from colorstudio.core.io.imageio import read_image, write_image

    src = write_image(tmp_path / "p.png", gray)
    list(batch.colorize_files([src], tmp_path / "out", fake_predictor(), size=32, extras=("colour-layer",),
                              gray=erased))
    out = color.rgb_to_lab(read_image(tmp_path / "out" / "p_colour.png"))
    assert np.abs(out[:, :28, 1:]).max() < 1.0


def test_sixteen_bit_stays_sixteen_bit_and_bad_names_are_refused(pair):
    gray, _, ab = pair
    g16 = gray.astype(np.uint16) * 257
    r16 = pipeline.compose(g16, ab)
    assert views.extra_view("before-after", g16, r16, ab).dtype == np.uint16
    assert views.extra_view("colour-layer", g16, r16, ab).dtype == np.uint16
    with pytest.raises(ValueError, match="unknown view"):
        views.extra_view("sepia", gray, r16, ab)


def test_batch_writes_the_views_beside_each_result(tmp_path, fake_predictor, textured):
    from colorstudio.core import batch
    from colorstudio.core.io.imageio import read_image, write_image

    src = write_image(tmp_path / "in" / "a.png", textured(24, 32, channels=1))
    evs = list(batch.colorize_files([src], tmp_path / "out", fake_predictor(), size=32,
                                    extras=("before-after", "colour-layer")))
    assert evs[0].status == "done"
    assert read_image(tmp_path / "out" / "a_before_after.png").shape[1] > 64
    assert read_image(tmp_path / "out" / "a_colour.png").shape[:2] == (24, 32)
