"""Frame ranges and shards (core.batch.ranges) and a range's run (core.batch.shards)."""

from __future__ import annotations

import json
import random

import cv2
import numpy as np
import pytest

from colorstudio.core import environment
from colorstudio.core.batch import colorize_files, ranges, shards
from colorstudio.core.batch.shot import CUT_THRESHOLD
from colorstudio.core.io.imageio import read_image, write_image


# ------------------------------------------------------------------------- parsing

@pytest.mark.parametrize("text, first, last", [("5-10", 5, 10), ("5-", 5, None), ("7", 7, 7), (" 3 - 9 ", 3, 9),
                                               ("1001-1100", 1001, 1100)])
def test_parse_frames(text, first, last):
    assert ranges.parse_frames(text) == ranges.FrameSpan(first, last)


@pytest.mark.parametrize("text, match", [("0-5", "numbered from 1"), ("10-5", "ends before it starts"),
                                         ("abc", "not a frame range"), ("-5", "not a frame range"),
                                         ("1-2-3", "not a frame range"), ("", "not a frame range")])
def test_parse_frames_refuses(text, match):
    with pytest.raises(ranges.RangeError, match=match):
        ranges.parse_frames(text)


def test_span_resolves_inside_the_shot_only():
    assert ranges.FrameSpan(3, 5).resolve(10) == range(2, 5)
    assert ranges.FrameSpan(3).resolve(10) == range(2, 10)
    for span in (ranges.FrameSpan(11), ranges.FrameSpan(5, 11)):
        with pytest.raises(ranges.RangeError, match="outside the shot: it has frames 1-10"):
            span.resolve(10)


@pytest.mark.parametrize("text", ["0/4", "5/4", "a/b", "3", "1/0", "2/4/8"])
def test_parse_shard_refuses(text):
    with pytest.raises(ranges.RangeError):
        ranges.parse_shard(text)
    assert ranges.parse_shard(" 2 / 4 ") == (2, 4)


# ---------------------------------------------------------------------- shard plans

def _covers(parts: list[range], count: int) -> bool:
    return [i for p in parts for i in p] == list(range(count))


def test_equal_shards_without_cuts():
    assert ranges.plan_shards(40, 4, set()) == [range(0, 10), range(10, 20), range(20, 30), range(30, 40)]
    parts = ranges.plan_shards(3, 4, set())   # fewer frames than shards: some get none
    assert _covers(parts, 3) and sum(not p for p in parts) == 1


def test_boundaries_move_to_the_nearest_cut_in_their_window():
    # 100 frames in 4: splits at 25, 50, 75; a boundary may move 6 frames.
    parts = ranges.plan_shards(100, 4, {27, 43, 80, 81})
    assert [p.start for p in parts] == [0, 27, 50, 80]   # 43 is 7 from 50: too far; 80 is nearer 75 than 81
    assert _covers(parts, 100)
    assert ranges.boundary(100, 4, 1, {23, 27}) == 23   # as near: the earlier one


def test_every_plan_covers_the_shot_and_each_shard_needs_only_its_windows():
    rng = random.Random(0)
    for _ in range(300):
        count, n = rng.randint(1, 400), rng.randint(1, 12)
        cuts = set(rng.sample(range(1, count), min(count - 1, rng.randint(0, 30)))) if count > 1 else set()
        parts = ranges.plan_shards(count, n, cuts)
        assert len(parts) == n and _covers(parts, count)
        if count >= 2 * n:
            assert all(parts)
        for i in range(1, n + 1):   # a shard that saw only its own windows finds the same range
            seen = set(ranges.shard_scan(count, n, i))
            assert ranges.shard_range(count, n, i, {c for c in cuts if c in seen and c - 1 in seen}) == parts[i - 1]


def _light(value: float) -> np.ndarray:
    from colorstudio.core import color

    return np.full((8, 12), color.l_to_u8(np.float32(value)), np.uint8)


