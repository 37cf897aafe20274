"""colorstudio-cli compare: one photo through several models, a labelled contact sheet."""

from __future__ import annotations

import numpy as np
import pytest

from test_colorstudio_cli import assert_clean_error, run


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Two tiny random checkpoints of different families, and one of another task."""
    import torch

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    d = tmp_path_factory.mktemp("w")
    torch.manual_seed(0)
    a = create("unet-gan", weights=False, base=8, depth=2)
    b = create("zhang-bins", weights=False, base=8)
    t = create("pix2pix-facades", weights=False, ngf=4, num_downs=5)
    meta = {"family": "unet-gan", "config": {"base": 8, "depth": 2}}
    return (save_weights(d / "mine.safetensors", a.state_dict(), meta),
            save_weights(d / "bins.safetensors", b.state_dict(), {"family": "zhang-bins", "config": {"base": 8}}),
            save_weights(d / "facade.safetensors", t.state_dict(), {"family": "pix2pix-facades",
                                                                      "config": {"ngf": 4, "num_downs": 5}}))


@pytest.fixture
def colour_photo(tmp_path):
    from colorstudio.core.io.imageio import write_image

    rng = np.random.default_rng(1)
    img = (rng.random((60, 80, 3)) * 255).astype(np.uint8)
    return write_image(tmp_path / "photo.png", img)


@pytest.mark.slow
def test_sheet_has_input_each_model_and_the_original(tmp_path, checkpoints, colour_photo):
    from colorstudio.core.colorize.contact_sheet import BAND, GAP
    from colorstudio.core.io.imageio import read_image

    mine, bins, _ = checkpoints
    out = tmp_path / "sheet.png"
    res = run("compare", colour_photo, "--models", f"{mine},{bins}", "-o", out, "--tile", "64",
              "--columns", "4", "--size", "64")
    assert res.returncode == 0, res.stderr
    assert "mine (unet-gan)" in res.stderr and "bins (zhang-bins)" in res.stderr
    sheet = read_image(out)
    # one row of 4 cells: input, two models, the original; each 64 high under a caption band
    cell_w = round(80 * 64 / 60)
    assert sheet.shape[:2] == (GAP + BAND + 64 + GAP, GAP + 4 * (cell_w + GAP))
    cells = [sheet[GAP + BAND:GAP + BAND + 64, GAP + i * (cell_w + GAP):GAP + i * (cell_w + GAP) + cell_w]
             for i in range(4)]
    spread = [float(np.abs(c.astype(int) - c.mean(2, keepdims=True)).mean()) for c in cells]
    assert spread[0] < 1.0, "the input cell shows the photo's lightness only"
    assert spread[3] > 20, "the last cell is the colour original"
    assert not np.array_equal(cells[1], cells[2]), "each model has its own result"


@pytest.mark.slow
def test_bad_model_lists_are_usage_errors(tmp_path, checkpoints, colour_photo):
    mine, _, facade = checkpoints
    out = tmp_path / "s.png"
    assert_clean_error(run("compare", colour_photo, "--models", "unet-gan,nope", "-o", out), match="nope")
    assert_clean_error(run("compare", colour_photo, "--models", f"{facade}", "-o", out),
                       match="translate model")
    assert_clean_error(run("compare", colour_photo, "--models", "unet-gan,unet-gan", "-o", out), match="twice")
    assert_clean_error(run("compare", colour_photo, "--models", str(tmp_path / "missing.safetensors"),
                           "-o", out), match="not found")
    assert_clean_error(run("compare", tmp_path / "none.png", "--models", "unet-gan", "-o", out),
                       match="photo not found")
    assert_clean_error(run("compare", colour_photo, "--models", "unet-gan", "-o", tmp_path / "s.txt"),
                       match="must be one of")
    assert not out.exists()


def test_masks_saved_with_the_hints_must_fit_the_photo(tmp_path, colour_photo):
    """The gray and protect masks beside --hints apply to every tile; of another size: exit 2."""
    from colorstudio.core.colorize.hintfile import write_masks, write_points

    hints = tmp_path / "h.json"
    write_points(hints, [(0.5, 0.5, (200, 40, 40))])
    write_masks(hints, {"gray": np.ones((60, 80), bool), "protect": np.ones((10, 10), bool)})
    out = tmp_path / "s.png"
    res = run("compare", colour_photo, "--models", "unet-gan", "--hints", hints, "-o", out)
    assert_clean_error(res, match="photo.png is 80x60 px, but h.protect-mask.png is 10x10")
    assert "gray-mask" not in res.stderr and not out.exists()


@pytest.mark.slow
def test_colorize_takes_a_shot_hint_file(tmp_path):
    """--hints with keyframes: carried over the frames given in order; a frame past the
    input is a usage error."""
    import json

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.core.io.imageio import write_image
    from colorstudio.models import create

    m = create("unet-hints", weights=False, base=8, depth=2)
    w = save_weights(tmp_path / "h.safetensors", m.state_dict(), {"family": "unet-hints",
                                                                  "config": {"base": 8, "depth": 2}})
    rng = np.random.default_rng(0)
    tex = (rng.random((60, 120)) * 255).astype(np.uint8)
    frames = tmp_path / "frames"
    for t in range(4):
        write_image(frames / f"f{t + 1}.png", tex[:, 2 * t:2 * t + 80])
    shot = tmp_path / "shot.json"
    shot.write_text(json.dumps({"frames": {"1": [{"x": 0.5, "y": 0.5, "rgb": [200, 30, 30]}]}}))
    res = run("colorize", frames, "-o", tmp_path / "out", "--weights", w, "--hints", shot, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "1 hint on 1 keyframe" in res.stderr and "carried to every frame" in res.stderr
    assert len(list((tmp_path / "out").glob("*.png"))) == 4
    shot.write_text(json.dumps({"frames": {"9": [{"x": 0.5, "y": 0.5, "rgb": [200, 30, 30]}]}}))
    assert_clean_error(run("colorize", frames, "-o", tmp_path / "out2", "--weights", w, "--hints", shot),
                       match="frame 9")
