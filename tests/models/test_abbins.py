"""Quantised ab bins (core.color.abbins) and the zhang-bins model's use of them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from colorstudio.core.color import abbins
from colorstudio.core import color
from colorstudio.models import create

# Zhang et al.'s released 313 bins, as (a, lowest b, highest b) per column of the grid.
STANDARD_COLUMNS = [
    (-90, 50, 90), (-80, 20, 90), (-70, 0, 90), (-60, -20, 90), (-50, -30, 100),
    (-40, -40, 100), (-30, -50, 100), (-20, -50, 100), (-10, -60, 100), (0, -70, 100),
    (10, -80, 90), (20, -80, 90), (30, -90, 90), (40, -100, 90), (50, -100, 80),
    (60, -110, 80), (70, -110, 80), (80, -110, 70), (90, -110, 70), (100, -90, 0),
]


@pytest.fixture(scope="module")
def bins() -> np.ndarray:
    return abbins.ab_bins(10)


def test_grid_10_gives_the_standard_313_in_order(bins):
    assert bins.shape == (313, 2) and bins.dtype == np.float32
    expected = np.array([(a, b) for a, lo, hi in STANDARD_COLUMNS for b in range(lo, hi + 1, 10)],
                        np.float32)
    assert np.array_equal(bins, expected)
    assert abbins.STANDARD_Q == 313


def test_bins_are_deterministic_and_callers_cannot_corrupt_the_cache(bins):
    b = abbins.ab_bins(10)
    b[:] = 0
    assert np.array_equal(abbins.ab_bins(10), bins)


def test_every_srgb_colour_is_near_a_bin(bins):
    rgb = np.random.default_rng(0).random((20000, 1, 3)).astype(np.float32)
    rgb[:3000, 0] = np.eye(3)[np.arange(3000) % 3]          # include primaries
    ab = color.rgb_to_lab(rgb)[:, 0, 1:]
    _, d2 = abbins.nearest_bins(ab, bins, 1)
    assert np.sqrt(d2.max()) <= 5 * np.sqrt(2) + 1e-3      # inside the bin's grid cell


def test_every_bin_is_within_one_grid_step_of_the_gamut(bins):
    d = abbins.chebyshev_distance_to_gamut(bins)
    assert d.max() <= 10.0
    assert (d == 0).sum() > 200                             # most bins are in the gamut itself
    assert abbins.chebyshev_distance_to_gamut(np.array([[0.0, 0.0], [150.0, 150.0]])).tolist()[0] == 0.0


def test_other_grids_scale(bins):
    assert len(abbins.ab_bins(20)) < 313 < len(abbins.ab_bins(5))
    with pytest.raises(ValueError):
        abbins.ab_bins(0)


def test_soft_encode_sums_to_one_on_k_nearest(bins):
    ab = np.random.default_rng(1).uniform(-80, 80, (4, 6, 2)).astype(np.float32)
    z = abbins.soft_encode(ab, bins, sigma=5, k=5)
    assert z.shape == (4, 6, 313)
    np.testing.assert_allclose(z.sum(-1), 1.0, atol=1e-6)
    assert ((z > 0).sum(-1) <= 5).all()
    nearest, _ = abbins.nearest_bins(ab, bins, 1)
    assert np.array_equal(z.reshape(-1, 313).argmax(1), nearest[:, 0])


def test_soft_encode_of_a_bin_centre_peaks_there(bins):
    z = abbins.soft_encode(bins[[7]], bins, sigma=5, k=5)[0]
    assert z.argmax() == 7 and z[7] > 0.5
    with pytest.raises(ValueError):
        abbins.soft_encode(np.zeros((3, 3)), bins)


def test_annealed_mean_of_one_hot_is_that_bin(bins):
    p = np.zeros((3, 313), np.float32)
    p[[0, 1, 2], [0, 100, 312]] = 1.0
    for T in (0.38, 1.0):
        np.testing.assert_allclose(abbins.annealed_mean(p, bins, T), bins[[0, 100, 312]], atol=1e-4)


def test_annealed_mean_temperature(bins):
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(313), size=5)
    top = rng.integers(0, 313, 5)
    p[np.arange(5), top] += 0.2                                # a clear mode
    p = (p / p.sum(1, keepdims=True)).astype(np.float32)
    mean = p @ bins
    np.testing.assert_allclose(abbins.annealed_mean(p, bins, T=1.0), mean, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(abbins.annealed_mean(p, bins, T=0.01), bins[top], atol=1e-2)
    mid = abbins.annealed_mean(p, bins, T=0.38)                # pulled from the mean to the mode
    assert (np.linalg.norm(mid - bins[top], axis=1) < np.linalg.norm(mean - bins[top], axis=1)).all()
    q = p.T.reshape(1, 313, 5, 1)                              # bins along axis 1 (NCHW logits)
    np.testing.assert_allclose(abbins.annealed_mean(q, bins, 1.0, axis=1)[0, :, 0], mean, atol=1e-3)
    with pytest.raises(ValueError):
        abbins.annealed_mean(p, bins, T=0)


def test_rebalance_weights(bins):
    prior = np.random.default_rng(3).dirichlet(np.ones(313) * 0.3).astype(np.float32)
    w = abbins.rebalance_weights(prior, lam=0.5)
    assert w.shape == (313,)
    np.testing.assert_allclose((prior * w).sum(), 1.0, rtol=1e-5)
    order = np.argsort(prior)
    assert np.all(np.diff(w[order]) <= 1e-6)               # rarer colour -> larger weight
    np.testing.assert_allclose(abbins.rebalance_weights(prior, lam=1.0), 1.0, rtol=1e-5)
    with pytest.raises(ValueError):
        abbins.rebalance_weights(-prior)


def test_empirical_prior_and_bins_from_data(bins):
    ab = np.array([[0, 0]] * 3 + [[31, -42]], np.float32)
    p = abbins.empirical_prior(ab, bins)
    assert p.sum() == pytest.approx(1.0) and p.max() == pytest.approx(0.75)
    smooth = abbins.empirical_prior(ab, bins, smooth_sigma=5)
    assert (smooth > 0).sum() > (p > 0).sum() and smooth.sum() == pytest.approx(1.0, abs=1e-5)
    assert abbins.bins_from_data(ab).tolist() == [[0, 0], [30, -40]]


# --- the model side ---------------------------------------------------------------------

def test_model_targets_match_numpy_soft_encode(bins):
    m = create("zhang-bins", weights=False, base=8, convs=1)
    ab = np.random.default_rng(4).uniform(-90, 90, (2, 2, 3, 5)).astype(np.float32)  # N 2 H W
    z = m.encode_targets(torch.from_numpy(color.normalize_ab(ab)))
    ref = abbins.soft_encode(ab.transpose(0, 2, 3, 1), bins).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(z.numpy(), ref, atol=1e-5)


def test_model_decoding_is_the_annealed_mean(bins):
    m = create("zhang-bins", weights=False, base=8, convs=1)
    logits = torch.randn(1, 313, 2, 3) * 3
    ab = color.denormalize_ab(m.decode(logits).numpy())
    p = torch.softmax(logits, 1).numpy()
    np.testing.assert_allclose(ab, abbins.annealed_mean(p, bins, 0.38, axis=1).transpose(0, 3, 1, 2),
                               atol=1e-3)
    warm = m.decode(logits, temperature=1.0).numpy()
    assert np.abs(warm).mean() < np.abs(ab / 110).mean()    # T=1 is the desaturated mean


@pytest.mark.parametrize("loss", ["ce-rebalanced", "ce", "mse", "smoothl1"])
def test_bin_losses_train(loss):
    torch.manual_seed(0)
    m = create("zhang-bins", weights=False, base=8, convs=1).train()
    x, y = torch.rand(2, 1, 32, 32) - 0.5, (torch.rand(2, 2, 32, 32) - 0.5) * 0.8
    value = m.bin_loss(m(x), y, loss)
    assert value.ndim == 0 and torch.isfinite(value)
    value.backward()
    assert m.head.weight.grad is not None and m.head.weight.grad.abs().sum() > 0


def test_class_weights_from_a_prior_and_bad_loss_names():
    m = create("zhang-bins", weights=False, base=8, convs=1)
    w = abbins.rebalance_weights(np.full(313, 1 / 313))
    m.set_class_weights(w)
    assert torch.allclose(m.class_weights, torch.ones(313))
    assert "class_weights" not in m.state_dict()
    with pytest.raises(ValueError, match="shape"):
        m.set_class_weights(np.ones(5))
    with pytest.raises(ValueError, match="unknown bin loss"):
        m.bin_loss(torch.zeros(1, 313, 2, 2), torch.zeros(1, 2, 8, 8), "hinge")


def test_data_bins_travel_in_the_config(tmp_path):
    from colorstudio.core.io import checkpoint

    data_bins = [[0.0, 0.0], [10.0, 20.0], [-30.0, 40.0]]
    m = create("zhang-bins", weights=False, base=8, convs=1, bins=data_bins)
    assert m.head.out_channels == 3
    path = checkpoint.save_weights(tmp_path / "z.safetensors", m.state_dict(),
                                   {"family": "zhang-bins", "config": m.config})
    loaded = create("zhang-bins", weights=path)
    assert loaded.bins.tolist() == data_bins
