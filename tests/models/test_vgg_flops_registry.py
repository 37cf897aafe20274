"""VGG16 features (torchvision layout), the MAC counter, and the registry additions."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from colorstudio.core.io.checkpoint import CheckpointError, save_weights
from colorstudio.models import flops, registry
from colorstudio.models.perceptual import VGG16_LAYERS, VGG16Features, load_vgg16

# torchvision vgg16().features: conv layers at these indices (out, in)
TV_CONVS = {0: (64, 3), 2: (64, 64), 5: (128, 64), 7: (128, 128), 10: (256, 128), 12: (256, 256),
            14: (256, 256), 17: (512, 256), 19: (512, 512), 21: (512, 512), 24: (512, 512),
            26: (512, 512), 28: (512, 512)}


def _torchvision_like_state(upto: int = 8) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    state = {}
    for i, (cout, cin) in TV_CONVS.items():
        if i <= upto:
            state[f"features.{i}.weight"] = torch.randn(cout, cin, 3, 3, generator=g) * 0.05
            state[f"features.{i}.bias"] = torch.randn(cout, generator=g) * 0.05
    state["classifier.6.weight"] = torch.zeros(10, 4)  # the classifier is ignored
    return state


def test_vgg16_module_indices_are_torchvision_s():
    assert VGG16_LAYERS[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")
    assert VGG16_LAYERS[30] == "pool5" and len(VGG16_LAYERS) == 31
    with torch.device("meta"):
        full = VGG16Features(layers=("relu5_3",))
    shapes = {k: tuple(v.shape) for k, v in full.state_dict().items()}
    assert shapes == {**{f"features.{i}.weight": (o, c, 3, 3) for i, (o, c) in TV_CONVS.items()},
                      **{f"features.{i}.bias": (o,) for i, (o, c) in TV_CONVS.items()}}


def test_load_vgg16_from_a_pth_file(tmp_path):
    state = _torchvision_like_state(upto=8)
    path = tmp_path / "vgg16.pth"
    torch.save(state, path)
    vgg = load_vgg16(path, layers=("relu1_2", "relu2_2"))
    assert torch.equal(vgg.features[7].weight, state["features.7.weight"])
    assert not any(p.requires_grad for p in vgg.parameters())
    vgg.train()
    assert not vgg.training  # stays a fixed feature extractor
    rgb = torch.rand(2, 3, 32, 32, requires_grad=True)
    feats = vgg(rgb)
    assert [f.shape for f in feats] == [(2, 64, 32, 32), (2, 128, 16, 16)]
    feats[-1].sum().backward()          # gradients flow to the image, for the perceptual loss
    assert rgb.grad is not None


def test_load_vgg16_from_safetensors_with_module_prefix(tmp_path):
    state = {f"module.{k}": v for k, v in _torchvision_like_state(upto=2).items()}
    path = save_weights(tmp_path / "vgg.safetensors", state)
    vgg = load_vgg16(path, layers=("relu1_2",))
    assert len(vgg.features) == 4


def test_load_vgg16_errors_name_the_problem(tmp_path):
    path = tmp_path / "not_vgg.pth"
    torch.save({"conv.weight": torch.zeros(1)}, path)
    with pytest.raises(CheckpointError, match="no 'features"):
        load_vgg16(path)
    short = tmp_path / "short.pth"
    torch.save(_torchvision_like_state(upto=2), short)      # has only block 1
    with pytest.raises(CheckpointError, match="missing keys: features.10.bias"):
        load_vgg16(short, layers=("relu3_3",))
    bn = tmp_path / "vgg16_bn.pth"
    state = _torchvision_like_state(upto=8)
    state["features.1.weight"] = torch.ones(64)              # vgg16_bn puts BN at index 1
    torch.save(state, bn)
    with pytest.raises(CheckpointError, match="unexpected keys: features.1.weight"):
        load_vgg16(bn, layers=("relu2_2",))
    with pytest.raises(ValueError, match="unknown VGG16 layer"):
        VGG16Features(layers=("relu9_9",))


# --- MAC counter ----------------------------------------------------------------------

def test_macs_of_known_layers():
    conv = nn.Conv2d(8, 16, 3, stride=2, padding=1)
    c = flops.count_macs(conv, (1, 8, 32, 32))
    assert c.macs == 16 * 16 * 16 * 8 * 9 and c.params == 16 * 8 * 9 + 16
    assert c.gflops == pytest.approx(2 * c.macs / 1e9)
    grouped = flops.count_macs(nn.Conv2d(8, 8, 3, padding=1, groups=8), (2, 8, 10, 10))
    assert grouped.macs == 2 * 8 * 100 * 9
    tconv = flops.count_macs(nn.ConvTranspose2d(8, 4, 4, 2, 1), (1, 8, 5, 5))
    assert tconv.macs == 8 * 25 * 4 * 16
    seq = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 2))
    assert flops.count_macs(seq, (3, 3, 2, 2)).macs == 3 * (12 * 5 + 5 * 2)


def test_model_cost_covers_every_family_and_restores_training_mode():
    rows = {name: cost for name, _, cost in flops.cost_table()}
    assert set(rows) == {s.name for s in registry.available()}
    assert all(c.macs > 0 and c.params > 0 for c in rows.values())
    m = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8)).train()
    flops.count_macs(m, (1, 1, 8, 8))
    assert m.training


# --- registry additions -------------------------------------------------------------

def test_modelspec_positional_construction_still_works():
    s = registry.ModelSpec("x", "colorize", 64, "d", lambda: None, "r", False, False)
    assert s.discriminator is None and not s.has_discriminator


def test_infer_config_is_used_only_without_stored_config(tmp_path):
    from colorstudio.models import create

    m = create("pix2pix-facades", weights=False, ngf=8, num_downs=5, kernel_size=4)
    path = save_weights(tmp_path / "g.safetensors", m.state_dict(),
                        {"family": "pix2pix-facades", "config": m.config})
    assert create("pix2pix-facades", weights=path).config == m.config
    bare = save_weights(tmp_path / "bare.safetensors", m.state_dict())
    inferred = create("pix2pix-facades", weights=bare).config
    assert inferred["ngf"] == 8 and inferred["num_downs"] == 5 and inferred["kernel_size"] == 4


def test_a_model_config_holds_every_option_so_new_defaults_leave_old_files_alone(tmp_path, monkeypatch):
    import json

    from colorstudio.models import create

    m = create("unet-gan", weights=False, base=8)
    assert m.config == {"base": 8, "depth": 4} and json.dumps(m.config)
    path = save_weights(tmp_path / "g.safetensors", m.state_dict(), {"family": "unet-gan", "config": m.config})
    spec = registry.spec("unet-gan")
    original = spec.factory

    def newer(base: int = 16, depth: int = 3):   # a later release changes a default
        return original(base=base, depth=depth)

    import dataclasses

    monkeypatch.setitem(registry._REGISTRY, "unet-gan", dataclasses.replace(spec, factory=newer))
    assert create("unet-gan", weights=path).config["depth"] == 4
