"""The batch's one routing rule (core.batch.route): what inputs are photos, videos or an image
sequence, the problems found, and when the inputs must be one shot -- what the CLI's colorize
and the Batch tab both call."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core import batch
from colorstudio.core.batch import routing
from colorstudio.core.io.imageio import write_image


def _photo(path):
    write_image(path, np.full((8, 8), 128, np.uint8))
    return path


def _video(path):
    path.write_bytes(b"not decoded when routing")   # a video is known by its suffix
    return path


def test_photos_and_videos_are_split_in_the_order_given_with_folders_expanded(tmp_path):
    d = tmp_path / "frames"
    d.mkdir()
    for name in ("f10.png", "f2.png", "f1.png"):
        _photo(d / name)
    _video(d / "inside.mp4")              # a folder gives its photos only
    clip, reel, still = _video(tmp_path / "clip.mp4"), _video(tmp_path / "reel.AVI"), _photo(tmp_path / "a.jpg")
    r = batch.route([clip, d, still, reel])
    assert r.files == (clip, d / "f1.png", d / "f2.png", d / "f10.png", still, reel)
    assert r.photos == [d / "f1.png", d / "f2.png", d / "f10.png", still]
    assert r.videos == [clip, reel]
    assert r.sequence is None and r.problems == () and not r.empty and not r.photo_shot


def test_inputs_that_give_nothing_are_problems_not_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    still = _photo(tmp_path / "a.png")
    r = batch.route([tmp_path / "gone.png", empty, still, tmp_path / "gone.mp4"])
    assert r.files == (still,)
    assert len(r.problems) == 3
    assert "gone.png: no such file" in r.problems[0] and "no image files in this folder" in r.problems[1]
    nothing = batch.route([tmp_path / "gone.mp4"])
    assert nothing.empty and nothing.files == () and len(nothing.problems) == 1


def test_a_pattern_is_an_image_sequence_alone(tmp_path):
    for n in (1001, 1002, 1004):
        _photo(tmp_path / f"shot.{n}.png")
    r = batch.route([str(tmp_path / "shot.####.png")])
    assert r.sequence is not None and r.sequence.numbers == (1001, 1002, 1004)
    assert r.files == () and not r.empty and r.photo_shot
    assert r.shot().sequence is r.sequence
    with pytest.raises(batch.SequenceNotAloneError, match="give its pattern alone"):
        batch.route([str(tmp_path / "shot.####.png"), tmp_path / "shot.1001.png"])
    with pytest.raises(batch.SequenceError):
        batch.route([str(tmp_path / "other.####.exr")])
    assert batch.named_sequence([tmp_path / "shot.1001.png"]) is None


def test_a_run_of_one_shot_takes_one_video_alone_or_photos_only(tmp_path):
    clip, other, still = _video(tmp_path / "clip.mp4"), _video(tmp_path / "b.mov"), _photo(tmp_path / "a.png")
    for inputs in ([clip, other], [clip, still]):
        with pytest.raises(batch.OneShotError) as err:
            batch.route(inputs, one_shot=True)
        assert str(err.value) == batch.ONE_SHOT
        assert batch.route(inputs).videos   # a batch of several shots is fine
    one = batch.route([clip], one_shot=True)
    assert one.shot().video == clip and one.photo_shot
    frames = batch.route([still, _photo(tmp_path / "b.png")], one_shot=True)
    assert frames.shot().files == (still, tmp_path / "b.png")
    assert batch.route([tmp_path / "gone.mp4", clip], one_shot=True).videos == [clip]   # what gave nothing is no shot
    assert batch.route([tmp_path / "gone"], one_shot=True).empty


def test_keyframes_make_the_photos_one_shot_and_videos_each_their_own(tmp_path):
    clip, still = _video(tmp_path / "clip.mp4"), _photo(tmp_path / "a.png")
    r = batch.route([still, clip], keyframes=True)
    assert r.photo_shot and r.photos == [still] and r.videos == [clip]
    with pytest.raises(batch.OneShotError):
        r.one_shot()


def test_routing_errors_are_user_errors_in_one_line(tmp_path):
    from colorstudio.core.errors import UserError

    assert issubclass(batch.RoutingError, UserError) and issubclass(batch.SequenceError, UserError)
    assert batch.route is routing.route and batch.Route is routing.Route
    assert "\n" not in batch.ONE_SHOT
