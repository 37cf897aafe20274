"""Keyframe hints carried through a shot: a known pan, cuts, occlusion, two keyframes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from colorstudio.core.batch import shot
from colorstudio.core.colorize.hintfile import HintFileError, read_points, read_shot, write_shot

RED, BLUE = (200, 30, 30), (30, 30, 200)


def texture(h: int = 300, w: int = 700, seed: int = 0) -> np.ndarray:
    """A photo-like gray texture (blobs at several scales) the flow can follow."""
    import cv2

    rng = np.random.default_rng(seed)
    img = np.zeros((h, w), np.float32)
    for s in (3, 9, 27):
        img += cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), s) * s
    img = (img - img.min()) / (img.max() - img.min())
    return (img * 255).astype(np.uint8)


def pan(photo: np.ndarray, n: int, dx: int = 3, w: int = 320, h: int = 240) -> list[np.ndarray]:
    return [photo[20:20 + h, 10 + dx * t:10 + dx * t + w].copy() for t in range(n)]


def test_a_hint_follows_a_known_pan_both_ways():
    frames = pan(texture(), 60)
    plan = shot.plan_frames(frames, {30: [(0.5, 0.5, RED)]})
    assert plan[30] == [(0.5, 0.5, RED)]
    for t in (0, 10, 59):
        (x, y, rgb), = plan[t]
        want = (0.5 * 319 - 3 * (t - 30)) / 319       # the content moves left as the window pans right
        assert rgb == RED
        assert abs(x - want) * 320 < 1.5 and abs(y - 0.5) * 240 < 1.5, (t, x, want, y)


def test_dropped_after_a_cut_and_when_it_leaves_the_frame():
    a, b = pan(texture(seed=1), 20), pan(texture(seed=2), 20)
    plan = shot.plan_frames(a + b, {0: [(0.5, 0.5, RED)], 25: [(0.2, 0.2, BLUE)]})
    assert all(p and p[0][2] == RED for p in plan[1:20]), "carried up to the cut"
    assert all(all(rgb != RED for _, _, rgb in p) for p in plan[20:]), "never across the cut"
    assert all(p and p[0][2] == BLUE for p in plan[20:40]), "the second shot has its own"
    # a hint near the left edge leaves the frame as the window pans right
    edge = shot.plan_frames(pan(texture(), 30, dx=4), {0: [(0.05, 0.5, RED)]})
    assert edge[2] and not edge[29]


def test_occlusion_drops_the_hint():
    frames = pan(texture(), 20)
    for f in frames[10:]:
        f[90:150, 100:220] = 255          # a white object covers the hinted spot from frame 10
    plan = shot.plan_frames(frames, {0: [(0.45, 0.5, RED)]})
    assert plan[5] and not plan[15]


def test_two_keyframes_merge_and_the_nearer_wins():
    frames = pan(texture(), 40)
    plan = shot.plan_frames(frames, {0: [(0.5, 0.5, RED), (0.8, 0.2, RED)], 39: [(0.5 - 117 / 319, 0.5, BLUE)]})
    # frame 30: the same spot from both keyframes (it moved 90 px): the nearer (39) colours it
    colours = [rgb for x, y, rgb in plan[30] if abs(y - 0.5) < 0.05]
    assert colours == [BLUE]
    assert any(rgb == RED and y < 0.3 for x, y, rgb in plan[30]), "the other object keeps its hint"
    # the keyframe itself: its own hint first, exactly; the other keyframe's hint of another
    # object is carried onto it too (no colour lost for one frame), the same spot only once
    assert plan[39][0] == (0.5 - 117 / 319, 0.5, BLUE)
    assert [rgb for x, y, rgb in plan[39][1:]] == [RED] and plan[39][1][1] < 0.3
    with pytest.raises(ValueError, match="outside the shot"):
        shot.plan_frames(frames, {40: [(0.5, 0.5, RED)]})


def test_shot_file_round_trip_and_still_files(tmp_path):
    p = tmp_path / "shot.json"
    write_shot(p, {0: [(0.5, 0.25, RED)], 119: [(0.1, 0.9, BLUE)]}, still=[(0.9, 0.9, (1, 2, 3))])
    data = json.loads(p.read_text())
    assert sorted(data["frames"]) == ["1", "120"]
    keys, still = read_shot(p)
    assert keys == {0: [(0.5, 0.25, RED)], 119: [(0.1, 0.9, BLUE)]} and still == [(0.9, 0.9, (1, 2, 3))]
    plain = tmp_path / "still.json"
    plain.write_text(json.dumps([{"x": 0.5, "y": 0.5, "rgb": [1, 2, 3]}]))
    assert read_shot(plain) == ({}, [(0.5, 0.5, (1, 2, 3))])
    with pytest.raises(HintFileError, match="shot hint file"):
        read_points(p)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"frames": {"0": []}}))
    with pytest.raises(HintFileError, match="numbered from 1"):
        read_shot(bad)
    bad.write_text(json.dumps({"frames": {"x": []}}))
    with pytest.raises(HintFileError, match="not a frame number"):
        read_shot(bad)


@pytest.mark.slow
def test_each_frame_gets_its_own_hints_through_the_batch_engine(tmp_path):
    """colorize_files(frame_hints=...) colours frame i by its own hints, not the others'."""
    import torch

    from colorstudio.core import batch, color
    from colorstudio.core.io.imageio import read_image, write_image
    from colorstudio.core.colorize.pipeline import Hint
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    torch.manual_seed(0)
    pred = Predictor(create("unet-hints", weights=False, base=8, depth=2), device="cpu")
    files = [write_image(tmp_path / "in" / f"f{i}.png", texture(64, 96, seed=i)) for i in range(3)]
    plan = [[Hint.from_rgb(0.25, 0.5, RED)], [], [Hint.from_rgb(0.75, 0.5, BLUE)]]
    events = list(batch.colorize_files(files, tmp_path / "out", pred, frame_hints=plan))
    assert [e.status for e in events] == ["done"] * 3

    def ab_at(i, x, y):
        img = read_image(tmp_path / "out" / f"f{i}.png")
        lab = color.rgb_to_lab(img.astype(np.float32) / 255)
        return lab[int(y * 64), int(x * 96), 1:]

    def ab(rgb):
        return color.rgb_to_lab(np.array([[rgb]], np.float32) / 255)[0, 0, 1:]

    assert np.linalg.norm(ab_at(0, 0.25, 0.5) - ab(RED)) < 10
    assert np.linalg.norm(ab_at(2, 0.75, 0.5) - ab(BLUE)) < 10
    assert np.linalg.norm(ab_at(1, 0.25, 0.5) - ab(RED)) > 20, "frame 2 has no hint: no red"


def test_a_damaged_frame_does_not_stop_the_shot_plan(tmp_path):
    """Issue 33, class 10: one damaged frame aborted a whole shot batch."""
    import numpy as np

    from colorstudio.core.batch import shot
    from colorstudio.core.io.imageio import write_image

    import cv2

    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur((rng.random((96, 128)) * 255).astype(np.uint8), (0, 0), 3)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)
    files = []
    for i in range(5):
        f = tmp_path / f"f{i}.png"
        write_image(f, np.roll(base, i, axis=1))
        files.append(f)
    files[2].write_bytes(b"\x89PNG\r\n\x1a\n damaged")
    plan = shot.plan_files(files, {0: [(0.5, 0.5, (200, 40, 40))]})
    assert len(plan) == 5
    assert plan[0] and plan[1]          # carried to the frame after the keyframe
    assert not plan[2]                  # the damaged frame: a cut, nothing carried through it
