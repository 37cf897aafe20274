"""The hint step after the network (issue 35): edge-aware reach, and the network's answer
kept across hint edits."""

import numpy as np
import pytest

from colorstudio.core.colorize import hint_spread, pipeline


def test_weight_is_one_at_the_hint_and_falls_with_distance():
    L = np.full((40, 80), 50.0, np.float32)
    w = hint_spread.reach_weights(np.array([[20, 10]]), L, None, 12.0)
    assert w.shape == (1, 40, 80) and w[0, 20, 10] == pytest.approx(1.0)
    row = w[0, 20, 10:]
    assert np.all(np.diff(row) <= 1e-6) and row[5] > 0.5 > row[40]


def test_an_edge_of_the_lightness_or_of_the_network_colour_cuts_the_reach():
    L = np.full((40, 80), 50.0, np.float32)
    pts = np.array([[20, 30]])
    flat = hint_spread.reach_weights(pts, L, None, 20.0)[0, 20, 45]
    soft = L.copy()
    soft[:, 40:] = 62.0                     # a soft lightness step (within the tolerance)
    ab = np.zeros((40, 80, 2), np.float32)
    ab[:, 40:] = (30.0, 25.0)               # the network colours the two sides apart
    assert hint_spread.reach_weights(pts, soft, None, 20.0)[0, 20, 45] < flat
    assert hint_spread.reach_weights(pts, L, ab, 20.0)[0, 20, 45] < 0.5 * flat


def test_each_hint_keeps_its_own_reach():
    L = np.full((32, 64), 50.0, np.float32)
    pts = np.array([[16, 10], [16, 50]])
    w = hint_spread.reach_weights(pts, L, None, np.array([4.0, 16.0]))
    alone = hint_spread.reach_weights(pts[1:], L, None, 16.0)
    np.testing.assert_allclose(w[1], alone[0], atol=1e-6)
    assert w[0, 16, 18] < w[1, 16, 42]     # the same distance, a shorter reach
    assert hint_spread.reach_weights(np.zeros((0, 2)), L, None, 4.0).shape == (0, 32, 64)


def test_a_hint_edit_reuses_the_network_answer(fake_predictor):
    """With a memo, only the first run of a picture runs the network; hints change the
    result without another run; a new picture or size runs it again."""
    pred = fake_predictor(ab=(10.0, 5.0))
    img = np.full((40, 60), 90, np.uint8)
    memo = pipeline.NetworkMemo()
    a = pipeline.colorize(img, pred, size=32, memo=memo)
    n = pred.calls
    b = pipeline.colorize(img, pred, size=32, hints=[pipeline.Hint(0.5, 0.5, -40.0, 30.0)], memo=memo)
    assert pred.calls == n and not np.array_equal(a.rgb, b.rgb)
    np.testing.assert_array_equal(pipeline.colorize(img, pred, size=32, memo=memo).rgb, a.rgb)
    pipeline.colorize(img, pred, size=48, memo=memo)
    pipeline.colorize(img.copy(), pred, size=48, memo=memo)
    assert pred.calls == n + 2


def test_colour_balance_shifts_the_colour_after_the_saturation(tmp_path):
    from colorstudio.core import color
    from colorstudio.core.colorize import hintfile

    img = np.full((20, 30), 128, np.uint8)
    ab = np.full((5, 8, 2), 10.0, np.float32)
    lab = color.rgb_to_lab(pipeline.compose(img, ab, color.Look(0.0, 20.0, -10.0)))
    np.testing.assert_allclose(lab[10, 10, 1:], [-10.0, 20.0], atol=1.5)   # gray first, then the shift
    with pytest.raises(ValueError, match="temperature"):
        color.Look(1.0, 99.0)
    path = tmp_path / "h.json"
    hintfile.write_points(path, [(0.5, 0.5, (1, 2, 3))], (12.5, -3.0))
    assert hintfile.read_balance(path) == (12.5, -3.0) and hintfile.read_points(path) == [(0.5, 0.5, (1, 2, 3))]
    hintfile.write_points(path, [(0.5, 0.5, (1, 2, 3))])
    assert hintfile.read_balance(path) == (0.0, 0.0) and path.read_text().lstrip().startswith("[")
    path.write_text('{"hints": [], "balance": {"temperature": "warm"}}')
    with pytest.raises(hintfile.HintFileError, match="balance temperature"):
        hintfile.read_balance(path)
