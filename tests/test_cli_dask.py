"""colorstudio-cli colorize --executor dask (issue 36, item 2): a real local Dask cluster of
2 worker processes (no mock), one worker killed in the middle of a shard; the output must
be complete and equal to one local run."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from test_colorstudio_cli import CLI, assert_clean_error

N, W, H, FPS, TASKS = 32, 48, 32, 24, 4
SLOW_S = 0.3   # each frame's pace in a worker during the kill test: a shard lasts seconds, not milliseconds


def _env(**extra: str) -> dict[str, str]:
    drop = ("COLORSTUDIO_SHARD", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN")
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "OMP_NUM_THREADS": "1", **extra}


def _cli(*args, timeout: float = 400, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, env=_env(**env),
                          timeout=timeout)


@pytest.fixture(scope="module")
def shot(tmp_path_factory, clip_with_audio):
    """A tiny model, a 32-frame H.264 + AAC clip (no shot cut: the shards split it evenly),
    the same frames as a folder of PNGs, and each coloured by one plain local run."""
    from colorstudio.core.batch import frames
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.core.io.imageio import write_image
    from colorstudio.models import create

    d = tmp_path_factory.mktemp("dask")
    weights = save_weights(d / "tiny.safetensors", create("unet-gan", weights=False, base=8, depth=2).state_dict(),
                           {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    rng = np.random.default_rng(3)
    gray = [(60 + 120 * rng.random((H, W))).astype(np.uint8) for _ in range(N)]
    video = clip_with_audio(d / "shot.mp4", gray, FPS)
    folder = d / "reel"
    for i, g in enumerate(frames.iter_frames(video), 1):
        write_image(folder / f"reel.{1000 + i}.png", g)
    common = ["--weights", weights, "--device", "cpu", "--size", "32"]
    for src, out in ((video, d / "one"), (folder, d / "one_reel")):
        res = _cli("colorize", src, "-o", out, *common, timeout=300)
        assert res.returncode == 0, res.stderr
    return d, video, folder, common


@pytest.fixture(scope="module")
def cluster():
    """A real LocalCluster of 2 worker processes, one thread each, on this machine."""
    import cloudpickle
    from distributed import Client, LocalCluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the test's plugin, sent to the workers
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            Client(c) as client:
        yield c, client


class _Slow:
    """A worker plugin that paces every frame a shard yields (the slow part of a real shot),
    so that the kill lands in the middle of a shard on any machine."""

    name = "colorstudio-test-slow"

    def setup(self, worker=None):
        from colorstudio.core.batch import shards

        if getattr(shards.colorize_range, "paced", False):
            return
        original = shards.colorize_range

        def paced(*args, **kwargs):
            with contextlib.closing(original(*args, **kwargs)) as events:
                for ev in events:
                    time.sleep(SLOW_S)
                    yield ev

        paced.paced, paced.original = True, original
        shards.colorize_range = paced

    def teardown(self, worker=None):
        from colorstudio.core.batch import shards

        shards.colorize_range = getattr(shards.colorize_range, "original", shards.colorize_range)


def _read(folder, pattern="*.png"):
    from colorstudio.core.io.imageio import read_image

    return {p.name: read_image(p).astype(int) for p in sorted(folder.glob(pattern))}


def _decoded(video):
    from colorstudio.core.batch import frames

    return [f.astype(int) for f in frames.iter_frames(video)]


@pytest.mark.slow
def test_a_worker_killed_mid_shard_leaves_the_result_complete_and_identical(shot, cluster, tmp_path):
    import json

    from distributed.diagnostics.plugin import WorkerPlugin

    from colorstudio.core.batch import frames, ranges

    d, video, _, common = shot
    c, client = cluster
    plugin = type("Slow", (_Slow, WorkerPlugin), {})()
    client.register_plugin(plugin, name=_Slow.name)
    out = tmp_path / "out"
    folder = out / "shot_frames"
    spans = {i: range(r.start + 1, r.stop + 1) for i, r in enumerate(ranges.plan_shards(N, TASKS, ()), 1)}
    try:
        proc = subprocess.Popen([str(CLI), "colorize", str(video), "-o", str(out), *map(str, common),
                                 "--executor", "dask", "--scheduler", c.scheduler_address, "--tasks", str(TASKS)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        killed = None
        pids = client.run(os.getpid)   # worker address -> its process
        deadline = time.monotonic() + 300
        while killed is None and proc.poll() is None and time.monotonic() < deadline:
            written = {int(p.stem.split("_")[1]) for p in folder.glob("frame_*.png")} if folder.is_dir() else set()
            for address, keys in client.processing().items():
                for key in keys:   # colorstudio-shard-IofN-RUN: a worker in the middle of shard I
                    i = int(str(key).split("-")[2].split("of")[0])
                    if written & set(spans[i]) and not set(spans[i]) <= written and address in pids:
                        os.kill(pids[address], signal.SIGKILL)
                        killed = (i, len(written & set(spans[i])))
                        break
                if killed:
                    break
            time.sleep(0.1)
        out_text, err = proc.communicate(timeout=400)
    finally:
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(_Slow.name)
    assert killed is not None, f"no shard was seen half done: rc {proc.returncode}, {err}"
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert f"{N} done, 0 skipped (already there), 0 failed; video: 1 written" in out_text
    assert "dask: shot.mp4 in 4 shards on tcp://" in err

    one, dist = _read(d / "one" / "shot_frames", "frame_*.png"), _read(folder, "frame_*.png")
    assert sorted(dist) == sorted(one) and len(one) == N
    assert all(np.array_equal(one[k], dist[k]) for k in one), "the frames differ from one local run"
    a, b = _decoded(d / "one" / "shot.mp4"), _decoded(out / "shot.mp4")
    assert len(a) == len(b) == N and all(np.array_equal(x, y) for x, y in zip(a, b))
    info = frames.video_info(out / "shot.mp4")
    assert info.audio == "aac" and info.fps == pytest.approx(FPS)

    i, before = killed   # the killed shard was run again: it kept what its first try had written
    manifest = json.loads((folder / ".colorstudio-frames-{:06d}-{:06d}.json".format(spans[i][0], spans[i][-1]))
                          .read_text())
    assert manifest["complete"] and manifest["kept"], (killed, manifest)
    assert sum(b - a + 1 for a, b in manifest["kept"]) >= before


@pytest.mark.slow
def test_a_folder_of_frames_and_a_shard_that_fails_every_try(shot, cluster, tmp_path):
    d, _, reel, common = shot
    c, _ = cluster
    res = _cli("colorize", reel, "-o", tmp_path / "reel", *common, "--executor", "dask",
               "--scheduler", c.scheduler_address)
    assert res.returncode == 0, res.stderr
    assert f"{N} done, 0 skipped (already there), 0 failed in" in res.stdout
    one, dist = _read(d / "one_reel"), _read(tmp_path / "reel")
    assert sorted(dist) == sorted(one) and len(one) == N
    assert all(np.array_equal(one[k], dist[k]) for k in one)

    res = _cli("colorize", reel, "-o", tmp_path / "reel", *common, "--executor", "dask",
               "--scheduler", c.scheduler_address)   # a rerun: everything there already
    assert res.returncode == 0 and f"0 done, {N} skipped (already there), 0 failed" in res.stdout, res.stderr

    bad = tmp_path / "bad.safetensors"   # read by the workers only (--model is given): every try fails
    bad.write_bytes(b"not a checkpoint")
    res = _cli("colorize", reel, "-o", tmp_path / "bad", "--model", "unet-gan", "--weights", bad, "--device", "cpu",
               "--executor", "dask", "--scheduler", c.scheduler_address, "--tasks", "2")
    assert_clean_error(res, 1, "shard 1/2 of reel failed (and 1 more shard): ")
    assert "(after 3 tries); the frames done are kept" in res.stderr
    assert [line.startswith("colorstudio-cli: error:") for line in res.stderr.strip().splitlines()][-1:] == [True]


# ------------------------------------------------------------------- one-line errors, fast

@pytest.fixture
def clip(tmp_path):
    import cv2

    src = tmp_path / "clip.avi"
    vw = cv2.VideoWriter(str(src), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (W, H))
    for i in range(6):
        vw.write(np.full((H, W, 3), 30 * i, np.uint8))
    vw.release()
    return src


def test_dask_missing_is_one_line_with_the_install_command(clip, tmp_path, monkeypatch, capsys):
    from colorstudio.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)   # as if not installed: importing it fails
    assert main(["colorize", str(clip), "-o", str(tmp_path / "out"), "--executor", "dask"]) == 2
    err = capsys.readouterr().err
    assert "needs dask and distributed" in err and "pip install 'colorstudio[dask]'" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra, match", [
    (["--executor", "dask", "--shard", "1/2"], "--executor dask cuts the shot into shards itself"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler is for --executor dask"),
    (["--workers", "2"], "--workers is for --executor dask"),
    (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"], "--workers sizes the local"),
])
def test_options_that_do_not_go_together(clip, tmp_path, capsys, extra, match):
    from colorstudio.cli import main

    assert main(["colorize", str(clip), "-o", str(tmp_path / "out"), *extra]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1


def test_more_than_one_shot_is_refused(clip, tmp_path, capsys):
    from colorstudio.cli import main

    other = clip.with_name("other.avi")
    other.write_bytes(clip.read_bytes())
    assert main(["colorize", str(clip), str(other), "-o", str(tmp_path / "out"), "--executor", "dask"]) == 2
    assert "--executor dask takes one shot: one video, or the frames of a folder or list" in capsys.readouterr().err


def test_a_scheduler_out_of_reach_is_one_line_with_its_address(clip, tmp_path):
    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    res = _cli("colorize", clip, "-o", tmp_path / "out", "--device", "cpu", "--executor", "dask",
               "--scheduler", address, timeout=120, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s")
    assert_clean_error(res, 2, f"cannot reach the Dask scheduler at {address}")
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
