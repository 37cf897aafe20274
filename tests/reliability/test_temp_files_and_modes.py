"""Issue 33, classes 2 and 7: one writer gives every output kind the mode a plain open()
gives, and the stale-temp cleaner removes only files this program named (signature) and
never an input."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from colorstudio.core.io import atomic


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def _stale_name(suffix: str = ".png", pid: int = 999_999_999) -> str:
    token = "0badcafe"
    return f".cs-{pid}-{token}{atomic._signature(str(pid), token)}{suffix}"


def test_cleaner_leaves_files_it_did_not_name(tmp_path):
    user = [tmp_path / ".cs-999999-holiday.png", tmp_path / ".cs-999999-abcdefgh.png", tmp_path / ".cs-1-x"]
    for p in user:
        p.write_bytes(b"mine")
    ours = tmp_path / _stale_name()
    ours.write_bytes(b"half")
    assert atomic.clean_stale(tmp_path) == [ours]
    assert all(p.read_bytes() == b"mine" for p in user)


def test_cleaner_never_removes_an_input(tmp_path):
    looks_ours = tmp_path / _stale_name()
    looks_ours.write_bytes(b"an input the user named like our temp files")
    assert atomic.clean_stale(tmp_path, keep=[looks_ours]) == []
    assert looks_ours.exists()


@pytest.fixture
def tiny_colorizer():
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    return Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu", backend="torch")


def test_batch_run_keeps_dot_cs_inputs_in_the_output_folder(tmp_path, tiny_colorizer):
    from colorstudio.core.batch import colorize_files
    from colorstudio.core.io import imageio

    out = tmp_path / "out"
    out.mkdir()
    src = out / ".cs-999999-holiday.png"
    imageio.write_image(src, np.full((32, 32), 128, np.uint8))
    bystander = out / ".cs-5-vacation.jpg"
    bystander.write_bytes(b"not an image of ours")
    events = list(colorize_files([src], out, tiny_colorizer))
    assert events and src.exists() and bystander.read_bytes() == b"not an image of ours"


def test_temp_path_has_the_signature_and_plain_mode(tmp_path, umask022):
    p = atomic.temp_path(tmp_path, ".mp4")
    assert atomic.is_ours(p) and p.suffix == ".mp4" and _mode(p) == 0o644
    assert not atomic.is_stale(p)       # this process is alive


def _writers(tmp_path: Path):
    """(kind, write it, its path) for every output kind."""
    from colorstudio.core.batch.frames import write_video
    from colorstudio.core.colorize import hintfile
    from colorstudio.core.io import checkpoint, imageio
    from trainer.config import TrainConfig, save_config
    from trainer.report import plot

    rgb = np.full((32, 48, 3), 90, np.uint8)
    yield "image", lambda p: imageio.write_image(p, rgb), tmp_path / "a.png"
    yield "jpeg", lambda p: imageio.write_image(p, rgb), tmp_path / "a.jpg"
    yield "video", lambda p: write_video([rgb, rgb], p, 5.0), tmp_path / "v.mp4"
    yield "weights", lambda p: checkpoint.save_weights(p, {"w": __import__("torch").zeros(2)}, {}), \
        tmp_path / "w.safetensors"
    yield "hints", lambda p: hintfile.write_points(p, [(0.5, 0.5, (200, 30, 30))]), tmp_path / "h.json"
    yield "shot", lambda p: hintfile.write_shot(p, {0: [(0.5, 0.5, (200, 30, 30))]}), tmp_path / "s.json"
    yield "card", lambda p: atomic.write_text(p, "# card\n"), tmp_path / "c.md"
    yield "config", lambda p: save_config(TrainConfig(), p), tmp_path / "config.json"
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text(json.dumps({"kind": "train", "step": 1, "time": 1.0, "loss/total": 1.0}) + "\n")
    yield "plot", lambda p: plot.plot(metrics, p), tmp_path / "plot.png"


@pytest.mark.parametrize("kind", ["image", "jpeg", "video", "weights", "hints", "shot", "card", "config", "plot"])
def test_every_output_kind_gets_the_mode_of_a_plain_open(tmp_path, umask022, kind):
    for k, write, path in _writers(tmp_path):
        if k == kind:
            write(path)
            assert _mode(path) == 0o644, f"{kind}: mode {oct(_mode(path))}"
            assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cs-")]
            return
    raise AssertionError(kind)


def test_another_machines_temp_file_is_not_ours(tmp_path, monkeypatch):
    """Workers of a farm or a Dask cluster share one output folder: a temporary file written
    on another machine (whose pid means nothing here) is never taken for a stale one."""
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    monkeypatch.setattr(atomic, "_HOST", "another-machine")
    theirs = tmp_path / _stale_name(".png", dead.pid)
    theirs.write_bytes(b"half a frame")
    monkeypatch.undo()
    assert not atomic.is_ours(theirs) and atomic.clean_stale(tmp_path) == [] and theirs.exists()
    mine = tmp_path / _stale_name(".jpg", dead.pid)
    mine.write_bytes(b"half a frame")
    assert atomic.clean_stale(tmp_path) == [mine] and theirs.exists()
