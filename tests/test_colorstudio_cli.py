"""colorstudio-cli through its installed entry point (a real subprocess)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from colorstudio.core.batch.outputs import MANIFEST

CLI = Path(sys.executable).parent / "colorstudio-cli"


def run(*args, cwd=None):
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: install the package (pip install -e .)")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def assert_clean_error(res, code=2, match=""):
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout
    assert match in res.stderr, res.stderr


@pytest.fixture(scope="module")
def weights(tiny_weights):
    """A tiny random unet-gan checkpoint with its config in the metadata (conftest)."""
    return tiny_weights


@pytest.fixture
def photos(tmp_path):
    from colorstudio.core.io.imageio import write_image

    d = tmp_path / "in"
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.jpg"):
        write_image(d / name, (rng.random((40, 56)) * 255).astype(np.uint8))
    return d


def test_help_is_fast_and_does_not_import_torch():
    res = run("--help")
    assert res.returncode == 0 and "colorize" in res.stdout and "translate" in res.stdout
    code = "import sys, colorstudio.cli as c; c.build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"
    for sub in ("colorize", "translate", "models", "suggest"):
        assert run(sub, "--help").returncode == 0


@pytest.mark.slow
def test_models_table():
    res = run("models")
    assert res.returncode == 0
    lines = res.stdout.splitlines()
    assert lines[0].split()[:4] == ["NAME", "TASK", "SIZE", "WEIGHTS"]
    row = next(line for line in lines if line.startswith("unet-gan "))
    assert row.split()[1:3] == ["colorize", "192"] and row.split()[3] in ("yes", "UNTRAINED")
    from colorstudio.models import spec

    if not spec("effnet-hints").has_weights:   # issue 35, item 4: an untrained family is marked as such
        hints = next(line for line in lines if line.startswith("effnet-hints "))
        assert hints.split()[3] == "UNTRAINED" and "UNTRAINED: no trained weights are installed" in res.stdout
    only = run("models", "--task", "colorize").stdout
    assert "translate " not in only.replace("TASK", "")


@pytest.mark.slow
def test_colorize_folder_with_a_bad_file_then_resume(tmp_path, photos, weights):
    (photos / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    out = tmp_path / "out"
    res = run("colorize", photos, "-o", out, "--weights", weights, "--device", "cpu", "--size", "32")
    assert res.returncode == 1, res.stderr
    assert "FAILED broken.png: damaged or truncated PNG file" in res.stderr
    assert sum("FAILED" in line for line in res.stderr.splitlines()) == 1
    assert "Traceback" not in res.stderr
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == ["a.png", "b.png"]
    assert "2 done, 0 skipped" in res.stdout and "1 failed" in res.stdout
    from colorstudio.core.io.imageio import read_image

    assert read_image(out / "a.png").shape == (40, 56, 3)

    (photos / "broken.png").unlink()
    res = run("colorize", photos, "-o", out, "--weights", weights, "--device", "cpu", "--size", "32",
              "--format", "png")
    assert res.returncode == 0 and "0 done, 2 skipped" in res.stdout
    res = run("colorize", photos / "a.png", "-o", out, "--weights", weights, "--device", "cpu",
              "--size", "32", "--overwrite", "--format", "jpg", "--saturation", "0", "-q")
    assert res.returncode == 0 and (out / "a.jpg").exists()
    assert "done" not in res.stderr  # quiet: no per-item lines


@pytest.mark.slow
def test_colorize_video_input(tmp_path, weights):
    import cv2

    src = tmp_path / "clip.avi"
    vw = cv2.VideoWriter(str(src), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (40, 32))
    for i in range(4):
        vw.write(np.full((32, 40, 3), 40 * i, np.uint8))
    vw.release()
    res = run("colorize", src, "-o", tmp_path / "out", "--weights", weights, "--device", "cpu",
              "--size", "32", "--smooth", "0.5")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out" / "clip.avi").exists()
    assert len(list((tmp_path / "out" / "clip_frames").glob("frame_*.png"))) == 4
    # issue 19, item 15: frames are counted as frames, the video apart
    assert "4 done, 0 skipped (already there), 0 failed; video: 1 written in" in res.stdout, res.stdout
    again = run("colorize", src, "-o", tmp_path / "out", "--weights", weights, "--device", "cpu", "--size", "32")
    assert "0 done, 0 skipped (already there), 0 failed; video: 1 already there" in again.stdout, again.stdout


@pytest.mark.slow
@pytest.mark.parametrize("args, match", [
    (["--model", "no-such-model"], "unknown model 'no-such-model'"),
    (["--weights", "/nonexistent/w.safetensors"], "weights file not found"),
])
def test_usage_errors_model(tmp_path, photos, args, match):
    res = run("colorize", photos, "-o", tmp_path / "out", "--device", "cpu", *args)
    assert_clean_error(res, 2, match)


@pytest.mark.slow
def test_usage_errors_inputs_and_outdir(tmp_path, photos, weights):
    # A missing input is one bad file: reported on one line, the good ones still done, exit 1.
    res = run("colorize", photos, tmp_path / "missing.png", "-o", tmp_path / "out", "--weights", weights)
    assert_clean_error(res, 1, "missing.png: no such file")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != MANIFEST) == sorted(
        p.stem + ".png" for p in photos.iterdir())
    res = run("colorize", tmp_path / "missing.png", "-o", tmp_path / "out2", "--weights", weights)
    assert_clean_error(res, 2, "missing.png: no such file")
    assert not (tmp_path / "out2").exists()  # nothing to do: nothing was created
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run("colorize", photos, "-o", blocker / "out", "--weights", weights)
    assert_clean_error(res, 2, "is a file")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_error(run("colorize", empty, "-o", tmp_path / "o"), 2, "no input images")


def test_usage_errors_arguments(tmp_path, photos):
    assert_clean_error(run("colorize", photos, "-o", tmp_path / "o", "--device", "tpu"), 2, "invalid choice")
    assert_clean_error(run("colorize", photos, "-o", tmp_path / "o", "--smooth", "1.5"), 2, "must be in")
    assert_clean_error(run("colorize", photos, "-o", tmp_path / "o", "--size", "abc"), 2, "whole number")
    assert_clean_error(run("colorize", photos), 2, "-o/--output")
    assert_clean_error(run("paint"), 2, "invalid choice")


@pytest.mark.slow
def test_bad_checkpoint_is_a_message(tmp_path, photos):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint at all")
    assert_clean_error(run("colorize", photos, "-o", tmp_path / "o", "--weights", bad, "--device", "cpu"),
                       2, "bad.safetensors")


@pytest.mark.slow
def test_unavailable_device_is_a_message(tmp_path, photos, weights):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert_clean_error(run("colorize", photos, "-o", tmp_path / "o", "--weights", weights,
                           "--device", "cuda"), 2, "CUDA was requested")


@pytest.mark.slow
def test_translate(tmp_path):
    from colorstudio.core.io.imageio import write_image
    from colorstudio.core.color.palette import labels_to_rgb
    from colorstudio.models import available

    labels = labels_to_rgb(np.random.default_rng(0).integers(0, 12, (48, 64)))
    src = write_image(tmp_path / "labels" / "f1.png", labels)
    res = run("translate", src.parent, "-o", tmp_path / "out", "--device", "cpu")
    if not available("translate"):
        assert_clean_error(res, 2, "no translate model is registered")
        return
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out" / "f1.png").exists()
    # a colorizer is not a translator
    assert_clean_error(run("translate", src, "-o", tmp_path / "o2", "--model", "unet-gan"), 2,
                       "is a colorize model")


def test_progress_bar_on_a_terminal():
    """The TTY form draws a bar with count, rate and ETA; failures get their own line."""
    from colorstudio.cli import Progress
    from colorstudio.core.batch import BatchEvent

    class TTY(io.StringIO):
        def isatty(self):
            return True

    s = TTY()
    p = Progress(s)
    p.update(BatchEvent(0, 4, Path("a.png"), Path("o/a.png"), "done", None, 1, 1.0, 2.0, 1.5))
    p.update(BatchEvent(1, 4, Path("b.png"), None, "failed", "not an image", 2, 1.2, 1.7, 1.2))
    p.close()
    text = s.getvalue()
    assert "1/4" in text and "2.00 it/s" in text and "ETA 0:02" in text
    assert "\nFAILED b.png: not an image\n" in text.replace("\r\033[K", "\n")
    plain = io.StringIO()
    Progress(plain).update(BatchEvent(0, 2, Path("a.png"), Path("o/a.png"), "done", None, 1, 1.0, 1.0, 1.0))
    assert plain.getvalue().startswith("[1/2] done a.png -> o/a.png") and "\r" not in plain.getvalue()


@pytest.fixture(scope="module")
def hint_weights(tmp_path_factory):
    """A tiny unet-hints checkpoint whose head copies the hint planes: hints must show."""

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    m = create("unet-hints", weights=False, base=8, depth=2, hint_skip=True)
    p = tmp_path_factory.mktemp("wh") / "hints.safetensors"
    return save_weights(p, m.state_dict(), {"family": "unet-hints",
                                            "config": {"base": 8, "depth": 2, "hint_skip": True}})


@pytest.mark.slow
def test_colorize_with_a_hint_file(tmp_path, photos, hint_weights):
    from colorstudio.core.colorize.hintfile import write_points
    from colorstudio.core.io.imageio import read_image

    hints = tmp_path / "h.json"
    write_points(hints, [(0.5, 0.5, (230, 40, 40)), (0.1, 0.9, (40, 40, 230))])
    common = ("--weights", hint_weights, "--device", "cpu", "--size", "32")
    res = run("colorize", photos / "a.png", "-o", tmp_path / "with", "--hints", hints, *common)
    assert res.returncode == 0, res.stderr
    assert "2 colour hints from h.json" in res.stderr
    res = run("colorize", photos / "a.png", "-o", tmp_path / "without", *common)
    assert res.returncode == 0, res.stderr
    a, b = read_image(tmp_path / "with" / "a.png"), read_image(tmp_path / "without" / "a.png")
    assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).max() > 0  # the hints were used


@pytest.mark.slow
def test_hint_file_errors(tmp_path, photos, weights, hint_weights):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"x": 2, "y": 0.5, "rgb": [1, 2, 3]}]')
    res = run("colorize", photos, "-o", tmp_path / "o1", "--hints", bad, "--weights", hint_weights)
    assert_clean_error(res, match="hint 1: x must be a fraction")
    assert_clean_error(run("colorize", photos, "-o", tmp_path / "o2", "--hints", tmp_path / "none.json",
                           "--weights", hint_weights), match="hint file not found")
    good = tmp_path / "good.json"
    good.write_text('[{"x": 0.5, "y": 0.5, "rgb": [200, 30, 30]}]')
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()  # usage errors make no folder
    # a colorizer without hint planes follows them too (the hint step after its network)
    res = run("colorize", photos, "-o", tmp_path / "o3", "--hints", good, "--weights", weights, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "1 colour hint from good.json" in res.stderr


def test_output_folder_equal_to_an_input_folder_is_refused(photos):
    res = run("colorize", photos, "-o", photos)
    assert_clean_error(res, match="is also an input folder")
    assert sorted(p.name for p in photos.iterdir()) == ["a.png", "b.jpg"]  # nothing written


@pytest.mark.slow
def test_translate_warns_about_an_ordinary_photo(tmp_path, photos):
    import torch  # noqa: F401 -- the tiny translator below

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    m = create("pix2pix-facades", weights=False, ngf=4, num_downs=5)
    w = save_weights(tmp_path / "t.safetensors", m.state_dict(), {"family": "pix2pix-facades",
                                                                  "config": {"ngf": 4, "num_downs": 5}})
    res = run("translate", photos / "a.png", "-o", tmp_path / "o", "--weights", w, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "does not look like a facade label map" in res.stderr


def test_saturation_is_one_scale_with_the_app():
    """Issue 19, item 13: 0-200 %, as the Colorize slider and the Batch box; 150% == 1.5."""
    from colorstudio.cli import build_parser

    p = build_parser()
    base = ["colorize", "x.png", "-o", "out"]
    assert p.parse_args(base + ["--saturation", "150%"]).saturation == 1.5
    assert p.parse_args(base + ["--saturation", "1.5"]).saturation == 1.5
    for bad in ("250%", "3", "-1"):
        with pytest.raises(SystemExit):
            p.parse_args(base + ["--saturation", bad])



@pytest.mark.slow
def test_also_writes_the_views(tmp_path, photos, weights):
    res = run("colorize", photos, "-o", tmp_path / "o", "--weights", weights, "--device", "cpu", "--size", "32",
              "--also", "before-after,colour-layer", "-q")
    assert res.returncode in (0, 1), res.stderr
    assert list((tmp_path / "o").glob("*_before_after.png")) and list((tmp_path / "o").glob("*_colour.png"))
    bad = run("colorize", photos, "-o", tmp_path / "o2", "--also", "sepia")
    assert bad.returncode == 2 and "unknown view 'sepia'" in bad.stderr


@pytest.mark.slow
def test_a_scan_keeps_its_dpi_exif_and_profile(tmp_path, weights):
    """Issue 19, item 19: the colorized scan prints at the scan's size, with its EXIF and profile."""
    from PIL import Image, ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "ScanCo"
    scan = tmp_path / "scan.tif"
    Image.fromarray(np.tile(np.arange(56, dtype=np.uint8) * 4, (40, 1))).convert("RGB").save(
        scan, dpi=(600, 600), exif=exif.tobytes(), icc_profile=srgb)
    for fmt in ("jpg", "png"):
        res = run("colorize", scan, "-o", tmp_path / "out", "--weights", weights, "--device", "cpu",
                  "--size", "32", "--format", fmt, "-q")
        assert res.returncode == 0, res.stderr
        with Image.open(tmp_path / "out" / f"scan.{fmt}") as im:
            assert im.info["dpi"] == pytest.approx((600, 600), abs=0.01)
            assert im.info.get("icc_profile") == srgb and im.getexif().get(0x010F) == "ScanCo"


