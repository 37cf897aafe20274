"""The hint-file format shared by the GUI (save/load) and the CLI (--hints)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.colorize.hintfile import (HintFileError, dumps_points, parse_points, read_hints, read_points,
                                       write_points)


def test_round_trip_and_lab_colour(tmp_path):
    pts = [(0.25, 0.5, (220, 60, 40)), (1.0, 0.0, (10, 200, 30))]
    write_points(tmp_path / "h.json", pts)
    assert read_points(tmp_path / "h.json") == pts
    hints = read_hints(tmp_path / "h.json")
    lab = color.rgb_to_lab(np.array([[[220, 60, 40]]], np.uint8))[0, 0]
    assert (hints[0].x, hints[0].y) == (0.25, 0.5)
    assert hints[0].a == pytest.approx(float(lab[1]), abs=1e-4) and hints[0].b == pytest.approx(float(lab[2]), abs=1e-4)


def test_hex_colours_and_wrapped_list():
    assert parse_points({"hints": [{"x": 0, "y": 1, "rgb": "#ff8000"}]}) == [(0.0, 1.0, (255, 128, 0))]
    assert json.loads(dumps_points([(0.5, 0.5, (1, 2, 3))])) == [{"x": 0.5, "y": 0.5, "rgb": [1, 2, 3]}]


@pytest.mark.parametrize("data, match", [
    ({"x": 0.5}, "expected a list"),
    ([1, 2], "expected an object"),
    ([{"x": 0.5, "y": 0.5}], "missing rgb"),
    ([{"x": 1.5, "y": 0.5, "rgb": [1, 2, 3]}], "x must be a fraction"),
    ([{"x": "0.5", "y": 0.5, "rgb": [1, 2, 3]}], "x must be a fraction"),
    ([{"x": 0.5, "y": float("nan"), "rgb": [1, 2, 3]}], "y must be a fraction"),
    ([{"x": 0.5, "y": 0.5, "rgb": [1, 2]}], r"\[R, G, B\]"),
    ([{"x": 0.5, "y": 0.5, "rgb": [1, 2, 300]}], "0 to 255"),
    ([{"x": 0.5, "y": 0.5, "rgb": "#zz0000"}], "rrggbb"),
])
def test_bad_hints_say_which_and_why(data, match):
    with pytest.raises(HintFileError, match=match):
        parse_points(data, "h.json")


def test_bad_files(tmp_path):
    with pytest.raises(HintFileError, match="not found"):
        read_points(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("[{x: 1}")
    with pytest.raises(HintFileError, match="not valid JSON"):
        read_points(tmp_path / "bad.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(HintFileError, match="not a text file|not valid JSON"):
        read_points(tmp_path / "bin.json")
    with pytest.raises(HintFileError, match="not a regular file"):
        read_points(tmp_path)


def test_the_colour_masks_are_saved_beside_the_hints_and_read_back(tmp_path):
    """Issue 35, item 3: the gray and protect masks go with the hints, as gray PNGs named from
    the hint file; a mask no longer painted takes its old file away."""
    from colorstudio.core.colorize.hintfile import mask_paths, read_masks, write_masks
    from colorstudio.core.io.imageio import read_image

    hints = tmp_path / "photo.json"
    write_points(hints, [(0.5, 0.5, (200, 40, 40))])
    gray, guard = np.zeros((30, 40), bool), np.zeros((30, 40), bool)
    gray[2:8, 3:9] = True
    guard[10:25, 20:38] = True
    written, removed = write_masks(hints, {"gray": gray, "protect": guard})
    paths = mask_paths(hints)
    assert [p.name for p in written] == ["photo.gray-mask.png", "photo.protect-mask.png"] and not removed
    assert paths == {"gray": tmp_path / "photo.gray-mask.png", "protect": tmp_path / "photo.protect-mask.png"}
    img = read_image(paths["protect"])
    assert img.dtype == np.uint8 and img.shape == (30, 40) and set(np.unique(img)) == {0, 255}
    back = read_masks(hints, (30, 40, 3))
    np.testing.assert_array_equal(back["gray"], gray)
    np.testing.assert_array_equal(back["protect"], guard)
    written, removed = write_masks(hints, {"gray": np.zeros_like(gray), "protect": guard})
    assert [p.name for p in removed] == ["photo.gray-mask.png"] and not paths["gray"].exists()
    assert set(read_masks(hints)) == {"protect"}
    assert read_masks(tmp_path / "other.json") == {}
    with pytest.raises(ValueError, match="unknown mask kind"):
        write_masks(hints, {"colour": gray})


def test_a_colour_mask_of_another_size_is_refused_in_one_line(tmp_path):
    from colorstudio.core.colorize.hintfile import read_masks, write_masks
    from colorstudio.core.restore.maskfile import MaskFileError

    hints = tmp_path / "photo.json"
    write_masks(hints, {"protect": np.ones((30, 40), bool)})
    with pytest.raises(MaskFileError) as e:
        read_masks(hints, (60, 80))
    msg = str(e.value)
    assert "\n" not in msg and "photo.protect-mask.png" in msg and "protect mask is 40x30" in msg and "80x60" in msg
