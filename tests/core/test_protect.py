"""Issue 35, item 3: a region protected from the hints' spread keeps the model's own no-hint
colour (core.colorize.protect through the hint step of core.colorize.pipeline)."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.colorize import hint_spread, pipeline, protect
from fake_predictors import FakePredictor

H, W = 96, 128
BLOCK = (slice(20, 76), slice(56, 100))     # the protected region, in the photo's pixels
INSIDE = (slice(32, 64), slice(68, 88))     # well inside it (a bilinear cell and the soft edge away)


class Ramp(FakePredictor):
    """A colorizer whose own colour varies across the picture (so "the no-hint colour" is not
    one constant) and that does not see hints."""

    def predict_ab(self, x: np.ndarray) -> np.ndarray:
        self.calls += 1
        n, _, h, w = x.shape
        a = np.linspace(-30.0, 30.0, w, dtype=np.float32)[None, :].repeat(h, 0)
        b = np.linspace(25.0, -5.0, h, dtype=np.float32)[:, None].repeat(w, 1)
        return np.stack([a, b])[None].repeat(n, 0) / 110.0


class HintNet(Ramp):
    """A network that takes hints as input planes and spreads them over the whole picture itself
    (what a hint-taking network may do): its hinted answer differs everywhere."""

    hint_planes = True

    def predict_ab(self, x: np.ndarray) -> np.ndarray:
        y = super().predict_ab(x)
        m = x[:, 3:4]
        if m.sum():
            y = y + 0.5 * (x[:, 1:3] * m).sum((2, 3), keepdims=True) / m.sum()
        return y


def _block() -> np.ndarray:
    m = np.zeros((H, W), bool)
    m[BLOCK] = True
    return m


def _photo() -> np.ndarray:
    return np.full((H, W), 120, np.uint8)


def test_a_protected_region_keeps_the_no_hint_colour_exactly_while_a_hint_beside_it_spreads():
    pred, img = Ramp(), _photo()
    hint = [pipeline.Hint(0.2, 0.5, -40.0, 45.0, reach=0.5)]
    plain = pipeline.colorize(img, pred, size=64).rgb
    free = pipeline.colorize(img, pred, size=64, hints=hint).rgb
    kept = pipeline.colorize(img, pred, size=64, hints=hint, protect_mask=_block()).rgb
    diff = lambda a, b: np.abs(a.astype(int) - b.astype(int)).max(2)   # noqa: E731
    assert diff(free, plain)[INSIDE].max() > 20                 # unprotected, the hint colours the region ...
    np.testing.assert_array_equal(kept[INSIDE], plain[INSIDE])   # ... protected, it is exactly the model's own
    assert diff(kept, plain)[:, :40].mean() > 20                # the hint still colours its own side
    assert diff(kept, plain)[4:12, 60:96].mean() > 3            # and goes round the region (above it)
    assert diff(kept, free)[:, :20].mean() < 4                  # and about as it did unprotected


def test_the_reach_overlay_is_zero_there_and_hints_go_around_not_through():
    pred, img = Ramp(), _photo()
    hint = [pipeline.Hint(0.2, 0.5, -40.0, 45.0, reach=0.5)]
    res = pipeline.colorize(img, pred, size=64, hints=hint, protect_mask=_block())
    w = res.hint_weights[0].astype(np.float32)                  # the network's grid: 64 x 64
    gy, gx = w.shape[0] / H, w.shape[1] / W
    inner = w[int(BLOCK[0].start * gy) + 1:int(BLOCK[0].stop * gy) - 1,
              int(BLOCK[1].start * gx) + 1:int(BLOCK[1].stop * gx) - 1]
    assert inner.size and inner.max() == 0.0
    # a wall across the whole height stops the reach; with an opening, colour goes through it
    L, ab = np.full((40, 80), 50.0, np.float32), np.zeros((40, 80, 2), np.float32)
    wall = np.zeros((40, 80), np.float32)
    wall[:, 38:42] = 1.0
    pts = np.array([[20, 10]])
    shut = hint_spread.reach_weights(pts, L, ab, 60.0, wall=wall)[0]
    wall[:6] = 0.0
    open_ = hint_spread.reach_weights(pts, L, ab, 60.0, wall=wall)[0]
    assert shut[:, 42:].max() < 1e-6 and open_[20, 50] > 0.05 and open_[6:, 38:42].max() == 0.0


def test_a_hint_inside_a_protected_region_lands_on_its_own_dot_only():
    pred, img = Ramp(), _photo()
    inside = [pipeline.Hint(78.5 / W, 48.5 / H, -40.0, 45.0)]
    plain = pipeline.colorize(img, pred, size=64)
    res = pipeline.colorize(img, pred, size=64, hints=inside, protect_mask=_block())
    from colorstudio.core import color

    lab = color.rgb_to_lab(res.rgb)
    np.testing.assert_allclose(lab[48, 78, 1:], [-40.0, 45.0], atol=3.0)       # the order is kept
    far = (slice(28, 38), slice(62, 72))
    np.testing.assert_array_equal(res.rgb[far], plain.rgb[far])               # nothing else moved
    w = res.hint_weights[0].astype(np.float32)
    assert np.count_nonzero(w) <= 9 and w.max() == 1.0                        # the overlay: the dot alone


def test_a_hint_taking_network_keeps_its_no_hint_answer_there_running_once_per_edit():
    net, img = HintNet(), _photo()
    plain = pipeline.colorize(img, net, size=64).rgb
    hint = [pipeline.Hint(0.2, 0.5, -40.0, 45.0, reach=0.1)]
    free = pipeline.colorize(img, net, size=64, hints=hint).rgb
    assert np.abs(free[INSIDE].astype(int) - plain[INSIDE].astype(int)).max() > 5   # the network moved it
    memo = pipeline.NetworkMemo()
    n = net.calls
    kept = pipeline.colorize(img, net, size=64, hints=hint, protect_mask=_block(), memo=memo).rgb
    assert net.calls == n + 2                     # the no-hint answer (kept) and the hinted one
    np.testing.assert_array_equal(kept[INSIDE], plain[INSIDE])
    assert np.abs(kept[:, :30].astype(int) - plain[:, :30].astype(int)).max() > 5
    moved = [pipeline.Hint(0.25, 0.4, 30.0, -20.0, reach=0.1)]
    again = pipeline.colorize(img, net, size=64, hints=moved, protect_mask=_block(), memo=memo).rgb
    assert net.calls == n + 3                     # a hint edit: the hinted network only
    np.testing.assert_array_equal(again[INSIDE], plain[INSIDE])


def test_propagate_hints_alone_keeps_the_region_with_no_cast():
    l_norm = np.zeros((32, 64), np.float32)
    ab = np.zeros((32, 64, 2), np.float32)
    ab[..., 0] = np.linspace(-10, 10, 64, dtype=np.float32)
    guard = np.zeros((32, 64), bool)
    guard[:, 48:] = True
    pts = [(0.05, 0.2), (0.1, 0.8), (0.2, 0.5), (0.3, 0.3), (0.15, 0.1)]     # five that agree: a cast
    hints = [pipeline.Hint(x, y, 20.0, 10.0, reach=0.05) for x, y in pts]
    out = pipeline.propagate_hints(ab, l_norm, hints, protect=guard)
    np.testing.assert_array_equal(out[:, 48:], ab[:, 48:])
    assert out[16, 40, 1] > 5.0                                                # the cast elsewhere


def test_a_protect_mask_must_be_the_photos_size():
    with pytest.raises(ValueError, match="protect mask is 50x40 px, the image 128x96"):
        pipeline.colorize(_photo(), Ramp(), size=64, hints=[pipeline.Hint(0.5, 0.5, 1.0, 1.0)],
                          protect_mask=np.ones((40, 50), bool))
    assert protect.checked(np.zeros((H, W), bool), (H, W)) is None         # protects nothing


def test_cells_and_the_soft_edge():
    m = np.zeros((8, 8), bool)
    m[:, :4] = True
    f = protect.cells(m, (4, 4))
    np.testing.assert_array_equal(f, np.repeat([[1.0, 1.0, 0.0, 0.0]], 4, 0))
    s = protect.blend_weight(f)
    assert (s[:, :2] == 1.0).all() and 0.0 < s[0, 2] < 1.0 and (s[:, 3] == 0.0).all()
    np.testing.assert_allclose(protect.cells(np.where(m, 255, 0).astype(np.uint8), (4, 4)), f)


def test_a_batch_of_photos_honours_the_masks_as_one_photo_does(tmp_path):
    """The colour masks saved with the hints reach the batch's colorize stage (the CLI's
    ``colorize --hints``): each photo comes out as ``pipeline.colorize`` makes it."""
    from colorstudio.core import batch
    from colorstudio.core.io.imageio import read_image, write_image

    hint = [pipeline.Hint(0.2, 0.5, -40.0, 45.0, reach=0.5)]
    gray = np.zeros((H, W), bool)
    gray[70:90, 5:30] = True
    for i in range(2):
        write_image(tmp_path / "in" / f"p{i}.png", _photo())
    events = list(batch.colorize_files(sorted((tmp_path / "in").glob("*.png")), tmp_path / "out", Ramp(), size=64,
                                       hints=hint, gray=gray, protect=_block(), workers=1))
    assert [e.status for e in events] == ["done", "done"]
    want = pipeline.colorize(_photo(), Ramp(), size=64, hints=hint, gray_mask=gray, protect_mask=_block()).rgb
    for i in range(2):
        np.testing.assert_array_equal(read_image(tmp_path / "out" / f"p{i}.png"), want)
