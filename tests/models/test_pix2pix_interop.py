"""A pix2pix ``unet_256`` generator file with the published key layout loads into
``pix2pix-facades``; a file that does not fit is a clear error.  No download: the
state dicts come from a reference U-Net written here after the published
``UnetGenerator`` / ``UnetSkipConnectionBlock`` structure."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from colorstudio.core.io.checkpoint import CheckpointError
from colorstudio.models import create
from colorstudio.models.pix2pix import Pix2PixGenerator


class RefBlock(nn.Module):
    """Published skip block: Sequential ``model`` of [down..., inner block, up...]."""

    def __init__(self, outer, inner, input_nc=None, sub=None, outermost=False, innermost=False,
                 instance=False, dropout=False):
        super().__init__()
        self.outermost = outermost
        bias = instance
        norm = (lambda c: nn.InstanceNorm2d(c)) if instance else nn.BatchNorm2d
        down = nn.Conv2d(input_nc or outer, inner, 4, 2, 1, bias=bias)
        if outermost:
            seq = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            seq = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                   nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias), norm(outer)]
        else:
            seq = [nn.LeakyReLU(0.2, True), down, norm(inner), sub, nn.ReLU(True),
                   nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=bias), norm(outer)]
            if dropout:
                seq.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class RefUnet(nn.Module):
    def __init__(self, num_downs=8, ngf=64, instance=False):
        super().__init__()
        b = RefBlock(ngf * 8, ngf * 8, innermost=True, instance=instance)
        for _ in range(num_downs - 5):
            b = RefBlock(ngf * 8, ngf * 8, sub=b, instance=instance, dropout=True)
        b = RefBlock(ngf * 4, ngf * 8, sub=b, instance=instance)
        b = RefBlock(ngf * 2, ngf * 4, sub=b, instance=instance)
        b = RefBlock(ngf, ngf * 2, sub=b, instance=instance)
        self.model = RefBlock(3, ngf, input_nc=3, sub=b, outermost=True, instance=instance)

    def forward(self, x):
        return self.model(x)


def _shapes(module) -> dict[str, tuple]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _trained_looking(ref: nn.Module) -> nn.Module:
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
        for m in ref.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
                m.num_batches_tracked.fill_(1000)
    return ref.eval()


def test_unet_256_key_layout_is_the_published_one():
    with torch.device("meta"):
        ref = RefUnet(num_downs=8, ngf=64)
        ours = Pix2PixGenerator(ngf=64, num_downs=8, kernel_size=4, norm="batch")
    ref_shapes, our_shapes = _shapes(ref), _shapes(ours)
    assert our_shapes == ref_shapes
    assert ref_shapes["model.model.0.weight"] == (64, 3, 4, 4)
    assert ref_shapes["model.model.3.weight"] == (128, 3, 4, 4)
    assert ref_shapes["model.model.1.model.1.weight"] == (128, 64, 4, 4)
    assert "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.1.weight" in ref_shapes
    assert sum(v.numel() for v in ours.parameters()) == sum(v.numel() for v in ref.parameters())


def test_published_pth_file_loads_with_its_config_read_off_the_weights(tmp_path):
    ref = _trained_looking(RefUnet(num_downs=6, ngf=8))
    path = tmp_path / "latest_net_G.pth"
    torch.save(ref.state_dict(), path)                # how pix2pix saves its generators
    model = create("pix2pix-facades", weights=path)   # no metadata: config inferred
    assert {"ngf": 8, "kernel_size": 4, "num_downs": 6, "norm": "batch",
            "in_channels": 3, "out_channels": 3}.items() <= model.config.items()
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(model(x), ref(x), atol=1e-6)


def test_dataparallel_prefix_and_pre_0_4_batchnorm_files_load(tmp_path):
    ref = _trained_looking(RefUnet(num_downs=5, ngf=8))
    state = {f"module.{k}": v for k, v in ref.state_dict().items() if not k.endswith("num_batches_tracked")}
    path = tmp_path / "old_net_G.pth"
    torch.save(state, path)
    model = create("pix2pix-facades", weights=path)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(model(x), ref(x), atol=1e-6)


def test_instance_norm_file_with_stale_running_stats_loads(tmp_path):
    ref = _trained_looking(RefUnet(num_downs=5, ngf=8, instance=True))
    state = dict(ref.state_dict())
    state["model.model.1.model.2.running_mean"] = torch.zeros(16)  # old track_running_stats files
    state["model.model.1.model.2.running_var"] = torch.ones(16)
    path = tmp_path / "inst_net_G.pth"
    torch.save(state, path)
    model = create("pix2pix-facades", weights=path)
    assert model.config["norm"] == "instance"
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(model(x), ref(x), atol=1e-5)


def test_shape_mismatch_is_a_clear_error(tmp_path):
    ref = RefUnet(num_downs=6, ngf=8)
    path = tmp_path / "net_G.pth"
    torch.save(ref.state_dict(), path)
    with pytest.raises(CheckpointError, match=r"shape mismatch: .*model\.model\.0\.weight \(8, 3, 4, 4\)"):
        create("pix2pix-facades", weights=path, ngf=16)


def test_missing_and_unexpected_keys_are_named(tmp_path):
    state = dict(RefUnet(num_downs=6, ngf=8).state_dict())
    state.pop("model.model.3.bias")
    state["model.model.9.weight"] = torch.zeros(1)
    path = tmp_path / "net_G.pth"
    torch.save(state, path)
    with pytest.raises(CheckpointError) as err:
        create("pix2pix-facades", weights=path)
    msg = str(err.value)
    assert "missing keys: model.model.3.bias" in msg and "unexpected keys: model.model.9.weight" in msg


def test_a_non_unet_file_is_refused(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(4, 3, 3, 3)}, path)
    with pytest.raises(CheckpointError, match="missing keys"):
        create("pix2pix-facades", weights=path)
