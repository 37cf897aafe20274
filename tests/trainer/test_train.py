import json

import numpy as np
import pytest
import torch

from colorstudio.models import create
from trainer.engine.export import export_run
from trainer.engine.loop import Trainer, TrainError, train
from colorstudio.core.io.runs import read_metrics

from helpers import TINY, tiny_config


def _data(recipe, photo_dir, facade_dir):
    return facade_dir if recipe == "pix2pix-facades" else photo_dir


def _check_metrics(run):
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    kinds = {d["kind"] for d in lines}
    assert kinds == {"train", "val", "event"}
    for d in lines:
        if d["kind"] == "train":
            assert {"step", "epoch", "time", "wall", "lr", "images_per_s"} <= set(d)
            assert "loss/total" in d and all(isinstance(d[k], float) for k in d if k.startswith("loss/"))
        elif d["kind"] == "val":
            assert {"step", "epoch", "time"} <= set(d) and any(k.startswith("val/") for k in d)
        else:
            assert d["event"] in ("start", "checkpoint", "stage", "end", "error") and isinstance(d["message"], str)
    assert lines[0]["event"] == "start" and lines[-1]["event"] == "end"
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("recipe", sorted(TINY))
def test_two_steps_then_export_loads_identically(recipe, photo_dir, facade_dir, tmp_path):
    run = tmp_path / "run"
    cfg = tiny_config(recipe, _data(recipe, photo_dir, facade_dir), "max_steps=2")
    trainer = Trainer(cfg, run)
    result = trainer.run()
    assert result["step"] == 2 and result["reason"] == "step limit reached"
    lines = _check_metrics(run)
    assert [d["step"] for d in lines if d["kind"] == "train"] == [1, 2]
    assert json.loads((run / "config.json").read_text())["recipe"] == recipe
    assert (run / "samples" / "latest.png").is_file() and (run / "model.safetensors").is_file()
    st = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    assert st["step"] == 2 and "opt_G" in st and "rng" in st
    # save -> load -> identical outputs (fp32 export) and close (shipped fp16)
    f32 = export_run(run, tmp_path / "m32.safetensors", half=False)
    loaded = create(cfg.family, weights=f32)
    g = trainer.G.eval()
    x = torch.from_numpy(np.stack([trainer.val_set[i][0] for i in range(2)]))
    if getattr(g, "hint_channels", 0):
        x = torch.cat([x, torch.zeros(2, 3, *x.shape[-2:])], 1)
    with torch.no_grad():
        if cfg.task == "colorize":
            a, b = g.predict_ab(x), loaded.predict_ab(x)
        else:
            a, b = g(x), loaded(x)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    half = create(cfg.family, weights=run / "model.safetensors")
    assert half.meta["family"] == cfg.family and half.meta["steps"] == 2


def test_resume_continues_exactly(photo_dir, tmp_path):
    straight = tmp_path / "straight"
    train(tiny_config("unet-gan", photo_dir, "max_steps=6", "checkpoint_every=3"), straight)
    broken = tmp_path / "broken"
    train(tiny_config("unet-gan", photo_dir, "max_steps=3"), broken)
    res = train(tiny_config("unet-gan", photo_dir, "max_steps=6"), broken, resume=True)
    assert res["step"] == 6
    steps = [d["step"] for d in read_metrics(broken / "metrics.jsonl") if d["kind"] == "train"]
    assert steps == [1, 2, 3, 4, 5, 6]
    a = torch.load(straight / "checkpoints" / "last.pt", weights_only=True)
    b = torch.load(broken / "checkpoints" / "last.pt", weights_only=True)
    for k in a["G"]:
        torch.testing.assert_close(a["G"][k], b["G"][k], rtol=1e-5, atol=1e-6)


def test_existing_run_needs_resume_and_resume_needs_checkpoint(photo_dir, tmp_path):
    run = tmp_path / "r"
    train(tiny_config("unet-hints", photo_dir, "max_steps=1"), run)
    with pytest.raises(TrainError, match="--resume"):
        Trainer(tiny_config("unet-hints", photo_dir, "max_steps=1"), run)
    with pytest.raises(TrainError, match="no checkpoint"):
        Trainer(tiny_config("unet-hints", photo_dir), tmp_path / "empty", resume=True)


