import numpy as np
import pytest

from colorstudio.core.color import palette
from colorstudio.core.io.runs import read_metrics
from colorstudio.core.io.scorefile import read_scores
from trainer import data as tdata
from trainer.report import cards, evaluate
from trainer.engine import scores
from trainer.engine.loop import train
from trainer.engine.metrics import MetricsWriter
from trainer.report.plot import plot

from helpers import tiny_config


def test_scores_reference_values():
    rng = np.random.default_rng(0)
    a = rng.random((32, 32, 3))
    assert scores.psnr(a, a) == float("inf")
    assert scores.psnr(np.zeros((4, 4)), np.full((4, 4), 0.1)) == pytest.approx(20.0)
    assert scores.ssim(a, a) == pytest.approx(1.0)
    assert scores.ssim(a, 1 - a) < 0.2
    gray = np.repeat(rng.random((16, 16, 1)), 3, 2)
    assert scores.colourfulness(gray) == pytest.approx(0.0, abs=1e-9)
    assert scores.colourfulness(a) > 30
    red = np.zeros((4, 4, 3))
    red[..., 0] = 1.0
    assert scores.colourfulness(red) == pytest.approx(0.3 * np.hypot(255, 127.5))


def test_class_mean_baseline_is_exact_on_flat_classes():
    ids = np.zeros((8, 8), np.uint8)
    ids[:, 4:] = 2
    label = palette.labels_to_rgb(ids)
    photo = np.zeros((8, 8, 3), np.uint8)
    photo[:, :4] = (10, 20, 30)
    photo[:, 4:] = (200, 100, 50)
    means = evaluate.class_mean_colours([(label, photo)])
    np.testing.assert_allclose(means[0] * 255, (10, 20, 30), atol=1e-6)
    np.testing.assert_allclose(means[2] * 255, (200, 100, 50), atol=1e-6)


def test_colorizer_evaluation_through_the_pipeline(photo_dir, tmp_path):
    train(tiny_config("unet-hints", photo_dir, "max_steps=1"), tmp_path / "run")
    pred, meta = evaluate.load_any(str(tmp_path / "run" / "model.safetensors"))
    files = tdata.list_images(photo_dir)
    res = evaluate.evaluate_colorizer(pred, files, size=32, hints=3, examples=2)
    assert res["skipped_gray"] == 3 and res["images"] == 24 and len(res["_examples"]) == 2
    base = res["baseline_ab0"]
    assert base["colourfulness"] < 1.0 < res["model"]["colourfulness_gt"]
    assert res["psnr_gain_db"] == pytest.approx(res["model"]["psnr_rgb"] - base["psnr_rgb"])
    assert set(res["model_3_hints"]) >= {"psnr_rgb", "ssim", "colourfulness"}
    md = cards.model_card("unet-hints", meta, res)
    assert "Evaluation" in md and "baseline_ab0" in md


def test_evaluate_cli_writes_card_and_json(facade_dir, tmp_path):
    train(tiny_config("pix2pix-facades", facade_dir, "max_steps=1"), tmp_path / "run")
    rc = cards.evaluate_command([str(tmp_path / "run"), "--data", str(facade_dir), "--out", str(tmp_path / "ev")])
    assert rc == 0
    res = read_scores(tmp_path / "ev" / "pix2pix-facades.eval.json")
    assert res.images == 3 and {"l1", "psnr", "ssim"} <= set(res.model) and not res.skipped
    assert set(res.baselines["class_mean"]) == {"l1", "psnr", "ssim"} and res.baseline == res.baselines["class_mean"]
    assert "# pix2pix-facades" in (tmp_path / "ev" / "pix2pix-facades.eval.md").read_text()


def test_metrics_lines_parse_even_after_a_kill(tmp_path):
    w = MetricsWriter(tmp_path, tensorboard=False)
    w.event("start", "hello")
    w.train(1, 0, 1e-3, 12.5, {"total": 0.5, "l1": float("nan")})
    w.val(1, 0, {"psnr_rgb": 25.0})
    with pytest.raises(ValueError):
        w.event("nonsense")
    w.close()
    with (tmp_path / "metrics.jsonl").open("a") as f:
        f.write('{"kind": "train", "st')  # half a line from a killed writer
    lines = list(read_metrics(tmp_path / "metrics.jsonl"))
    assert [d["kind"] for d in lines] == ["event", "train", "val"]
    assert lines[1]["loss/l1"] is None and lines[1]["loss/total"] == 0.5 and lines[2]["val/psnr_rgb"] == 25.0
    png = plot(tmp_path / "metrics.jsonl", tmp_path / "c.png", "t")
    assert png.stat().st_size > 1000
