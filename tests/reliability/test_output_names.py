"""Issue 33, class 4: one place (core.batch.outputs) names every output of every input;
results are never lost or swapped, a file added later gets its own names, an item is done
only when all its outputs exist."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from colorstudio.core.batch.frames import frame_files, write_video
from colorstudio.core.batch.outputs import MANIFEST, plan
from colorstudio.core.io.imageio import read_image, write_image

ARGS = ["--model", "unet-gan", "--size", "32", "-q"]


@pytest.fixture
def cli(monkeypatch, capfd):
    monkeypatch.setattr(sys, "stdout", sys.stdout)   # the CLI guards the streams: undo after the test
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    from colorstudio.cli import main

    def run(*argv):
        rc = main([str(a) for a in argv])
        out, err = capfd.readouterr()
        return rc, out + err
    return run


def _clip(path: Path, level: int, n: int = 4) -> Path:
    frames = [np.full((32, 48, 3), level, np.uint8) for _ in range(n)]
    return write_video(frames, path, 5.0)


def test_videos_with_one_stem_get_their_own_video_and_frames(tmp_path, cli):
    a = _clip(tmp_path / "clip.mp4", 40)
    b = _clip(tmp_path / "clip.avi", 220)
    x = _clip(tmp_path / "x" / "same.mp4", 40)
    y = _clip(tmp_path / "y" / "same.mp4", 220)
    z = _clip(tmp_path / "same.avi", 120)
    out = tmp_path / "out"
    rc, text = cli("colorize", a, b, x, y, z, "-o", out, *ARGS)
    assert rc == 0 and "videos: 5 written" in text, text
    names = {"clip.mp4": 40, "clip-2.avi": 220, "same.mp4": 40, "same-2.mp4": 220, "same-3.avi": 120}
    for name, level in names.items():
        folder = out / (Path(name).stem + "_frames")
        first = read_image(frame_files(folder)[0])
        assert abs(float(first.mean()) - level) < 25, (name, first.mean())   # its own picture
        assert (out / name).is_file()
    rc, text = cli("colorize", a, b, x, y, z, "-o", out, *ARGS)
    assert rc == 0 and "videos: 5 already there" in text, text


def test_views_never_collide_with_inputs_named_like_views(tmp_path, cli):
    src = tmp_path / "in"
    write_image(src / "a.jpg", np.full((30, 40), 90, np.uint8))
    write_image(src / "a_colour.jpg", np.full((20, 24), 160, np.uint8))
    out = tmp_path / "out"
    rc, text = cli("colorize", src, "-o", out, "--also", "colour-layer", *ARGS)
    assert rc == 0, text
    assert read_image(out / "a.png").shape[:2] == (30, 40)
    assert read_image(out / "a_colour.png").shape[:2] == (30, 40)        # a's colour layer
    assert read_image(out / "a_colour-2.png").shape[:2] == (20, 24)      # a_colour.jpg's result
    assert read_image(out / "a_colour-2_colour.png").shape[:2] == (20, 24)


def test_an_item_is_done_only_with_all_its_outputs(tmp_path, cli):
    src = tmp_path / "in"
    for i in range(3):
        write_image(src / f"f{i}.png", np.full((24, 32), 60 + 40 * i, np.uint8))
    out = tmp_path / "out"
    cli("colorize", src, "-o", out, "--also", "before-after,colour-layer", *ARGS)
    (out / "f1_before_after.png").unlink()          # as a kill between the view and the next item
    rc, text = cli("colorize", src, "-o", out, "--also", "before-after,colour-layer", *ARGS)
    assert rc == 0 and "1 done, 2 skipped" in text, text
    assert (out / "f1_before_after.png").is_file()
    rc, text = cli("colorize", src, "-o", out, "--also", "before-after,colour-layer,wiper", *ARGS)
    assert "3 done, 0 skipped" in text and (out / "f2_wiper.png").is_file(), text   # a new view: redone


def test_a_file_added_later_gets_its_own_names(tmp_path, cli):
    src = tmp_path / "in"
    write_image(src / "a.png", np.full((24, 32), 70, np.uint8))
    out = tmp_path / "out"
    cli("colorize", src / "a.png", "-o", out, *ARGS)
    first = (out / "a.png").read_bytes()
    write_image(src / "a.jpg", np.full((16, 16), 200, np.uint8))
    rc, text = cli("colorize", src, "-o", out, *ARGS)
    assert rc == 0 and "1 done, 1 skipped" in text, text
    assert (out / "a.png").read_bytes() == first
    assert read_image(out / "a-2.png").shape[:2] == (16, 16)
    assert not (out / "a-3.png").exists()


def test_names_too_long_for_the_file_system_are_shortened_apart(tmp_path, cli):
    src = tmp_path / "in"
    stems = ["x" * 250, "x" * 249 + "y"]
    for s in stems:
        write_image(src / f"{s}.png", np.full((16, 16), 100, np.uint8))
    out = tmp_path / "out"
    rc, text = cli("colorize", src, "-o", out, "--format", "webp", "--also", "before-after", *ARGS)
    assert rc == 0 and "2 done" in text, text
    made = sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    assert len(made) == 4 and all(len(n.encode()) <= 255 for n in made), made
    clip = _clip(src / ("v" * 249 + ".mp4"), 100)
    rc, text = cli("colorize", clip, "-o", out, *ARGS)
    assert rc == 0 and "video: 1 written" in text, text


def test_the_plan_is_stable_and_recorded(tmp_path):
    inputs = [Path("a.png"), Path("a.jpg"), Path("a-2.png"), Path("A.tif")]
    names = [i.result.name for i in plan(inputs, tmp_path, "png")]
    assert names == ["a.png", "a-3.png", "a-2.png", "A-4.png"]
    again = [i.result.name for i in plan([Path("new.png"), *reversed(inputs)], tmp_path, "png")]
    assert again == ["new.png", "A-4.png", "a-2.png", "a-3.png", "a.png"]
    assert (tmp_path / MANIFEST).is_file()