def test_time_budget_stops_cleanly(photo_dir, tmp_path):
    res = train(tiny_config("unet-hints", photo_dir, "epochs=1000", time_budget=0.0001), tmp_path / "b")
    assert res["reason"] == "time budget reached" and res["step"] >= 1
    assert (tmp_path / "b" / "model.safetensors").is_file()


def test_hint_model_starts_from_colorizer(photo_dir, tmp_path):
    run = tmp_path / "c"
    train(tiny_config("unet-gan", photo_dir, "max_steps=1"), run)
    t = Trainer(tiny_config("unet-hints", photo_dir, "max_steps=1", init=str(run / "model.safetensors")),
                tmp_path / "h")
    assert t.notes["init"]["padded_inputs"] == 1
    col = create("unet-gan", weights=run / "model.safetensors")
    x = torch.randn(2, 1, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(t.G.eval()(torch.cat([x, torch.zeros(2, 3, 32, 32)], 1)), col(x))
    # hint_skip adds hint inputs to the last decoder block too: still the colorizer without hints
    t = Trainer(tiny_config("unet-hints", photo_dir, "max_steps=1", "model.hint_skip=true",
                            init=str(run / "model.safetensors")), tmp_path / "h2")
    assert t.notes["init"]["padded_inputs"] == 2
    with torch.no_grad():
        g = t.G.eval()
        torch.testing.assert_close(g(torch.cat([x, torch.zeros(2, 3, 32, 32)], 1)), col(x))
        hint = torch.zeros(2, 3, 32, 32)
        hint[:, 0, 10:13, 10:13], hint[:, 2, 10:13, 10:13] = 0.5, 1.0
        assert float((g(torch.cat([x, hint], 1)) - col(x)).abs().max()) > 1e-3


def test_gray_photos_are_counted_in_the_start_event(photo_dir, tmp_path):
    train(tiny_config("unet-hints", photo_dir, "max_steps=1"), tmp_path / "g")
    start = read_metrics(tmp_path / "g" / "metrics.jsonl")[0]
    assert start["event"] == "start" and start["skipped_gray"] == 3


def test_dataloader_workers_give_the_same_batches_as_the_cache(photo_dir, tmp_path):
    a = Trainer(tiny_config("unet-hints", photo_dir), tmp_path / "a")
    b = Trainer(tiny_config("unet-hints", photo_dir, "cache=false", "num_workers=2"), tmp_path / "b")
    idx = list(a.sampler)
    for (xa, ya), (xb, yb) in zip(a._epoch_batches(idx, 1), b._epoch_batches(idx, 1)):
        # the cache keeps Lab in float16 (~0.05 Lab units), the workers decode in float32
        torch.testing.assert_close(xa, xb, rtol=0, atol=1e-3)
        torch.testing.assert_close(ya, yb, rtol=0, atol=1e-3)


def test_perceptual_recipe_uses_vgg_weights_when_given(photo_dir, tmp_path):
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models.perceptual import VGG16Features

    vgg = tmp_path / "vgg16.safetensors"
    save_weights(vgg, VGG16Features().state_dict())  # random weights, torchvision key layout
    run = tmp_path / "p"
    train(tiny_config("perceptual", photo_dir, "max_steps=1", vgg_weights=str(vgg)), run)
    last = [d for d in read_metrics(run / "metrics.jsonl") if d["kind"] == "train"][-1]
    assert "loss/perceptual" in last and "loss/mse" in last
    meta = create("perceptual", weights=run / "model.safetensors").meta
    assert "VGG16 perceptual" in meta["notes"]["loss"]
    plain = tmp_path / "q"
    train(tiny_config("perceptual", photo_dir, "max_steps=1"), plain)
    assert "no --vgg-weights" in create("perceptual", weights=plain / "model.safetensors").meta["notes"]["loss"]


@pytest.mark.slow
def test_sigterm_stops_cleanly_with_a_usable_model(photo_dir, tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    run = tmp_path / "sig"
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "trainer", "unet-hints", "--data", str(photo_dir), "--out", str(run),
           "--threads", "1", "--set", "model.base=8", "--set", "model.depth=2", "--set", "image_size=32",
           "--set", "batch_size=4", "--set", "log_every=1", "--set", "val_images=2",
           "--set", "val_every_nth=5", "--epochs", "100000"]
    p = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (run / "checkpoints" / "last.pt").is_file():
            time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err[-2000:]
    end = list(read_metrics(run / "metrics.jsonl"))[-1]
    assert end["event"] == "end" and "SIGTERM" in end["message"]
    assert (run / "model.safetensors").is_file()


def test_ema_weights_are_what_gets_exported(photo_dir, tmp_path):
    run = tmp_path / "ema"
    t = Trainer(tiny_config("unet-hints", photo_dir, "max_steps=3", "ema=0.5"), run)
    t.run()
    live = {k: v.clone() for k, v in t.G.state_dict().items()}
    avg = t.ema.state_dict()
    assert any(not torch.equal(live[k], avg[k]) for k in live if live[k].is_floating_point())
    exported = create("unet-hints", weights=export_run(run, tmp_path / "e.safetensors", half=False))
    for k, v in exported.state_dict().items():
        torch.testing.assert_close(v, avg[k], rtol=0, atol=0)
    assert "moving average" in exported.meta["notes"]["weights"]
    res = train(tiny_config("unet-hints", photo_dir, "max_steps=4", "ema=0.5"), run, resume=True)
    assert res["step"] == 4


def test_short_runs_log_first_step_epoch_ends_and_last_step(photo_dir, tmp_path):
    run = tmp_path / "short"
    t = Trainer(tiny_config("unet-hints", photo_dir, "epochs=2", "log_every=1000"), run)
    t.run()
    spe = t.steps_per_epoch
    steps = [d["step"] for d in _check_metrics(run) if d["kind"] == "train"]
    assert steps == sorted({1, spe, 2 * spe})


def test_progress_step_of_total_and_eta_reach_console_and_metrics(photo_dir, tmp_path, capsys):
    """Issue 19, item 5: step N of M, epoch, elapsed and ETA for the GUI and the console."""
    from colorstudio.core.io.runs import RunSeries

    run = tmp_path / "run"
    train(tiny_config("unet-gan", photo_dir, "max_steps=3"), run)
    recs = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    last = [r for r in recs if r["kind"] == "train"][-1]
    assert last["total_steps"] == 3 and last["eta"] == 0.0
    err = capsys.readouterr().err
    assert "step 3/3 · epoch 1 ·" in err and "ETA 0:00" in err and "img/s" in err
    series = RunSeries()
    series.add(recs)
    assert series.progress().startswith("step 3 of 3 · epoch 1 · ") and "ETA 0:00" in series.progress()


def test_a_slow_run_logs_by_time_as_well(photo_dir, tmp_path, monkeypatch):
    import trainer.engine.hooks as hooks

    monkeypatch.setattr(hooks, "LOG_SECONDS", 0.0)   # every step is "15 s later"
    run = tmp_path / "run"
    train(tiny_config("unet-gan", photo_dir, "max_steps=4", "log_every=100"), run)
    steps = [json.loads(x)["step"] for x in (run / "metrics.jsonl").read_text().splitlines()
             if json.loads(x)["kind"] == "train"]
    assert steps == [1, 2, 3, 4]


def test_folder_balance_trains_and_resumes_exactly(photo_dir, tmp_path):
    more = ("folder_balance=0", "batch_size=4")
    straight = tmp_path / "straight"
    t = Trainer(tiny_config("unet-gan", photo_dir, "max_steps=4", "checkpoint_every=2", *more), straight)
    assert type(t.sampler).__name__ == "FolderBalancedSampler"
    assert set(t.sampler.counts().values()) == {len(t.sampler) // 2}   # two folders, equal draws
    t.run()
    broken = tmp_path / "broken"
    train(tiny_config("unet-gan", photo_dir, "max_steps=2", *more), broken)
    train(tiny_config("unet-gan", photo_dir, "max_steps=4", *more), broken, resume=True)
    a = torch.load(straight / "checkpoints" / "last.pt", weights_only=True)
    b = torch.load(broken / "checkpoints" / "last.pt", weights_only=True)
    for k in a["G"]:
        torch.testing.assert_close(a["G"][k], b["G"][k], rtol=1e-5, atol=1e-6)
