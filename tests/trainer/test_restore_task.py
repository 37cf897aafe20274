"""The trainer's third task, ``restore``: damage-unet learns where a print is damaged from
photos damaged on the fly (core.colorize.damage); validation and the model card score the
flagged pixels (precision, recall, F1, share flagged on clean photos)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from colorstudio.core.io.scorefile import read_scores, scores_path
from colorstudio.models import create
from trainer import data as tdata
from trainer.config import ConfigError, make_config
from trainer.engine import losses, scores
from trainer.engine.loop import Trainer
from trainer.report import cards, evaluate

from helpers import tiny_config


def test_recipe_defaults_and_its_refusals():
    cfg = make_config("damage-unet")
    assert (cfg.task, cfg.loss, cfg.lr, cfg.batch_size, cfg.image_size) == ("restore", "bce-dice", 1e-3, 8, 256)
    assert cfg.scale_range == (1.5, 3.0) and not cfg.rotate and not cfg.pretrained
    with pytest.raises(ConfigError, match="multiple of 16"):
        make_config("damage-unet", overrides=["image_size=40"])
    with pytest.raises(ConfigError, match="loss must be one of bce-dice, bce"):
        make_config("damage-unet", overrides=["loss=l1"])
    with pytest.raises(ConfigError, match="adv_weight"):
        make_config("damage-unet", overrides=["adv_weight=1"])


def test_dataset_items_shapes_and_deterministic_validation(photo_dir):
    files = tdata.list_images(photo_dir)[:4] + [photo_dir / "alpha" / "gray0.png"]
    (photo_dir / "broken.png").write_bytes(b"not an image")
    try:
        ds = tdata.DamageDataset([*files, photo_dir / "broken.png"], 64, threads=1, scale_range=(1.5, 3.0))
    finally:
        (photo_dir / "broken.png").unlink()
    assert len(ds) == 5 and (ds.report.used, ds.report.skipped_gray, ds.report.unreadable) == (5, 0, 1)
    x, y = ds[(0, 7)]
    assert x.shape == y.shape == (1, 64, 64) and x.dtype == y.dtype == np.float32
    assert set(np.unique(y)) <= {0.0, 1.0}
    np.testing.assert_array_equal(ds[(0, 7)][0], x)                    # a seed is a sample
    v1, v2 = ds[(1, -1)], ds[(1, -1)]
    np.testing.assert_array_equal(v1[0], v2[0])
    np.testing.assert_array_equal(v1[1], v2[1])
    val = tdata.DamageDataset(files, 64, threads=1, augment=False, scale_range=(1.5, 3.0))
    np.testing.assert_array_equal(val[(1, 5)][0], v1[0])                 # augment off: the validation item
    uncached = tdata.DamageDataset(files, 64, cache=False, threads=1, scale_range=(1.5, 3.0))
    np.testing.assert_array_equal(uncached[(2, 3)][1], ds[(2, 3)][1])


def test_mask_loss_prefers_the_truth():
    rng = np.random.default_rng(0)
    target = torch.from_numpy((rng.random((2, 1, 32, 32)) < 0.05).astype(np.float32))
    perfect = (target * 2 - 1) * 8.0
    random = torch.from_numpy(rng.normal(0, 2, (2, 1, 32, 32)).astype(np.float32))
    for name in ("bce", "bce-dice"):
        good = float(losses.mask_loss(perfect, target, name, 3.0))
        bad = float(losses.mask_loss(random, target, name, 3.0))
        assert 0.0 <= good < 0.05 < bad
    clean = torch.zeros(1, 1, 16, 16)
    assert float(losses.dice_loss(torch.zeros_like(clean), clean)) == 0.0   # nothing to find, nothing flagged
    assert float(losses.dice_loss(torch.ones_like(clean), clean)) > 0.9
    with pytest.raises(ValueError, match="unknown mask loss"):
        losses.mask_loss(perfect, target, "l1", 3.0)


def test_detection_scores_pool_counts():
    t = np.zeros((4, 4), bool)
    t[0, :2] = True
    p = np.zeros((4, 4), bool)
    p[0, 1:3] = True
    c = scores.mask_counts(p, t)
    assert list(c) == [1, 1, 1, 16]
    s = scores.detection_scores(c + scores.mask_counts(np.zeros_like(t), np.zeros_like(t)))
    assert s == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "flagged": 2 / 32})


@pytest.fixture(scope="module")
def trained(photo_dir, tmp_path_factory):
    run = tmp_path_factory.mktemp("restore") / "run"
    cfg = tiny_config("damage-unet", photo_dir, "image_size=64", "batch_size=2", "max_steps=2")
    trainer = Trainer(cfg, run)
    return trainer, trainer.run(), run


def test_two_steps_write_metrics_samples_and_a_loadable_export(trained):
    trainer, result, run = trained
    assert result["step"] == 2 and result["reason"] == "step limit reached"
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    train = [d for d in lines if d["kind"] == "train"]
    assert [d["step"] for d in train] == [1, 2] and "loss/bce_dice" in train[-1]
    val = [d for d in lines if d["kind"] == "val"][-1]
    assert {"val/precision", "val/recall", "val/f1", "val/flagged"} <= set(val)
    assert (run / "samples" / "latest.png").is_file()
    model = create("damage-unet", weights=run / "model.safetensors")
    assert model.meta["recipe"]["task"] == "restore" and model.meta["steps"] == 2
    x = torch.from_numpy(trainer.val_set[0][0][None])
    with torch.no_grad():
        torch.testing.assert_close(model(x), trainer.G.eval()(x), rtol=0, atol=2e-2)   # fp16 export


def test_damage_evaluation_and_card(trained, photo_dir, monkeypatch):
    trainer, _, run = trained
    files = tdata.split_files(tdata.list_images(photo_dir), 5)[1][:3]
    res = evaluate.evaluate_damage(trainer.G.eval(), {"alpha": files[:2], "beta": files[2:]}, size=64)
    assert res["images"] == 3 and set(res["detection"]) == {"alpha", "beta", "all"}
    row = res["detection"]["all"]
    assert {"precision", "recall", "f1", "flagged_clean"} <= set(row) and row["images"] == 3
    assert all(0.0 <= row[k] <= 1.0 for k in ("precision", "recall", "f1", "flagged_clean"))
    again = evaluate.evaluate_damage(trainer.G.eval(), {"alpha": files[:2], "beta": files[2:]}, size=64)
    assert again == res                                                  # a fixed seed per file
    assert "| alpha | 2 |" in evaluate.results_markdown(res)
    monkeypatch.setenv("COLORSTUDIO_BACKEND", "torch")
    monkeypatch.setattr(evaluate, "DAMAGE_EVAL_SIZE", 64)
    card = cards.write_card(run / "model.safetensors", limit=2)
    text = card.read_text()
    assert "| photos | 2 |" in text and "flagged on clean photos" in text and "held-out mix" in text
    assert read_scores(scores_path(card.with_suffix(".safetensors"))).detection["photos"]["images"] == 2
