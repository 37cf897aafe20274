"""One-frame dust of film frames filled from the neighbouring frames along the optical flow
(issue 31 item 5): ``core.restore.temporal`` and the batch's frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from colorstudio.core import batch
from colorstudio.core.batch import frames
from colorstudio.core.io import imageio
from colorstudio.core.restore import repair, temporal
from repair_stand_ins import Gray, WhiteIsDamage


def _texture(seed: int = 0, shape=(300, 340)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    L = cv2.GaussianBlur(rng.uniform(0, 100, shape).astype(np.float32), (0, 0), 3)
    return ((L - L.min()) / (L.max() - L.min()) * 80 + 10).astype(np.float32)


BASE = _texture()


def _frame(t: int) -> np.ndarray:
    """A window of the texture panned by (2, 1) px a frame."""
    return BASE[20 + t:20 + t + 200, 20 + 2 * t:20 + 2 * t + 240].copy()


def _specks(shape) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    for y, x in [(50, 60), (120, 150), (160, 40)]:
        cv2.circle(m, (x, y), 5, 1, -1)
    return m.astype(bool)


def test_one_frame_dust_is_filled_from_the_neighbours_far_better_than_spatially():
    prev, truth, nxt = _frame(0), _frame(1), _frame(2)
    mask = _specks(truth.shape)
    cur = truth.copy()
    cur[mask] = 100.0
    t = temporal.temporal_fill(prev, cur, nxt, mask, lightness=True)
    assert t.used.sum() > 0.9 * mask.sum() and not (t.used & ~mask).any()
    err = np.abs(t.filled - truth)[t.used].mean()
    spatial = np.abs(repair.fill(cur, mask) - truth)[t.used].mean()
    assert err < 0.5 and err < spatial / 5
    assert np.array_equal(t.filled[~mask], cur[~mask])          # unmasked pixels bit-exact


def test_images_keep_dtype_layout_and_alpha():
    def rgba(L):
        g = np.round(L * 2.55).astype(np.uint8)
        return np.dstack([g, g, g, np.full_like(g, 200)])

    prev, truth, nxt = rgba(_frame(0)), rgba(_frame(1)), rgba(_frame(2))
    mask = _specks(truth.shape[:2])
    cur = truth.copy()
    cur[mask, :3] = 255
    cur[mask, 3] = 7
    t = temporal.temporal_fill(prev, cur, nxt, mask)
    assert t.filled.dtype == np.uint8 and t.filled.shape == cur.shape and t.used.any()
    assert np.array_equal(t.filled[:, :, 3], cur[:, :, 3])      # alpha is the frame's
    assert np.abs(t.filled[t.used, :3].astype(int) - truth[t.used, :3]).mean() < 2
    assert np.array_equal(t.filled[~mask], cur[~mask])


def test_neighbours_that_disagree_are_not_used():
    prev, cur, nxt = _frame(0), _frame(1), _frame(2)
    mask = _specks(cur.shape)
    cur[mask] = 100.0
    prev[40:70, 50:80] = 95.0     # something passes over the first speck: bright in one
    nxt[40:70, 50:80] = 5.0       # neighbour, dark in the other (an occlusion, a moving edge)
    t = temporal.temporal_fill(prev, cur, nxt, mask, lightness=True)
    assert not t.used[40:62, 50:72].any()
    assert t.used[110:131, 140:161].any()        # the other specks still are
    assert np.array_equal(t.filled[40:62, 50:72], cur[40:62, 50:72])


def test_damage_in_all_three_frames_is_left_to_the_spatial_fill():
    still = _frame(1)
    mask = _specks(still.shape)
    still[mask] = 100.0
    t = temporal.temporal_fill(still.copy(), still.copy(), still.copy(), mask, lightness=True)
    assert not t.used.any() and np.array_equal(t.filled, still)


def test_a_first_or_last_frame_or_a_neighbour_of_another_size_fills_nothing():
    cur = _frame(1)
    mask = _specks(cur.shape)
    cur[mask] = 100.0
    for prev, nxt in ((None, _frame(2)), (_frame(0), None), (_frame(0), _frame(2)[:, :-1])):
        t = temporal.temporal_fill(prev, cur, nxt, mask, lightness=True)
        assert not t.used.any() and np.array_equal(t.filled, cur)


def test_repair_frame_mends_what_the_neighbours_cannot_spatially():
    prev, truth, nxt = (np.round(_frame(t) * 2.55).astype(np.uint8) for t in range(3))
    mask = _specks(truth.shape)
    cur = truth.copy()
    cur[mask] = 255
    line = np.zeros_like(mask)
    line[:, 200:202] = True
    for f in (prev, cur, nxt):
        f[line] = 0               # a line in the film base: the same place of every frame
    mended, r, used = temporal.repair_frame(None, cur, prev, nxt, mask=mask | line)
    assert r.mask.sum() == (mask | line).sum() and r.prob is None
    assert used[mask].mean() > 0.9
    assert mended[line].min() > 10                 # the line is filled too, by one fill or the other
    assert np.abs(mended[mask].astype(int) - truth[mask]).mean() < 2
    assert np.array_equal(mended[~(mask | line)], cur[~(mask | line)])


def test_triples_give_each_frame_its_neighbours_and_keep_a_read_error_after_the_last():
    assert [(p, c, n) for p, c, n in frames.triples([1, 2, 3])] == [(None, 1, 2), (1, 2, 3), (2, 3, None)]
    assert list(frames.triples([])) == []

    def broken():
        yield 1
        yield 2
        raise OSError("damaged")

    got = []
    with pytest.raises(OSError):
        for item in frames.triples(broken()):
            got.append(item)
    assert got == [(None, 1, 2), (1, 2, None)]


# ------------------------------------------------------------------------------ the batch



def _film(tmp_path, n: int = 5):
    """A folder of panned gray frames; frame 2 (0-based) has white specks of its own."""
    folder = tmp_path / "film"
    folder.mkdir()
    truth = []
    for t in range(n):
        g = np.round(_frame(t) * 2.0 + 20).astype(np.uint8)   # 40..180: no white in the film
        truth.append(g.copy())
        if t == 2:
            g[_specks(g.shape)] = 255
        imageio.write_image(folder / f"f{t:03d}.png", g)
    return sorted(folder.glob("*.png")), truth


def _run(files, out, **kw):
    return list(batch.colorize_files(files, out, Gray(), size=64, repairer=WhiteIsDamage(), **kw))


def _gray(path):
    img = imageio.read_image(path)
    return img if img.ndim == 2 else img[:, :, 0]


def test_a_folder_of_frames_fills_one_frame_dust_from_its_neighbours(tmp_path):
    files, truth = _film(tmp_path)
    assert all(e.status == "done" for e in _run(files, tmp_path / "seq", smooth=0.5))
    assert all(e.status == "done" for e in _run(files, tmp_path / "photos"))      # photos: spatial only
    m = _specks(truth[2].shape)
    seq = np.abs(_gray(tmp_path / "seq" / "f002.png").astype(int) - truth[2])[m].mean()
    photo = np.abs(_gray(tmp_path / "photos" / "f002.png").astype(int) - truth[2])[m].mean()
    assert seq < 3 and seq < photo / 2
    for t in (0, 1, 3, 4):   # frames without dust: the same either way
        assert np.array_equal(_gray(tmp_path / "seq" / f"f{t:03d}.png"), _gray(tmp_path / "photos" / f"f{t:03d}.png"))


def test_a_resumed_run_gives_the_frames_of_an_uninterrupted_one(tmp_path):
    files, _ = _film(tmp_path)
    _run(files, tmp_path / "whole", smooth=0.5)
    part = tmp_path / "part"
    _run(files[:2], part, smooth=0.5)          # interrupted after frames 0 and 1 ...
    (part / "f001.png").unlink()               # ... the last one lost
    events = _run(files, part, smooth=0.5)
    assert [e.status for e in events] == ["skipped", "done", "done", "done", "done"]
    for f in files:
        assert np.array_equal(imageio.read_image(part / f.name), imageio.read_image(tmp_path / "whole" / f.name))


def test_frame_window_reads_each_frame_once_and_misses_are_none(tmp_path):
    files, _ = _film(tmp_path, 3)
    w = batch.FrameWindow(files)
    prev, nxt = w.around(0)
    assert prev is None and nxt.shape == (200, 240)
    assert w.around(1)[1] is w.frame(2)
    files[1].write_bytes(b"not a png")
    w2 = batch.FrameWindow(files)
    assert w2.around(2) == (None, None)


@pytest.mark.parametrize("smooth", [0.0, 0.5])
def test_a_range_of_a_shot_reads_the_neighbours_outside_it(tmp_path, smooth):
    from colorstudio.core.batch import ranges, shards

    files, _ = _film(tmp_path)
    _run(files, tmp_path / "whole", smooth=smooth)   # one run: a sequence with smoothing, else photos
    shot = shards.Shot(files=tuple(files))
    plan = shards.plan_range(shot, frames=ranges.FrameSpan(3, 3), smooth=smooth)   # frame 3: the dusty one
    events = list(shards.colorize_range(shot, tmp_path / "range", Gray(), plan, size=64, smooth=smooth,
                                        repairer=WhiteIsDamage()))
    assert [e.status for e in events] == ["done"]
    assert np.array_equal(imageio.read_image(tmp_path / "range" / "f002.png"),
                          imageio.read_image(tmp_path / "whole" / "f002.png"))
