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
