"""SIGKILL in the middle of a batch and of a training run, then resume: outputs are
byte-identical to an uninterrupted run, and no stray temporary file is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from colorstudio.core.io import atomic
from colorstudio.core.io.atomic import PREFIX

BIN = Path(sys.executable).parent
# One back-end for every run: auto-tuning under load could pick ORT for one run and torch
# for another, whose outputs may differ by one level.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "COLORSTUDIO_BACKEND": "onnxruntime"}


def _stray(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(PREFIX)]


def _plant_stale(folder: Path) -> Path:
    """A temp file as a killed writer leaves it: its pid is gone."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{PREFIX}{dead.pid}-abcd1234{atomic._signature(str(dead.pid), 'abcd1234')}.tmp"
    p.write_bytes(b"half a file")
    return p


def _wait_for(cond, timeout: float) -> None:
    t0 = time.time()
    while not cond():
        if time.time() - t0 > timeout:
            pytest.fail("timed out waiting for the run to make progress")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    m = create("unet-gan", weights=False, base=8, depth=2)
    return save_weights(tmp_path_factory.mktemp("w") / "w.safetensors", m.state_dict(),
                        {"family": "unet-gan", "config": {"base": 8, "depth": 2}})


@pytest.mark.slow
def test_batch_killed_then_resumed_is_byte_identical(tmp_path, weights):
    from colorstudio.core.io.imageio import write_image

    src = tmp_path / "in"
    rng = np.random.default_rng(0)
    for i in range(40):
        write_image(src / f"f{i:03d}.png", (rng.random((96, 128)) * 255).astype(np.uint8))
    cmd = [str(BIN / "colorstudio-cli"), "colorize", str(src), "--weights", str(weights), "--device", "cpu",
           "--size", "64", "-q", "-o"]
    ref = subprocess.run(cmd + [str(tmp_path / "ref")], capture_output=True, text=True, env=ENV, timeout=120)
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "out"
    stale = _plant_stale(out)
    kills = 0
    for _ in range(3):  # kill it a few times at different points
        p = subprocess.Popen(cmd + [str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        have = len(list(out.glob("*.png")))
        _wait_for(lambda: len(list(out.glob("*.png"))) >= min(40, have + 6) or p.poll() is not None, 60)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
    assert kills >= 1
    res = subprocess.run(cmd + [str(out)], capture_output=True, text=True, env=ENV, timeout=120)
    assert res.returncode == 0, res.stderr
    names = sorted(p.name for p in (tmp_path / "ref").glob("*.png"))
    assert names == sorted(p.name for p in out.glob("*.png")) and len(names) == 40
    for n in names:
        assert (out / n).read_bytes() == (tmp_path / "ref" / n).read_bytes(), n
    assert not stale.exists() and not _stray(out)


@pytest.mark.slow
def test_training_killed_then_resumed(tmp_path, photo_dir):
    run = tmp_path / "run"
    stale = _plant_stale(run / "checkpoints")
    cmd = [str(BIN / "colorstudio-train"), "unet-gan", "--data", str(photo_dir), "--out", str(run),
           "--threads", "1", "--set", "model.base=8", "--set", "model.depth=2", "--set", "image_size=32",
           "--set", "batch_size=4", "--set", "log_every=1", "--set", "val_images=4", "--set", "sample_images=2",
           "--set", "val_every_nth=5", "--set", "adv_weight=0", "--set", "max_steps=400", "--set", "epochs=1000"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    ck = run / "checkpoints" / "last.pt"
    _wait_for(lambda: ck.is_file() or p.poll() is not None, 90)
    time.sleep(0.2)
    assert p.poll() is None, "the run ended before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait()
    res = subprocess.run(cmd + ["--resume", "--set", "max_steps=200"], capture_output=True, text=True, env=ENV,
                         timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "step limit reached: step 200" in res.stdout
    assert (run / "model.safetensors").is_file()
    assert not stale.exists() and not _stray(run)
    import json

    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines)  # no torn line swallowed a record