@pytest.mark.slow
def test_repair_option(tmp_path, photos, weights):
    """--repair auto mends the scan first and --also repair-mask writes where; without trained
    damage-unet weights --repair auto is a one-line message, and repair-mask needs --repair."""
    from colorstudio.models import spec

    bad = run("colorize", photos, "-o", tmp_path / "o1", "--weights", weights, "--also", "repair-mask")
    assert_clean_error(bad, 2, "--also repair-mask needs --repair auto")
    res = run("colorize", photos, "-o", tmp_path / "o2", "--weights", weights, "--device", "cpu", "--size", "32",
              "--repair", "auto", "--also", "repair-mask", "-q")
    if not spec("damage-unet").has_weights:
        assert_clean_error(res, 2, "needs the trained damage-unet weights")
        return
    assert res.returncode == 0, res.stderr
    masks = sorted((tmp_path / "o2").glob("*_repair_mask.png"))
    assert len(masks) == 2 and len(list((tmp_path / "o2").glob("*.png"))) == 4


@pytest.mark.slow
def test_colour_balance_from_the_options_or_the_hint_file(tmp_path, photos, weights):
    """--temperature/--tint shift the colour as the app's sliders do; a hint file saved with
    a balance brings it when the options are not given; a bad one is a clean error."""
    from colorstudio.core import color
    from colorstudio.core.io.imageio import read_image

    common = ("--weights", weights, "--device", "cpu", "--size", "32")
    runs = {}
    for name, extra in (("plain", ()), ("warm", ("--temperature", "20")),):
        res = run("colorize", photos / "a.png", "-o", tmp_path / name, *common, *extra)
        assert res.returncode == 0, res.stderr
        runs[name] = color.rgb_to_lab(read_image(tmp_path / name / "a.png"))
    db = runs["warm"][..., 2] - runs["plain"][..., 2]
    assert 10 < float(np.median(db)) < 25
    hints = tmp_path / "h.json"
    hints.write_text('{"hints": [], "balance": {"temperature": 20, "tint": 0}}')
    res = run("colorize", photos / "a.png", "-o", tmp_path / "file", "--hints", hints, *common)
    assert res.returncode == 0, res.stderr
    np.testing.assert_array_equal(read_image(tmp_path / "file" / "a.png"), read_image(tmp_path / "warm" / "a.png"))
    assert_clean_error(run("colorize", photos / "a.png", "-o", tmp_path / "x", "--temperature", "90", *common),
                       match="--temperature")


