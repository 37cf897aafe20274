"""The trainer's command line misused (issue 21, items 2-5, 9, 10, 12, 13): one line on
stderr and exit 2 for every usage error, before any data is read; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import torch

from colorstudio.core.io.runs import PARENT_PID_ENV, RunLock
from trainer.__main__ import main

from helpers import TINY

TINY_ARGS = [a for s in TINY["unet-gan"] for a in ("--set", s)] + [
    "--set", "image_size=32", "--set", "batch_size=4", "--set", "val_images=4", "--set", "sample_images=2",
    "--set", "threads=1", "--set", "val_every_nth=5", "--set", "log_every=1"]


def _cli(capsys, *argv) -> tuple[int, str]:
    rc = main(list(argv))
    err = capsys.readouterr().err.strip()
    return rc, err


def _one_line_usage(rc: int, err: str, *words: str, trained: bool = False) -> None:
    """One error line; ``trained``: a run that got going may have printed its progress first."""
    assert rc == 2, err
    lines = err.splitlines()
    if trained:
        assert all(line.startswith("step ") for line in lines[:-1]), err
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith("colorstudio-train: error: "), err
    assert "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu(capsys, photo_dir, tmp_path):
    rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--out", str(tmp_path / "r"), "--device", "cuda",
                   *TINY_ARGS)
    _one_line_usage(rc, err, "no CUDA GPU")


@pytest.mark.parametrize("text,word", [('{"recipe": "unet-gan", "epo', "damaged"), ("[1, 2]", "JSON object"),
                                       ('{"recipe": "unet-gan", "epochs": "ten"}', "epochs"),
                                       ('{"recipe": "unet-gan", "lr": -3}', "lr"),
                                       ("\xff\xfe\x00garbage", "config.json: cannot read it")])
def test_resume_with_a_damaged_config(capsys, tmp_path, photo_dir, text, word):
    run = tmp_path / "r"
    run.mkdir()
    (run / "config.json").write_bytes(text.encode("latin-1"))
    rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--out", str(run), "--resume")
    _one_line_usage(rc, err, word)


@pytest.mark.parametrize("override,word", [
    ("lr=-1", "lr must be in (0, 10]"), ("loss=bogus", "loss must be one of"),
    ("scale_range=[0,0]", "scale_range"), ("image_size=100000", "image_size must be in [8, 2048]"),
    ("batch_size=1000000", "batch_size"), ("label_flip=2", "label_flip"), ("betas=[0.9]", "betas"),
    ("ema=1.5", "ema"), ("seed=-4", "seed")])
def test_bad_values_are_refused_before_the_data_is_read(capsys, tmp_path, override, word):
    rc, err = _cli(capsys, "unet-gan", "--data", str(tmp_path / "no-such-folder"), "--out", str(tmp_path / "r"),
                   "--set", override)
    _one_line_usage(rc, err, word)   # the value, not the missing folder: nothing was read


def test_binary_config_file(capsys, tmp_path, photo_dir):
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(bytes(range(256)) * 4)
    rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--config", str(cfg))
    _one_line_usage(rc, err, "not a TOML text file")


def test_export_into_an_unwritable_place(capsys, tmp_path, photo_dir):
    run = tmp_path / "r"
    assert main(["unet-gan", "--data", str(photo_dir), "--out", str(run), "--set", "max_steps=1", *TINY_ARGS]) == 0
    capsys.readouterr()
    rc, err = _cli(capsys, "export", str(run), "-o", "/proc/nope/x.safetensors")
    _one_line_usage(rc, err, "/proc/nope/x.safetensors")
    assert ".tmp" not in err


def test_one_image_folder_says_it_is_held_out(capsys, tmp_path, photo_dir):
    one = tmp_path / "one"
    one.mkdir()
    (one / "a.png").write_bytes((photo_dir / "alpha" / "000.png").read_bytes())
    rc, err = _cli(capsys, "unet-gan", "--data", str(one), "--out", str(tmp_path / "r"), *TINY_ARGS)
    _one_line_usage(rc, err, "1 image", "held out for validation")


def test_a_second_training_into_the_same_folder_is_refused(capsys, tmp_path, photo_dir):
    run = tmp_path / "r"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from colorstudio.core.io.runs import RunLock; RunLock(sys.argv[1]).acquire(); "
        "print('held', flush=True); time.sleep(60)"), str(run)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--out", str(run), *TINY_ARGS)
        _one_line_usage(rc, err, "in use by another training", str(holder.pid))
        assert not (run / "metrics.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    RunLock(run).acquire().release()   # the OS dropped the dead holder's lock


def test_disk_full_while_checkpointing_is_one_line_and_keeps_the_last(capsys, tmp_path, photo_dir, monkeypatch):
    run = tmp_path / "r"
    assert main(["unet-gan", "--data", str(photo_dir), "--out", str(run), "--set", "max_steps=1", *TINY_ARGS]) == 0
    before = (run / "checkpoints" / "last.pt").read_bytes()
    capsys.readouterr()

    def full(*a, **k):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing file "
                           "data/3: file write failed")

    import shutil

    monkeypatch.setattr(torch, "save", full)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10 ** 9, 10 ** 9, 1024))
    rc, err = _cli(capsys, "unet-gan", "--out", str(run), "--resume", "--set", "max_steps=3")
    _one_line_usage(rc, err, "no space left on the device", "previous checkpoint is kept", trained=True)
    assert (run / "checkpoints" / "last.pt").read_bytes() == before


def test_repeated_ctrl_c_is_one_line(capsys, monkeypatch):
    import trainer.__main__ as cli

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_train", interrupted)
    rc = main(["unet-gan", "--data", "x"])
    err = capsys.readouterr().err
    assert rc == 130 and "interrupted" in err and "Traceback" not in err


@pytest.mark.slow
def test_trainer_ends_when_the_studio_that_started_it_is_gone(tmp_path, photo_dir):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()   # a pid that no longer runs: the studio was killed
    run = tmp_path / "r"
    env = {**os.environ, PARENT_PID_ENV: str(gone.pid)}
    t0 = time.time()
    p = subprocess.run([sys.executable, "-m", "trainer", "unet-gan", "--data", str(photo_dir), "--out", str(run),
                        "--set", "max_steps=100000", *TINY_ARGS], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert "the end of the studio" in p.stdout and time.time() - t0 < 60
    end = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()][-1]
    assert end["event"] == "end" and (run / "model.safetensors").is_file()   # stopped cleanly, kept its work


@pytest.mark.parametrize("dtype", [torch.complex64, torch.int8, torch.bool])
def test_weights_of_odd_dtypes_are_refused_at_load(tmp_path, dtype):
    from safetensors.torch import save_file

    from colorstudio.core.io.checkpoint import CheckpointError, save_weights
    from colorstudio.models import create

    m = create("unet-gan", weights=False, base=8, depth=2)
    f = tmp_path / "w.safetensors"
    save_weights(f, m.state_dict(), {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    from safetensors import safe_open

    with safe_open(str(f), "pt") as h:
        meta = h.metadata()
        state = {k: h.get_tensor(k) for k in h.keys()}
    key = "head.weight"
    state[key] = state[key].to(dtype)
    save_file(state, str(f), metadata=meta)
    with pytest.raises(CheckpointError, match=f"tensor {key} is"):
        create("unet-gan", weights=f)


def test_resume_refuses_options_that_change_the_run_and_says_when_nothing_is_left(capsys, tmp_path, photo_dir):
    """Issue 33, class 3: a resume with a changed batch size trained nothing and said nothing."""
    run = tmp_path / "r"
    rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--out", str(run), *TINY_ARGS,
                   "--set", "max_steps=2")
    assert rc == 0, err
    for change, name in ((["--set", "batch_size=2"], "batch_size"), (["--set", "image_size=64"], "image_size"),
                         (["--set", "lr=0.1"], "lr"), (["--set", "model.base=16"], "model")):
        rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--out", str(run), "--resume", *change)
        _one_line_usage(rc, err, f"--resume: {name} was", "cannot change on resume")
    rc = main(["unet-gan", "--data", str(photo_dir), "--out", str(run), "--resume"])
    out = capsys.readouterr().out
    assert rc == 0 and "nothing left to train: the run has done 2 steps" in out, out
    rc = main(["unet-gan", "--data", str(photo_dir), "--out", str(run), "--resume", "--set", "max_steps=3"])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("step limit reached: step 3"), out


def test_a_run_folder_inside_the_data_is_refused(capsys, tmp_path, photo_dir):
    """Issue 33, class 9: the run's own sample images would become training data."""
    rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--out", str(photo_dir / "run"), *TINY_ARGS)
    _one_line_usage(rc, err, "is inside the data folder")
    assert not (photo_dir / "run").exists()


