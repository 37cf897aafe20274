"""Numbers, sizes, memory and names at their limits; damaged videos; concurrent runs."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from colorstudio.core.batch import frames
from colorstudio.core.inference.predictor import Predictor
from colorstudio.models import create

CLI = Path(sys.executable).parent / "colorstudio-cli"


@pytest.fixture(scope="module")
def predictor():
    return Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu", backend="torch")


@pytest.mark.parametrize("args, match", [
    (["--saturation", "nan"], "finite"), (["--saturation", "inf"], "finite"), (["--smooth", "nan"], "finite"),
    (["--smooth=-inf"], "finite"), (["--quality", "0"], "from 1 to 100"), (["--size", "nan"], "whole number"),
])
def test_numeric_options_reject_nan_and_inf(tmp_path, args, match):
    res = subprocess.run([str(CLI), "colorize", str(tmp_path), "-o", str(tmp_path / "o"), *args],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and match in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_trainer_config_rejects_nan():
    from trainer.config import ConfigError, make_config

    with pytest.raises(ConfigError, match="finite"):
        make_config("unet-gan", None, ["lr=NaN"])
    with pytest.raises(ConfigError, match="finite"):
        make_config("unet-gan", None, [], time_budget=float("inf"))


def test_render_size_is_bounded_by_memory(predictor, monkeypatch):
    from colorstudio.core.inference import predictor as pm

    monkeypatch.setattr(pm, "available_memory", lambda: 200 << 20)  # 200 MB free
    x = np.zeros((1, 1, 2048, 2048), np.float32)
    with pytest.raises(MemoryError, match="use a render size of at most") as err:
        predictor.predict_ab(x)
    side = int(str(err.value).rsplit(" ", 1)[-1])
    assert 32 <= side < 2048 and predictor.activation_bytes((1, 1, side, side)) <= 0.8 * (200 << 20)


def test_torch_cpu_out_of_memory_is_a_message(predictor, monkeypatch):
    def boom(x, method):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:118] DefaultCPUAllocator: can't allocate memory")

    monkeypatch.setattr(predictor, "_runner", boom)
    monkeypatch.setattr(predictor, "_refresh_if_changed", lambda: None)
    with pytest.raises(MemoryError, match="out of memory running unet-gan"):
        predictor.predict_ab(np.zeros((1, 1, 32, 32), np.float32))


def _video(path: Path, n: int = 40) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    rng = np.random.default_rng(0)
    for i in range(n):
        w.write(np.full((48, 64, 3), (i * 6) % 255, np.uint8) + rng.integers(0, 20, (48, 64, 3)).astype(np.uint8))
    w.release()
    return path


def test_truncated_video_is_reported_not_shortened(tmp_path, predictor):
    src = _video(tmp_path / "clip.avi")
    data = src.read_bytes()
    bad = tmp_path / "cut.avi"
    bad.write_bytes(data[: len(data) // 2])
    if frames.video_info(bad).frame_count != 40:
        pytest.skip("this OpenCV build does not report the declared count of a cut AVI")
    events = list(frames.colorize_video(bad, tmp_path / "out", predictor, size=32))
    last = events[-1]
    assert last.status == "failed" and "of the 40 frames" in last.error
    assert not (tmp_path / "out" / "cut.avi").exists()


def test_two_video_runs_into_one_folder(tmp_path, predictor):
    src = _video(tmp_path / "clip.avi", 12)
    errors: list[str] = []

    def run(out):
        for ev in frames.colorize_video(src, out, predictor, size=32):
            if ev.status == "failed":
                errors.append(ev.error)

    out = tmp_path / "out"
    ts = [threading.Thread(target=run, args=(out / "clip.avi",)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not errors, errors
    assert frames.video_info(out / "clip.avi").frame_count == 12
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_output_names_are_unique_by_construction(tmp_path):
    from colorstudio.core.batch import plan_items

    inputs = [Path("a.png"), Path("a.jpg"), Path("a-2.png"), Path("A.tif")]
    names = [p.result.name for p in plan_items(inputs, tmp_path, "png")]
    assert names == ["a.png", "a-3.png", "a-2.png", "A-4.png"]
    assert len({n.lower() for n in names}) == 4


def test_resume_with_another_architecture_is_one_message(tmp_path, photo_dir):
    from helpers import tiny_config
    from trainer.engine.loop import Trainer, TrainError, train

    run = tmp_path / "r"
    train(tiny_config("unet-gan", photo_dir, "max_steps=1"), run)
    with pytest.raises(TrainError, match="cannot resume: .* holds a unet-gan model") as err:
        Trainer(tiny_config("unet-gan", photo_dir, "model.base=16"), run, resume=True)
    assert len(str(err.value).splitlines()) == 1


def test_a_read_only_mount_is_named_as_such(tmp_path, monkeypatch):
    """Issue 33, class 10: a read-only mount was reported as 'permission denied'."""
    import os

    from colorstudio.core.batch.inputs import OutputFolderError, check_output_folder

    class RO:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda p: RO())
    with pytest.raises(OutputFolderError, match="is on a read-only file system"):
        check_output_folder(tmp_path / "out")


def test_the_memory_guard_honours_the_address_space_limit():
    """Issue 33, class 5: the guard looked at the machine's free memory only; under
    ``ulimit -v`` a big render failed inside torch instead of a message with a size that fits."""
    import subprocess
    import sys

    code = (
        "import resource, numpy as np\n"
        "from colorstudio.core.inference.devices import available_memory\n"
        "from colorstudio.core.inference.predictor import Predictor\n"
        "from colorstudio.models import create\n"
        "p = Predictor(create('unet-gan', weights=False, base=8, depth=2), device='cpu', backend='torch')\n"
        "used = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (used + (600 << 20), resource.RLIM_INFINITY))\n"
        "print('left', available_memory() < (700 << 20))\n"
        "try:\n"
        "    p.run(np.zeros((1, 1, 4096, 4096), np.float32))\n"
        "    print('ran')\n"
        "except MemoryError as e:\n"
        "    print('refused', e)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert "left True" in res.stdout, res.stdout + res.stderr
    assert "refused running" in res.stdout and "use a render size of at most" in res.stdout, res.stdout + res.stderr