def test_cuts_and_sure_cuts_from_lightness():
    light = {3: _light(20), 4: _light(22), 5: _light(20 + CUT_THRESHOLD * 1.2), 6: None, 7: _light(50),
             8: _light(50 + CUT_THRESHOLD * 2), 9: np.zeros((4, 4), np.uint8)}
    assert ranges.find_cuts(light) == {5, 7, 8, 9}      # a jump, after an unreadable frame, a size change
    assert ranges.sure_cuts(light) == {7, 8, 9}        # 1.2 x the threshold is not sure


def test_overlap_length_and_start():
    assert ranges.overlap_frames(0.0) == 0
    assert ranges.overlap_frames(0.7) == ranges.OVERLAP_MIN
    k = ranges.overlap_frames(0.95)
    assert k > ranges.OVERLAP_MIN and 0.95 ** k <= ranges.PAST_WEIGHT_LEFT
    assert ranges.overlap_start(50, 24, set()) == 26
    assert ranges.overlap_start(50, 24, {10, 40, 45}) == 45   # back to the last cut only
    assert ranges.overlap_start(50, 24, {50}) == 50           # a range that starts a shot needs none
    assert ranges.overlap_start(10, 24, set()) == 0 and ranges.overlap_start(0, 24, set()) == 0


def test_runs_and_their_description():
    assert ranges.runs([7, 1, 2, 3, 9, 10]) == [(1, 3), (7, 7), (9, 10)]
    assert ranges.describe_runs([(11, 20), (35, 35)]) == "11-20, 35"
    assert ranges.describe_runs([(i, i) for i in range(0, 20, 2)], most=2) == "0, 2 and 8 more"


# ---------------------------------------------------------------- the farm's environment