def test_resume_after_the_data_changed_says_so(capsys, tmp_path, photo_dir):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(photo_dir, data)
    run = tmp_path / "r"
    rc, err = _cli(capsys, "unet-gan", "--data", str(data), "--out", str(run), *TINY_ARGS, "--set", "max_steps=1")
    assert rc == 0, err
    victims = sorted(p for p in data.rglob("*") if p.is_file())[: 6]
    for p in victims:
        p.unlink()
    rc, err = _cli(capsys, "unet-gan", "--data", str(data), "--out", str(run), "--resume", "--set", "max_steps=2")
    _one_line_usage(rc, err, "the training data changed since the run began", trained=True)


@pytest.mark.parametrize("text,word", [("lr = " + "1" * 5000, "invalid TOML (Exceeds the limit"),
                                       ("x = " + "[" * 100_000 + "]" * 100_000, "nested too deeply")])
def test_config_files_the_parser_cannot_hold(capsys, tmp_path, photo_dir, text, word):
    """Issue 33, class 8: deep arrays (RecursionError) and 5,000-digit integers were tracebacks."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    rc, err = _cli(capsys, "unet-gan", "--data", str(photo_dir), "--out", str(tmp_path / "r"), "--config", str(cfg))
    _one_line_usage(rc, err, word)


def test_the_trainer_reads_photos_through_the_admission_check(tmp_path):
    """Issue 33, class 5: the trainer had no pixel or file limit (a 1.9 MB 25000x25000 PNG
    spent 3.9 GB before failing; an 8 GB sparse .jpg was read whole)."""
    import resource
    import struct
    import zlib

    from trainer import data as td

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 25000, 25000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b""))
    sparse = tmp_path / "sparse.jpg"
    with open(sparse, "wb") as f:
        f.write(b"\xff\xd8\xff")
        f.truncate(8 << 30)          # 8 GB, no blocks on disk
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for path, why in ((huge, "megapixels"), (sparse, "larger than any image")):
        with pytest.raises(td.DataError, match=why):
            td.read_rgb(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024   # KB: not gigabytes
