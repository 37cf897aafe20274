"""DDP on CPU: two gloo processes train the same model and end with identical weights."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from colorstudio.core.io.runs import read_metrics

from helpers import tiny_config

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, data: str, run: str, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      LOCAL_RANK=str(rank), WORLD_SIZE=str(world))
    from trainer.engine.distributed import unwrap
    from trainer.engine.loop import Trainer
    import torch.distributed as dist

    t = Trainer(tiny_config("unet-gan", data, "max_steps=3", device="cpu"), run)
    t.run()
    torch.save({k: v.clone() for k, v in unwrap(t.G).state_dict().items()}, Path(out) / f"rank{rank}.pt")
    dist.destroy_process_group()


@pytest.mark.slow
def test_two_gloo_processes_end_identical(photo_dir, tmp_path, monkeypatch):
    run = tmp_path / "run"
    monkeypatch.setenv("COLORSTUDIO_DDP_TIMEOUT", "120")   # inherited by the spawned ranks
    ctx = mp.spawn(_worker, args=(2, _free_port(), str(photo_dir), str(run), str(tmp_path)), nprocs=2, join=False)
    deadline = time.monotonic() + 240
    while not ctx.join(timeout=5):   # a stalled rank fails the test, it never hangs the suite
        if time.monotonic() > deadline:
            for p in ctx.processes:
                p.kill()
            pytest.fail("the two gloo processes did not finish in 240 s")
    a = torch.load(tmp_path / "rank0.pt", weights_only=True)
    b = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)
    start = read_metrics(run / "metrics.jsonl")[0]
    assert start["world_size"] == 2
    train_lines = [d for d in read_metrics(run / "metrics.jsonl") if d["kind"] == "train"]
    assert [d["step"] for d in train_lines] == [1, 2, 3]  # only rank 0 writes


@pytest.mark.slow
def test_cli_nproc_launches_torchrun(photo_dir, tmp_path):
    run = tmp_path / "cli"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COLORSTUDIO_DDP_TIMEOUT": "120"}
    cmd = [sys.executable, "-m", "trainer", "unet-hints", "--data", str(photo_dir), "--out", str(run),
           "--nproc", "2", "--device", "cpu", "--set", "model.base=8", "--set", "model.depth=2",
           "--set", "image_size=32", "--set", "batch_size=4", "--set", "max_steps=2",
           "--set", "val_images=2", "--set", "log_every=1", "--set", "val_every_nth=5"]
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    # A rank's own last words (a C++ abort names its exception) come before torchrun's
    # summary: both ends of the log, so a failure on a loaded machine can be read.
    assert p.returncode == 0, [ln for ln in p.stderr.splitlines() if "rank" in ln.lower() or "terminate" in ln
                               or "Error" in ln][:30] + [p.stderr[-1500:]]
    start = read_metrics(run / "metrics.jsonl")[0]
    assert start["world_size"] == 2 and (run / "model.safetensors").is_file()