@pytest.mark.slow
def test_colorize_applies_the_masks_saved_with_the_hints(tmp_path, weights):
    """Issue 35, item 3: the gray and protect masks the app saves beside a hint file apply in the
    CLI too: no colour where gray, the model's own no-hint colour where protected."""
    from colorstudio.core import color
    from colorstudio.core.colorize.hintfile import write_masks, write_points
    from colorstudio.core.io.imageio import read_image

    from colorstudio.core.io.imageio import write_image

    photo = tmp_path / "in" / "flat.png"        # even ground: the hint spreads far on it
    write_image(photo, np.tile(np.linspace(110, 130, 56).astype(np.uint8), (40, 1)))
    common = ("--weights", weights, "--device", "cpu", "--size", "32")
    point = [(0.3, 0.5, (40, 220, 40))]
    write_points(tmp_path / "free.json", point)
    write_points(tmp_path / "h.json", point)
    gray, guard = np.zeros((40, 56), bool), np.zeros((40, 56), bool)
    gray[:, :8] = True
    guard[:, 30:] = True
    write_masks(tmp_path / "h.json", {"gray": gray, "protect": guard})
    out = {}
    for name, extra in (("plain", ()), ("free", ("--hints", tmp_path / "free.json")),
                        ("masked", ("--hints", tmp_path / "h.json"))):
        res = run("colorize", photo, "-o", tmp_path / name, *common, *extra)
        assert res.returncode == 0, res.stderr
        out[name] = read_image(tmp_path / name / "flat.png").astype(int)
    assert "the gray and protect masks saved with h.json" in res.stderr
    inside = (slice(None), slice(36, None))
    assert np.abs(out["free"][inside] - out["plain"][inside]).max() > 3       # the hint reaches it unprotected
    np.testing.assert_array_equal(out["masked"][inside], out["plain"][inside])
    assert np.abs(color.rgb_to_lab(out["masked"][:, :8].astype(np.uint8))[..., 1:]).max() < 1.0   # gray there
    assert np.abs(out["masked"][:, 10:24] - out["plain"][:, 10:24]).max() > 3   # the hint colours the rest


