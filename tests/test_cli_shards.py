"""colorstudio-cli colorize --frames / --shard and assemble (issue 36, item 1), as a farm runs
them: separate processes, at once, into one output folder."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

from test_colorstudio_cli import CLI, assert_clean_error, run

N, CUT, W, H, FPS = 40, 21, 48, 32, 24   # the cut: frame 22 (index 21) starts the second shot
SMOOTH = "0.7"                           # the default strength (smoothing.DEFAULT_STRENGTH)
FARM_VARIABLES = ("COLORSTUDIO_SHARD", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                  "SLURM_ARRAY_TASK_STEP")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FARM_VARIABLES}
    return {**env, "OMP_NUM_THREADS": "1", **extra}


def _pan_with_cut(path, clip_with_audio):
    """H.264 + AAC: a pan over a dark scene, cut at frame 22 to a pan over a bright one."""
    import cv2

    rng = np.random.default_rng(5)
    scenes = [cv2.resize(rng.random((10, 30)).astype(np.float32), (W + 2 * N, H), interpolation=cv2.INTER_CUBIC)
              for _ in range(2)]
    frames = []
    for i in range(N):
        lo, hi, s = (15, 115, scenes[0]) if i < CUT else (145, 245, scenes[1])
        frames.append((lo + (hi - lo) * np.clip(s[:, 2 * i:2 * i + W], 0, 1)).astype(np.uint8))
    return clip_with_audio(path, frames, FPS)


@pytest.fixture(scope="module")
def farm(tmp_path_factory, clip_with_audio):
    """The shot coloured in 4 shards by 4 processes at once (shard 2 takes its number from
    COLORSTUDIO_SHARD, shard 3 from a SLURM array of task IDs 10-13), and meanwhile once
    whole in this process, as a plain ``colorize`` run does it (the reference)."""
    from colorstudio.core.batch import frames
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    d = tmp_path_factory.mktemp("farm")
    weights = save_weights(d / "tiny.safetensors", create("unet-gan", weights=False, base=8, depth=2).state_dict(),
                           {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    src = _pan_with_cut(d / "shot.mp4", clip_with_audio)
    common = ["--weights", weights, "--device", "cpu", "--size", "32", "--smooth", SMOOTH]
    slurm = {"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "10"}
    shards = {1: (["--shard", "1/4"], {}), 2: (["--shard", "auto"], {"COLORSTUDIO_SHARD": "2/4"}),
              3: (["--shard", "auto"], slurm), 4: (["--shard", "4/4"], {})}
    procs = {i: subprocess.Popen([str(CLI), "colorize", str(src), "-o", str(d / "sharded"),
                                  *map(str, common + extra)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=_clean_env(**env))
             for i, (extra, env) in shards.items()}
    one = Predictor(create("unet-gan", weights=weights), device="cpu")
    events = list(frames.colorize_video(src, d / "one", one, size=32, smooth=float(SMOOTH)))
    assert {e.status for e in events} == {"done"} and len(events) == N + 1
    errors = {}
    for i, p in procs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, (i, out, err)
        errors[i] = err
    return d, src, errors


def _frames(folder):
    from colorstudio.core.io.imageio import read_image

    return {p.name: read_image(p).astype(int) for p in sorted(folder.glob("frame_*.png"))}


@pytest.mark.slow
def test_four_shards_match_one_run(farm):
    d, _, _ = farm
    one, sharded = _frames(d / "one" / "shot_frames"), _frames(d / "sharded" / "shot_frames")
    assert len(one) == N and sorted(sharded) == sorted(one)
    worst = max(int(np.abs(one[k] - sharded[k]).max()) for k in one)
    assert worst <= 1, f"max difference {worst} units of 8 bits"
    assert not any((d / "sharded" / f"shot{ext}").exists() for ext in (".mp4", ".avi")), "a shard never assembles"


@pytest.mark.slow
def test_shards_split_at_the_cut_and_say_what_they_wrote(farm):
    d, _, err = farm
    manifests = [json.loads(p.read_text()) for p in sorted((d / "sharded" / "shot_frames").glob(".colorstudio-*.json"))]
    assert [m["frames"] for m in manifests] == [[1, 10], [11, 21], [22, 30], [31, 40]]   # 22: the cut
    assert [m["shard"] for m in manifests] == [[1, 4], [2, 4], [3, 4], [4, 4]]   # 2, 3: from the environment
    assert [m["overlap"] for m in manifests] == [None, [1, 10], None, [22, 30]]  # back to the cut at most
    assert all(m["complete"] and m["written"] == [m["frames"]] for m in manifests)
    assert "shard 3/4 of shot.mp4: frames 22-30 of 40" in err[3]


@pytest.mark.slow
def test_assemble_with_audio_then_gaps(farm, tmp_path):
    import shutil

    from colorstudio.core.batch import frames

    d, src, _ = farm
    res = run("assemble", d / "sharded" / "shot_frames", "-o", tmp_path / "shot.mp4", "--audio", src)
    assert res.returncode == 0, res.stderr
    assert f"{N} frames at {FPS} fps with audio" in res.stdout
    info = frames.video_info(tmp_path / "shot.mp4")
    assert info.frame_count == N and info.audio == "aac" and info.fps == pytest.approx(FPS)
    res = run("assemble", d / "sharded" / "shot_frames", "-o", tmp_path / "shot.mp4")
    assert res.returncode == 0 and "there already" in res.stdout

    holed = shutil.copytree(d / "sharded" / "shot_frames", tmp_path / "holed_frames")
    for i in (12, 13, 40):   # a shard's frames not done yet: the source says 40 are due
        (holed / f"frame_{i:06d}.png").unlink()
    res = run("assemble", holed, "-o", tmp_path / "holed.mp4", "--audio", src)
    assert_clean_error(res, 2, "holed_frames: 3 frames missing (12-13, 40)")
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "holed.mp4").exists()
    res = run("assemble", holed, "-o", tmp_path / "holed.mp4", "--audio", src, "--allow-gaps")
    assert res.returncode == 0 and "3 frames missing (12-13, 40), held over" in res.stderr
    assert frames.video_info(tmp_path / "holed.mp4").frame_count == N - 3


def test_range_and_shard_mistakes_are_one_line_before_any_work(tmp_path):
    import cv2

    src = tmp_path / "clip.avi"
    vw = cv2.VideoWriter(str(src), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (W, H))
    for i in range(6):
        vw.write(np.full((H, W, 3), 30 * i, np.uint8))
    vw.release()
    out = tmp_path / "out"

    def colorize(*extra, **env):
        return subprocess.run([str(CLI), "colorize", str(src), "-o", str(out), "--device", "cpu", *extra],
                              capture_output=True, text=True, env=_clean_env(**env), timeout=60)

    assert_clean_error(colorize("--shard", "auto"), 2, "--shard auto: no shard in the environment")
    assert_clean_error(colorize("--shard", "auto", SLURM_ARRAY_TASK_ID="7", SLURM_ARRAY_TASK_COUNT="4",
                                SLURM_ARRAY_TASK_MIN="0"), 2, "not one of the 4 tasks")
    assert_clean_error(colorize("--shard", "2/4", COLORSTUDIO_SHARD="5/4"), 2, "COLORSTUDIO_SHARD='5/4'")
    assert_clean_error(colorize("--shard", "5/4"), 2, "shard 5/4 is out of range")
    assert_clean_error(colorize("--frames", "4-9"), 2, "frames 4-9 are outside the shot: it has frames 1-6")
    assert_clean_error(colorize("--frames", "1-3", "--shard", "1/2"), 2, "not allowed with argument")
    src.with_name("clip2.avi").write_bytes(src.read_bytes())
    two = subprocess.run([str(CLI), "colorize", str(src), str(src.with_name("clip2.avi")), "-o", str(out),
                          "--frames", "1-"], capture_output=True, text=True, env=_clean_env(), timeout=60)
    assert_clean_error(two, 2, "take one shot")
    assert not out.exists(), "nothing written"
    assert_clean_error(run("assemble", tmp_path / "nowhere", "-o", tmp_path / "v.mp4"), 2, "not a folder of frames")
