"""The trainer's fourth task, ``inpaint``: inpaint-unet learns to fill the holes of a damage
mask from photos damaged on the fly (core.colorize.damage), against the same scan undamaged;
validation scores the damage error removed in the holes and the texture kept, beside Telea's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from colorstudio.models import create
from trainer import data as tdata
from trainer.config import ConfigError, make_config
from trainer.engine import losses, scores
from trainer.engine.loop import Trainer
from trainer.errors import TrainError
from trainer.report import cards

from helpers import tiny_config


def test_recipe_defaults_and_its_refusals():
    cfg = make_config("inpaint-unet")
    assert (cfg.task, cfg.loss, cfg.lr, cfg.batch_size, cfg.image_size) == ("inpaint", "l1", 1e-3, 12, 160)
    assert cfg.scale_range == (1.0, 3.0) and (cfg.hole_weight, cfg.edge_weight) == (6.0, 1.0)
    preset = make_config("inpaint-unet", Path(tdata.__file__).parents[1] / "presets" / "inpaint-unet-cpu.toml")
    assert (preset.image_size, preset.batch_size, preset.lr, preset.ema) == (160, 12, 1e-3, 0.99)
    with pytest.raises(ConfigError, match="multiple of 16"):
        make_config("inpaint-unet", overrides=["image_size=40"])
    with pytest.raises(ConfigError, match="loss must be one of l1"):
        make_config("inpaint-unet", overrides=["loss=bce"])
    with pytest.raises(ConfigError, match="adv_weight must be 0 for a inpaint recipe"):
        make_config("inpaint-unet", overrides=["adv_weight=1"])
    with pytest.raises(ConfigError, match="hole_weight"):
        make_config("inpaint-unet", overrides=["hole_weight=-1"])


def test_dataset_items_blank_the_holes_and_pair_the_same_scan(photo_dir):
    files = tdata.list_images(photo_dir)[:4]
    ds = tdata.InpaintDataset(files, 64, threads=1, scale_range=(1.5, 3.0))
    x, y = ds[(0, 7)]
    assert x.shape == y.shape == (2, 64, 64) and x.dtype == y.dtype == np.float32
    holes = x[1] > 0.5
    assert set(np.unique(x[1])) <= {0.0, 1.0} and holes.any()
    assert (x[0][holes] == 0).all()                                     # the damage is blanked ...
    np.testing.assert_array_equal(x[0][~holes], y[1][~holes])           # ... the damaged scan around it
    assert np.abs(y[1] - y[0])[holes].mean() > 5 * np.abs(y[1] - y[0])[~holes].mean()   # twins differ in the holes
    np.testing.assert_array_equal(ds[(0, 7)][0], x)                     # a seed is a sample
    v1, v2 = ds[(1, -1)], ds[(1, -1)]
    np.testing.assert_array_equal(v1[1], v2[1])
    val = tdata.InpaintDataset(files, 64, threads=1, augment=False, scale_range=(1.5, 3.0))
    np.testing.assert_array_equal(val[(1, 5)][0], v1[0])                  # augment off: the validation item


def test_fill_loss_weights_the_holes_and_the_steps_across_them():
    rng = np.random.default_rng(0)
    target = torch.from_numpy(rng.normal(0, 0.1, (2, 1, 32, 32)).astype(np.float32))
    holes = torch.zeros_like(target)
    holes[..., 10:14, :] = 1.0
    perfect = losses.fill_loss(target, target, holes, 6.0, 1.0)
    assert float(perfect["l1"]) == 0.0 and float(perfect["edge"]) == 0.0
    off_in = target + 0.1 * holes                                       # wrong in the holes only
    off_out = target + 0.1 * torch.roll(holes, 12, -2)                  # as wrong, as much, outside them
    t_in, t_out = losses.fill_loss(off_in, target, holes, 6.0, 1.0), losses.fill_loss(off_out, target, holes, 6.0, 1.0)
    assert float(t_in["l1"]) == pytest.approx(6 * float(t_out["l1"]))
    assert float(t_in["edge"]) > 0 and float(t_out["edge"]) == 0.0      # outside: the composite keeps the truth
    smooth = target.clone()
    smooth[..., 10:14, :] = target[..., 10:14, :].mean()                 # the right mean, the texture gone
    assert float(losses.fill_loss(smooth, target, holes, 6.0, 1.0)["edge"]) > 0
    assert "edge" not in losses.fill_loss(smooth, target, holes, 6.0, 0.0)


def test_texture_score_sees_a_smeared_fill():
    rng = np.random.default_rng(1)
    truth = rng.normal(50, 5, (40, 40)).astype(np.float32)
    where = np.zeros(truth.shape, bool)
    where[10:30, 10:30] = True
    flat = np.where(where, 50.0, truth).astype(np.float32)
    assert scores.step_sum(truth, where) == pytest.approx(scores.step_sum(truth.copy(), where))
    assert scores.step_sum(flat, where) < 0.5 * scores.step_sum(truth, where)
    assert scores.removed(1.0, 4.0) == 0.75 and scores.removed(0.0, 0.0) == 0.0


@pytest.fixture(scope="module")
def trained(photo_dir, tmp_path_factory):
    run = tmp_path_factory.mktemp("inpaint") / "run"
    cfg = tiny_config("inpaint-unet", photo_dir, "image_size=64", "batch_size=2", "max_steps=2")
    trainer = Trainer(cfg, run)
    return trainer, trainer.run(), run


def test_two_steps_write_metrics_samples_and_a_loadable_export(trained):
    trainer, result, run = trained
    assert result["step"] == 2 and result["reason"] == "step limit reached"
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    train = [d for d in lines if d["kind"] == "train"]
    assert [d["step"] for d in train] == [1, 2] and {"loss/l1", "loss/edge"} <= set(train[-1])
    val = [d for d in lines if d["kind"] == "val"][-1]
    assert {"val/removed", "val/texture", "val/removed_telea", "val/texture_telea"} <= set(val)
    assert val["val/removed_telea"] > 0.3 and val["val/texture_telea"] < 1.5   # Telea does mend
    assert (run / "samples" / "latest.png").is_file()
    model = create("inpaint-unet", weights=run / "model.safetensors")
    assert model.meta["recipe"]["task"] == "inpaint" and model.meta["steps"] == 2
    x = torch.from_numpy(trainer.val_set[0][0][None])
    with torch.no_grad():
        torch.testing.assert_close(model(x), trainer.generator().eval()(x), rtol=0, atol=2e-2)   # fp16 export


def test_a_fill_gets_no_model_card(trained):
    _, _, run = trained
    with pytest.raises(TrainError, match="bench.restoration"):
        cards.write_card(run / "model.safetensors", limit=1)