def test_farm_shard_from_the_environment():
    assert environment.farm_shard({"COLORSTUDIO_SHARD": "2/8", "SLURM_ARRAY_TASK_ID": "1"}) == (2, 8)
    slurm = {"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "10"}
    assert environment.farm_shard(slurm) == (3, 4)
    stepped = {**slurm, "SLURM_ARRAY_TASK_ID": "16", "SLURM_ARRAY_TASK_STEP": "2"}   # --array=10-16:2
    assert environment.farm_shard(stepped) == (4, 4)
    for bad, match in [({}, "no shard in the environment"),
                       ({"COLORSTUDIO_SHARD": "5/4"}, "COLORSTUDIO_SHARD shard 5/4 is out of range"),
                       ({**slurm, "SLURM_ARRAY_TASK_COUNT": "x"}, "SLURM_ARRAY_TASK_COUNT='x' is not a whole"),
                       ({"SLURM_ARRAY_TASK_ID": "3"}, "SLURM_ARRAY_TASK_COUNT='' is not a whole"),
                       ({**slurm, "SLURM_ARRAY_TASK_ID": "15"}, "not one of the 4 tasks"),
                       ({**stepped, "SLURM_ARRAY_TASK_ID": "13"}, "not one of the 4 tasks")]:
        with pytest.raises(environment.EnvironmentSettingError, match=match):
            environment.farm_shard(bad)
    assert environment.problems({"COLORSTUDIO_SHARD": "3 of 4"})   # refused before any command runs
    assert not environment.problems({"COLORSTUDIO_SHARD": "3/4"})


# ------------------------------------------------------------------ a range's run

@pytest.fixture
def content_predictor(fake_predictor):
    """ab that follows the picture (as a network's does): a frame's colour is the same in
    every run, and differs from frame to frame as the picture pans, so smoothing matters."""
    class ContentPredictor(fake_predictor):
        def predict_ab(self, x):
            L = x[:, :1]
            return np.concatenate([np.sin(9 * L) * 0.5, np.cos(7 * L) * 0.4], 1).astype(np.float32)
    return ContentPredictor


def _pan(folder, n=100, cut=26, w=48, h=32):
    """A pan over a dark scene, then (from frame index ``cut``) a pan over a bright one."""
    rng = np.random.default_rng(3)
    scenes = [cv2.resize(rng.random((10, 30)).astype(np.float32), (w + n, h), interpolation=cv2.INTER_CUBIC)
              for _ in range(2)]
    files = []
    for i in range(n):
        lo, hi, s = (10, 120, scenes[0]) if i < cut else (140, 250, scenes[1])
        g = (lo + (hi - lo) * np.clip(s[:, i:i + w], 0, 1)).astype(np.uint8)
        files.append(write_image(folder / f"shot.{i + 1:04d}.png", g))
    return files


def test_four_shards_of_a_frames_folder_match_one_run(tmp_path, content_predictor):
    files = _pan(tmp_path / "in")
    kw = dict(size=32, smooth=0.7)
    list(colorize_files(files, tmp_path / "one", content_predictor(), **kw))
    shot = shards.Shot(files=tuple(files))
    plans = [shards.plan_range(shot, shard=(i, 4), smooth=0.7) for i in range(1, 5)]
    # Split at the cut (26, not 25); shard 4 (from 75) has a whole overlap of 24 frames, no cut in it.
    assert [p.frames.start for p in plans] == [0, 26, 50, 75]
    assert [p.overlap for p in plans] == [range(0), range(26, 26), range(26, 50), range(51, 75)]
    for plan in plans:
        evs = list(shards.colorize_range(shot, tmp_path / "sharded", content_predictor(), plan, **kw))
        assert [e.status for e in evs] == ["done"] * len(plan.frames)
    worst = max(int(np.abs(read_image(tmp_path / "one" / f.name).astype(int)
                           - read_image(tmp_path / "sharded" / f.name).astype(int)).max()) for f in files)
    assert worst <= 1, worst
    # Without the overlap the frames after a boundary would differ: the overlap is what keeps them.
    list(colorize_files(files[75:], tmp_path / "naive", content_predictor(), **kw))
    naive = int(np.abs(read_image(tmp_path / "one" / files[75].name).astype(int)
                       - read_image(tmp_path / "naive" / files[75].name).astype(int)).max())
    assert naive > 3, naive
    m = json.loads((tmp_path / "sharded" / ".colorstudio-frames-000076-000100.json").read_text())
    assert m["frames"] == [76, 100] and m["shard"] == [4, 4] and m["overlap"] == [52, 75]
    assert m["written"] == [[76, 100]] and m["complete"] and m["count"] == 100
    # A rerun skips what is there (and computes no overlap: the first frame primes as resuming does).
    again = list(shards.colorize_range(shot, tmp_path / "sharded", content_predictor(), plans[3], **kw))
    assert {e.status for e in again} == {"skipped"}
    m = json.loads((tmp_path / "sharded" / ".colorstudio-frames-000076-000100.json").read_text())
    assert m["kept"] == [[76, 100]] and m["written"] == [] and m["complete"]


def test_assemble_in_order_and_refuses_gaps(tmp_path):
    folder = tmp_path / "clip_frames"
    for i in (1, 2, 3, 5, 6):
        write_image(folder / f"frame_{i:06d}.png", np.full((16, 24, 3), 40 * i, np.uint8))
    with pytest.raises(shards.AssembleError, match=r"1 frame missing \(4\)"):
        shards.assemble(folder, tmp_path / "clip.mp4")
    done = shards.assemble(folder, tmp_path / "clip.mp4", allow_gaps=True, fps=10)
    assert done.frames == 5 and done.missing == [(4, 4)] and (tmp_path / "clip.mp4").stat().st_size > 0
    from colorstudio.core.io import video_io
    assert len(video_io.frame_times(tmp_path / "clip.mp4")) == 5
    assert shards.assemble(folder, tmp_path / "clip.mp4", allow_gaps=True).skipped
    with pytest.raises(shards.AssembleError, match="videos are written as"):
        shards.assemble(folder, tmp_path / "clip.png")