def test_masks_saved_with_the_hints_must_fit_the_photo(tmp_path, photos):
    """A mask of another size, or a run it cannot apply to: one line, exit 2, before any work."""
    from colorstudio.core.colorize.hintfile import write_masks, write_points

    hints = tmp_path / "h.json"
    write_points(hints, [(0.5, 0.5, (200, 40, 40))])
    write_masks(hints, {"protect": np.ones((30, 30), bool)})
    res = run("colorize", photos / "a.png", "-o", tmp_path / "o1", "--hints", hints)
    assert_clean_error(res, match="a.png is 56x40 px, but h.protect-mask.png is 30x30")
    write_masks(hints, {"protect": np.ones((40, 56), bool)})
    res = run("colorize", photos, "-o", tmp_path / "o2", "--hints", hints, "--smooth", "0.5")
    assert_clean_error(res, match="not to the frames of a sequence (--smooth)")
    (tmp_path / "h.protect-mask.png").write_bytes(b"not a png")
    assert_clean_error(run("colorize", photos, "-o", tmp_path / "o3", "--hints", hints), match="h.protect-mask.png")
    assert not any((tmp_path / f"o{i}").exists() for i in (1, 2, 3))


def test_fill_needs_the_repair(tmp_path, photos):
    res = run("colorize", photos / "a.png", "-o", tmp_path / "o", "--fill", "ns")
    assert_clean_error(res, match="--fill ns is how --repair auto fills")
    assert not (tmp_path / "o").exists()
