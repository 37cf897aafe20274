"""Issue 35: what a set of hints says beyond each hint's neighbourhood -- the picture's palette
refit, and a hint carried to the pixels the network coloured alike (core.colorize.hint_palette
through pipeline.propagate_hints)."""

from __future__ import annotations

import numpy as np

from colorstudio.core import color
from colorstudio.core.colorize import hint_palette, pipeline
from colorstudio.core.colorize.pipeline import Hint, propagate_hints


def _scene(h: int = 64, w: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Lightness steps (so no hint's local reach crosses them) under an over-saturated palette:
    the network's colour is twice the truth's everywhere."""
    L = np.full((h, w), 60.0, np.float32)
    for k, x0 in enumerate(range(0, w, 32)):
        L[:, x0:x0 + 32] = 30.0 + 3.0 * k
    rng = np.random.default_rng(0)
    truth = np.zeros((h, w, 2), np.float32)
    for x0 in range(0, w, 32):
        truth[:, x0:x0 + 32] = rng.uniform(-20, 20, 2)
    return color.normalize_l(L), truth


def test_hints_that_agree_on_a_palette_refit_the_pixels_they_do_not_reach():
    l_norm, truth = _scene()
    net = truth * 2.0                                     # vivid but wrong: twice too saturated
    xs = [(k * 32 + 16) / 512 for k in range(12)]        # hints on twelve of the sixteen strips
    hints = [Hint(x, 0.5, *truth[32, int(x * 512)], reach=0.01) for x in xs]
    out = propagate_hints(net, l_norm, hints)
    far = (slice(20, 44), slice(388, 508))                # the last strips: no hint, far from all
    before = np.abs(net[far] - truth[far]).mean()
    after = np.abs(out[far] - truth[far]).mean()
    assert after < 0.6 * before                           # much of the palette's error gone there
    L = color.denormalize_l(l_norm)
    pts = np.array([[32, int(x * 512)] for x in xs[:4]])
    few = hint_palette.refit_palette(net, L, pts, truth[pts[:, 0], pts[:, 1]])
    assert few is net                                     # four hints: colours of things, no refit


def _colour_part(m: np.ndarray) -> np.ndarray:
    return np.array([[m[0], m[1]], [m[1], m[2]]])


def test_the_refit_never_turns_mirrors_nor_stretches_the_colours_beyond_its_bounds():
    """Hints all on one end of the picture's colours asking for the other end: a plain least
    squares fit would mirror the hue axis for the rest of the picture, or turn it; the map
    only stretches or mutes the ab plane along two axes, within its bounds."""
    ab = np.zeros((32, 64, 2), np.float32)
    ab[..., 0] = np.linspace(-10, 10, 64, dtype=np.float32)
    ab[..., 1] = np.linspace(-5, 15, 32, dtype=np.float32)[:, None]
    L = np.full((32, 64), 50.0, np.float32)
    pts = np.array([[16, x] for x in (2, 5, 8, 11, 14, 17)])
    m = _colour_part(hint_palette.palette_map(ab, L, pts, np.tile([[20.0, 10.0]], (len(pts), 1))))
    np.testing.assert_allclose(m, m.T)                                   # no turn, no shear
    w = np.linalg.eigvalsh(m)
    lo, hi = hint_palette.PALETTE_STRETCH
    assert lo - 1e-9 <= w.min() and w.max() <= hi + 1e-9                 # no mirror, no blow-up
    # The same hints on a picture whose colour they do describe: the identity is kept.
    same = hint_palette.palette_map(ab, L, pts, ab[pts[:, 0], pts[:, 1]])
    np.testing.assert_allclose(same, hint_palette.IDENTITY, atol=1e-6)


def test_a_hint_reaches_the_same_colour_elsewhere_by_half_and_the_overlay_says_so():
    h, w = 48, 192
    l_norm = color.normalize_l(np.full((h, w), 55.0, np.float32))
    ab = np.zeros((h, w, 2), np.float32)
    ab[:, :24] = (20.0, 25.0)            # a brown coat ...
    ab[:, 168:] = (20.0, 25.0)           # ... and its other sleeve, far beyond the local reach
    ab[:, 84:108] = (-20.0, 10.0)        # a green thing between them
    hint = [Hint(12.5 / w, 24.5 / h, 40.0, 40.0, reach=0.05)]     # the coat is redder
    out = propagate_hints(ab, l_norm, hint)
    resid = np.array([20.0, 15.0])
    far = out[20:28, 176:188] - ab[20:28, 176:188]
    np.testing.assert_allclose(far.mean((0, 1)), hint_palette.ALIKE_SHARE * resid, atol=1.5)
    assert np.abs(out[:, 90:102] - ab[:, 90:102]).max() < 0.5      # another colour: untouched
    assert np.abs(out[:, 60:72] - ab[:, 60:72]).max() < 0.5        # gray to the network: untouched
    reach = pipeline.hint_weights(ab, l_norm, hint)
    shown = reach.shown[0]
    assert abs(float(shown[24, 182]) - hint_palette.ALIKE_SHARE) < 0.05    # where the colour went
    assert float(shown[24, 96]) < 0.02 and float(shown[24, 66]) < 0.02


def test_likeness_stops_at_a_protected_region_and_gives_nothing_from_inside_it():
    h, w = 48, 192
    L = np.full((h, w), 55.0, np.float32)
    ab = np.zeros((h, w, 2), np.float32)
    ab[:, :24] = ab[:, 168:] = (20.0, 25.0)
    guard = np.zeros((h, w), bool)
    guard[:, 160:] = True
    reach = pipeline.hint_weights(ab, color.normalize_l(L), [Hint(12.5 / w, 24.5 / h, 40.0, 40.0, reach=0.05)],
                                  protect=guard)
    assert reach.alike[0][:, 164:].max() == 0.0
    inside = pipeline.hint_weights(ab, color.normalize_l(L), [Hint(180.5 / w, 24.5 / h, 40.0, 40.0, reach=0.05)],
                                   protect=guard)
    assert inside.alike[0].max() == 0.0


def test_frames_of_a_shot_keep_their_palette_in_the_app_and_the_batch_alike(tmp_path, fake_predictor):
    """A palette refitted frame by frame flickers (a pan with six carried hints: 1.26 ab units
    between frames against 0.83), so a shot's frames take the local spread and likeness only --
    the Shot tab's preview (``pipeline.colorize(frame=True)``) as the batch's frames; a photo's
    hints refit its palette, in the app as in the batch."""
    from colorstudio.core import batch
    from colorstudio.core.io.imageio import read_image, write_image

    img = np.tile(np.linspace(40, 200, 96).astype(np.uint8), (64, 1))
    src = write_image(tmp_path / "f.png", img)
    colours = ((0, 0), (40, -15), (20, 20), (20, -50), (-10, -15), (50, 10))
    hints = [Hint(0.1 + 0.15 * k, 0.3 + 0.08 * k, float(a), float(b), reach=0.05) for k, (a, b) in enumerate(colours)]
    pred = fake_predictor()
    photo = pipeline.colorize(img, pred, size=32, hints=hints).rgb
    frame = pipeline.colorize(img, pred, size=32, hints=hints, frame=True).rgb
    assert np.abs(photo.astype(int) - frame.astype(int)).max() > 3       # the refit acts on a photo only
    list(batch.colorize_files([src], tmp_path / "photos", pred, size=32, hints=hints))
    np.testing.assert_array_equal(read_image(tmp_path / "photos" / "f.png"), photo)
    list(batch.colorize_files([src], tmp_path / "frames", pred, size=32, frame_hints=[hints]))
    np.testing.assert_array_equal(read_image(tmp_path / "frames" / "f.png"), frame)
