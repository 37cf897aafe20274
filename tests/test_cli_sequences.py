"""colorstudio-cli colorize on image sequences (issue 36, item 3): EXR and DPX frames made by
OpenImageIO, named shot.####.exr / shot.%04d.dpx / shot.@@@@.exr, through a whole run, --frames,
--shard and --executor dask, and each bad input's one line and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from test_colorstudio_cli import CLI, assert_clean_error

oiio = pytest.importorskip("OpenImageIO")
pytest.importorskip("PyOpenColorIO")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "core"))
from sequence_files import make_sequence, native  # noqa: E402

NUMBERS = (1001, 1002, 1003, 1005, 1006)   # 1004 missing: a gap, reported and kept
FARM_VARIABLES = ("COLORSTUDIO_SHARD", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN")


def _cli(*args, cwd=None, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in FARM_VARIABLES}
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**base, "OMP_NUM_THREADS": "1", **env})


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """A tiny model; a 10-bit log DPX sequence and a half EXR one, 64x48, with a gap."""
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    d = tmp_path_factory.mktemp("sequences")
    weights = save_weights(d / "tiny.safetensors", create("unet-gan", weights=False, base=8, depth=2).state_dict(),
                           {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    make_sequence(d / "dpx", "dpx-10", NUMBERS)
    make_sequence(d / "exr", "exr-half", NUMBERS)
    return d, ["--weights", weights, "--device", "cpu", "--size", "32"]


def _frames(folder, suffix):
    return {p.name: native(p) for p in sorted(folder.glob("shot.*" + suffix))}


@pytest.mark.slow
def test_a_dpx_sequence_without_colour_comes_back_bit_for_bit(shots, tmp_path):
    d, common = shots
    res = _cli("colorize", d / "dpx" / "shot.%04d.dpx", "-o", tmp_path / "out", *common, "--saturation", "0",
               "--smooth", "0.7")
    assert res.returncode == 0, res.stderr
    warnings = [line for line in res.stderr.splitlines() if "warning: shot.####.dpx" in line]
    assert warnings == ["colorstudio-cli: warning: shot.####.dpx: 1 frame missing (1004); the others keep their "
                        "numbers"]
    assert "shot.####.dpx: 5 frames (1001-1006), ADX10 -> ADX10, written as DPX" in res.stderr
    src, out = _frames(d / "dpx", ".dpx"), _frames(tmp_path / "out", ".dpx")
    assert sorted(out) == [f"shot.{n}.dpx" for n in NUMBERS]
    assert all(out[k].dtype == np.uint16 and np.array_equal(out[k], src[k]) for k in src)


@pytest.mark.slow
def test_patterns_ranges_and_shards_of_an_exr_sequence(shots, tmp_path):
    d, common = shots
    one = tmp_path / "one"
    res = _cli("colorize", d / "exr" / "shot.####.exr", "-o", one, *common, "--smooth", "0.7")
    assert res.returncode == 0, res.stderr
    whole = _frames(one, ".exr")
    assert sorted(whole) == [f"shot.{n}.exr" for n in NUMBERS] and all(a.dtype == np.float16 for a in whole.values())
    # The same frames named with @ and a range by their own numbers: only those are written.
    res = _cli("colorize", d / "exr" / "shot.@@@@.exr", "-o", tmp_path / "part", *common, "--smooth", "0.7",
               "--frames", "1003-1005")
    assert res.returncode == 0, res.stderr
    assert "shot.####.exr: frames 1003-1005 (2 of 5) (after frames 1001-1002, computed" in res.stderr
    assert sorted(_frames(tmp_path / "part", ".exr")) == ["shot.1003.exr", "shot.1005.exr"]
    # Two shards, as a farm runs them, into one folder: every frame, as the one run made it.
    for i in (1, 2):
        res = _cli("colorize", d / "exr" / "shot.####.exr", "-o", tmp_path / "sharded", *common, "--smooth", "0.7",
                   "--shard", f"{i}/2")
        assert res.returncode == 0, res.stderr
    sharded = _frames(tmp_path / "sharded", ".exr")
    assert sorted(sharded) == sorted(whole)
    worst = max(float(np.abs(whole[k].astype(np.float32) - sharded[k].astype(np.float32)).max()) for k in whole)
    assert worst <= 2e-3, worst
    manifests = sorted((tmp_path / "sharded").glob(".colorstudio-frames-*.json"))
    assert [json.loads(m.read_text())["frames"] for m in manifests] == [[1001, 1002], [1003, 1006]]


@pytest.mark.slow
def test_colour_spaces_and_formats_on_the_command_line(shots, tmp_path):
    d, common = shots
    res = _cli("colorize", d / "dpx" / "shot.####.dpx", "-o", tmp_path / "lin", *common, "--format", "exr",
               "--colorspace-out", "lin_rec709")
    assert res.returncode == 0, res.stderr
    assert "ADX10 -> Linear Rec.709 (sRGB), written as EXR" in res.stderr
    inp = oiio.ImageInput.open(str(tmp_path / "lin" / "shot.1001.exr"))
    spec = inp.spec()
    inp.close()
    assert str(spec.format) == "half" and spec.get_string_attribute("oiio:ColorSpace") in ("lin_rec709_scene",
                                                                                           "Linear Rec.709 (sRGB)")


@pytest.mark.slow
def test_a_sequence_on_a_local_dask_cluster(shots, tmp_path):
    pytest.importorskip("distributed")
    d, common = shots
    local = tmp_path / "local"
    assert _cli("colorize", d / "dpx" / "shot.####.dpx", "-o", local, *common).returncode == 0
    res = _cli("colorize", d / "dpx" / "shot.####.dpx", "-o", tmp_path / "dask", *common, "--executor", "dask",
               "--workers", "2", "--tasks", "2", timeout=400)
    assert res.returncode == 0, res.stderr
    a, b = _frames(local, ".dpx"), _frames(tmp_path / "dask", ".dpx")
    assert sorted(b) == sorted(a) and all(np.array_equal(a[k], b[k]) for k in a)
    # A range mid-shot with smoothing: its shards' overlaps reach back before the range, as
    # one run's --frames does, so the frames are the same.
    rng = ("--frames", "1003-1006", "--smooth", "0.7")
    assert _cli("colorize", d / "dpx" / "shot.####.dpx", "-o", tmp_path / "l2", *common, *rng).returncode == 0
    res = _cli("colorize", d / "dpx" / "shot.####.dpx", "-o", tmp_path / "d2", *common, *rng, "--executor", "dask",
               "--workers", "2", "--tasks", "2", timeout=400)
    assert res.returncode == 0, res.stderr
    a, b = _frames(tmp_path / "l2", ".dpx"), _frames(tmp_path / "d2", ".dpx")
    assert sorted(a) == sorted(b) and len(a) >= 3 and all(np.array_equal(a[k], b[k]) for k in a)


def test_bad_sequences_are_one_line_before_any_work(shots, tmp_path):
    d, common = shots
    out = tmp_path / "out"

    def colorize(*args, **env):
        res = _cli("colorize", *args, "-o", out, *common, timeout=60, **env)
        assert len(res.stderr.strip().splitlines()) <= 2, res.stderr   # at most the gap warning, then the error
        return res

    assert_clean_error(colorize(d / "dpx" / "take.####.dpx"), 2, "take.####.dpx: no file matches this pattern")
    assert_clean_error(colorize(d / "dpx" / "shot.####.dpx", "--frames", "990-1002"), 2,
                       "frames 990-1002 are outside the sequence: it has frames 1001-1006")
    assert_clean_error(colorize(d / "dpx" / "shot.####.dpx", "--colorspace-in", "Kodak 5219"), 2,
                       "unknown colour space 'Kodak 5219'; valid names include 'ACEScg'")
    assert_clean_error(colorize(d / "dpx" / "shot.####.dpx", "--format", "jpg"), 2,
                       "an image sequence is written as exr, dpx, tif or png, not 'jpg'")
    assert_clean_error(colorize(d / "dpx" / "shot.1001.dpx", "--format", "exr"), 2,
                       "--format exr is for image sequences")
    shot_file = tmp_path / "keys.json"   # a sequence's keyframes are its frame numbers: "1" is none of them
    shot_file.write_text('{"frames": {"1": [{"x": 0.5, "y": 0.5, "rgb": [200, 40, 40]}]}}')
    assert_clean_error(colorize(d / "dpx" / "shot.####.dpx", "--hints", shot_file), 2,
                       "keys.json: the hints' keyframe 1 is not a frame of shot.####.dpx (frames 1001-1006")
    # Without the vfx extra: each module shadowed by one that cannot be imported.
    for module in ("OpenImageIO", "PyOpenColorIO"):
        hide = tmp_path / f"hide-{module}" / module
        hide.mkdir(parents=True)
        (hide / "__init__.py").write_text("raise ImportError('hidden for the test')\n")
        res = colorize(d / "exr" / "shot.####.exr", PYTHONPATH=str(hide.parent))
        assert_clean_error(res, 2, "pip install 'colorstudio[vfx]'")
    assert not out.exists(), "nothing written"
    # A good run, then a bad one into the same folder: what was written is kept.
    assert _cli("colorize", d / "dpx" / "shot.####.dpx", "-o", out, *common, "--frames", "1001").returncode == 0
    before = (out / "shot.1001.dpx").read_bytes()
    assert_clean_error(colorize(d / "dpx" / "shot.####.dpx", "--colorspace-out", "nope", "--overwrite"), 2,
                       "unknown colour space 'nope'")
    assert (out / "shot.1001.dpx").read_bytes() == before
