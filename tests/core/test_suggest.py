"""Suggested colours at a point (issue 35, item 2): the top colours of the bin head's
distribution there, most probable first, different from each other."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.colorize.suggest import (NoColourDistribution, PointOutside, Suggestion, distribution_at,
                                               peaks, suggested_colours)


@pytest.fixture(scope="module")
def bins_predictor():
    """A small effnet-unet with a random bin head, run by ONNX Runtime where it is installed:
    the distribution comes through torch whatever the back-end (as the confidence does)."""
    import torch

    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    torch.manual_seed(0)
    m = create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8, bins_head=True)
    return Predictor(m, device="cpu")


@pytest.fixture(scope="module")
def photo():
    rng = np.random.default_rng(0)
    return (rng.random((80, 120, 3)) * 255).astype(np.uint8)


def test_swatches_are_sorted_distinct_and_counted(bins_predictor, photo):
    for k, sep in ((6, 12.0), (3, 25.0), (1, 12.0)):
        s = suggested_colours(bins_predictor, photo, (0.3, 0.6), k=k, min_separation=sep, size=64)
        assert len(s) == k and all(isinstance(x, Suggestion) for x in s)
        probs = [x.probability for x in s]
        assert probs == sorted(probs, reverse=True) and 0.0 < sum(probs) <= 1.0 + 1e-6
        ab = np.array([x.ab for x in s])
        d = np.hypot(*(ab[:, None] - ab[None]).transpose(2, 0, 1))
        assert (d[~np.eye(k, dtype=bool)] >= sep).all()
        assert all(x.hex.startswith("#") and len(x.hex) == 7 and all(0 <= c <= 255 for c in x.rgb) for x in s)


def test_the_swatch_is_shown_at_the_points_lightness(bins_predictor):
    dark, light = np.full((64, 64), 30, np.uint8), np.full((64, 64), 220, np.uint8)
    a = suggested_colours(bins_predictor, dark, (0.5, 0.5), k=3, size=64)
    b = suggested_colours(bins_predictor, light, (0.5, 0.5), k=3, size=64)
    assert sum(a[0].rgb) < sum(b[0].rgb)


def test_points_outside_the_photo_are_refused_before_the_network(bins_predictor, photo):
    for bad in ((1.2, 0.5), (0.5, -0.01), (float("nan"), 0.5), (0.5,)):
        with pytest.raises(PointOutside, match="point"):
            suggested_colours(bins_predictor, photo, bad)
    assert len(suggested_colours(bins_predictor, photo, (1.0, 0.0), k=2, size=64)) == 2   # the corners are on it
    with pytest.raises(ValueError, match="k must be"):
        suggested_colours(bins_predictor, photo, (0.5, 0.5), k=0)


def test_a_model_without_a_bin_head_says_so(photo):
    from colorstudio.core.errors import UserError
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    for m in (create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8),
              create("unet-gan", weights=False, base=8, depth=2)):
        with pytest.raises(NoColourDistribution, match="offers no colour distribution") as err:
            suggested_colours(Predictor(m, device="cpu", backend="torch"), photo, (0.5, 0.5))
        assert isinstance(err.value, UserError) and "\n" not in str(err.value)


def test_the_predictor_gives_probabilities_at_the_bin_heads_cells(bins_predictor):
    x = np.zeros((1, 1, 64, 96), np.float32)
    p = bins_predictor.colour_distribution(x)
    assert p.shape == (1, 313, 16, 24) and np.allclose(p.sum(1), 1.0, atol=1e-4)
    assert bins_predictor.bin_centres().shape == (313, 2)


def test_nearby_bins_merge_into_the_peak():
    bins = np.array([[0, 0], [10, 0], [40, 40], [50, 40], [-30, 20], [0, 60]], np.float32)
    prob = np.array([0.10, 0.25, 0.30, 0.05, 0.20, 0.10], np.float32)
    got = peaks(prob, bins, k=3, min_separation=12.0)
    # (40, 40) takes (50, 40): 0.35; (10, 0) takes (0, 0): 0.35; then (-30, 20); (0, 60) is a fourth
    assert [q for q, _ in got][:2] in ([2, 1], [1, 2]) and got[2][0] == 4
    assert [round(m, 3) for _, m in got] == [0.35, 0.35, 0.2]


def test_a_broad_mode_beats_one_lone_peak_bin():
    """The first swatch is where the most probability lies within a swatch's reach, not the
    single most probable bin: a brown spread over five neighbouring bins (0.6 in all) comes
    before one lone green bin of 0.3 -- the truth is likelier near the brown."""
    bins = np.array([[50, 50], [0, 30], [10, 30], [-10, 30], [0, 40], [0, 20]], np.float32)
    prob = np.array([0.30, 0.12, 0.12, 0.12, 0.12, 0.12], np.float32)
    got = peaks(prob, bins, k=2, min_separation=20.0)
    assert got[0][0] == 1 and round(got[0][1], 3) == 0.6 and got[1][0] == 0


def test_one_noisy_cell_does_not_decide():
    p = np.zeros((2, 5, 5), np.float32)
    p[0] = 1.0
    p[:, 2, 2] = (0.0, 1.0)                         # the clicked cell alone says bin 1
    avg = distribution_at(p, (0.5, 0.5))
    assert avg[0] > avg[1] and np.isclose(avg.sum(), 1.0)
