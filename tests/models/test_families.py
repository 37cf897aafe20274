"""Every registered model: forward shapes, discriminators, save -> load, pipeline use."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from colorstudio.core.io import checkpoint
from colorstudio.core.colorize import pipeline
from colorstudio.core.inference.predictor import Predictor
from colorstudio.models import available, create, create_discriminator, spec

# Small variants so the save/load tests stay fast; unknown (future) families use defaults.
SMALL = {
    "iizuka-lite": {"base": 8, "mid": 1},
    "perceptual": {"base": 8},
    "pix2pix-facades": {"ngf": 8, "num_downs": 5},
    "resgan": {"base": 8, "n_down": 2, "n_blocks": 1},
    "unet-gan": {"base": 8, "depth": 2},
    "unet-hints": {"base": 8, "depth": 2},
    "zhang-bins": {"base": 8, "convs": 1},
    "effnet-unet": {"decoder": [8, 8, 8, 8], "bridge": 8},
    "effnet-hints": {"decoder": [8, 8, 8, 8], "bridge": 8},
    "damage-unet": {"widths": [4, 4, 8, 8]},
    "inpaint-unet": {"widths": [4, 4, 8, 8], "dilations": [2]},
}
NAMES = [s.name for s in available()]
GANS = [s.name for s in available() if s.has_discriminator]


def _input(model, task: str, size: int, n: int = 2, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if task == "translate":
        return torch.rand(n, 3, size, size, generator=g) * 2 - 1
    if task == "inpaint":   # l_norm and the holes (0/1)
        return torch.cat([torch.rand(n, 1, size, size, generator=g) - 0.5,
                          (torch.rand(n, 1, size, size, generator=g) < 0.1).float()], 1)
    return torch.rand(n, 1 + model.hint_channels, size, size, generator=g) - 0.5


def _run(model, task: str, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model.predict_ab(x) if task == "colorize" else model(x)   # restore: mask logits; inpaint: l_norm


def _randomize_norm_stats(model) -> None:
    """Non-trivial BN running stats, so a save/load that lost them would show."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


def test_expected_families_are_registered():
    assert {"iizuka-lite", "pix2pix-facades", "resgan", "perceptual", "zhang-bins",
            "unet-gan", "unet-hints", "effnet-unet", "effnet-hints", "damage-unet", "inpaint-unet"} <= set(NAMES)
    assert set(GANS) == {"pix2pix-facades", "resgan", "unet-gan", "effnet-unet"}


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_complete(name):
    s = spec(name)
    assert s.task in ("colorize", "translate", "restore", "inpaint")
    assert s.input_size >= 64 and s.description and s.report


@pytest.mark.parametrize("name", NAMES)
def test_forward_shape(name):
    s = spec(name)
    model = create(name, weights=False)
    if s.task == "translate":
        x = _input(model, "translate", 256)
        y = _run(model, "translate", x)
        assert y.shape == (2, 3, 256, 256)
        assert torch.isfinite(y).all() and y.abs().max() <= 1.0
    elif s.task == "restore":   # gray scan -> damage logits, the same size
        y = _run(model, "restore", _input(model, "restore", 64))
        assert y.shape == (2, 1, 64, 64) and torch.isfinite(y).all()
    elif s.task == "inpaint":   # blanked scan + holes -> the filled l_norm, the same size
        x = _input(model, "inpaint", 64)
        y = _run(model, "inpaint", x)
        assert y.shape == (2, 1, 64, 64) and torch.isfinite(y).all()
        assert torch.equal(y, x[:, :1] * (1 - x[:, 1:]))   # untrained: the input, holes blank
    else:
        size = 64
        y = _run(model, "colorize", _input(model, "colorize", size))
        k = model.output_stride
        assert y.shape == (2, 2, size // k, size // k)
        assert torch.isfinite(y).all() and y.abs().max() <= 1.0 + 1e-5


@pytest.mark.parametrize("name", NAMES)
def test_small_variant_trains_one_step(name):
    """Gradients reach every trainable parameter of the small variant (nothing is dead
    wiring; a frozen part -- the colorizer under effnet-hints' adapter -- gets none)."""
    s = spec(name)
    model = create(name, weights=False, **SMALL.get(name, {})).train()
    x = _input(model, s.task, 64 if s.task == "colorize" else 32)
    out = model(x)
    outs = out.values() if isinstance(out, dict) else [out]
    sum(o.float().square().mean() for o in outs).backward()
    dead = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not dead, f"no gradient for {dead[:5]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_save_load_identical_and_fp16_close(name, tmp_path):
    s = spec(name)
    config = SMALL.get(name, {})
    model = create(name, weights=False, **config)
    _randomize_norm_stats(model)
    x = _input(model, s.task, 64, seed=3)
    ref = _run(model, s.task, x)

    path = checkpoint.save_weights(tmp_path / f"{name}.safetensors", model.state_dict(),
                                   {"family": name, "config": model.config})
    loaded = create(name, weights=path)            # config comes from the metadata
    assert loaded.config == model.config
    assert torch.equal(_run(loaded, s.task, x), ref)

    half = checkpoint.save_weights(tmp_path / f"{name}-fp16.safetensors", model.state_dict(),
                                   {"family": name, "config": model.config}, half=True)
    y16 = _run(create(name, weights=half), s.task, x)
    assert (y16 - ref).abs().max() < 2e-2


def test_loading_another_familys_checkpoint_is_refused(tmp_path):
    m = create("perceptual", weights=False, base=8)
    path = checkpoint.save_weights(tmp_path / "p.safetensors", m.state_dict(),
                                   {"family": "perceptual", "config": m.config})
    with pytest.raises(checkpoint.CheckpointError, match="perceptual"):
        create("resgan", weights=path)


@pytest.mark.parametrize("name", NAMES)
def test_mismatched_state_dict_names_the_keys(name, tmp_path):
    model = create(name, weights=False, **SMALL.get(name, {}))
    state = dict(model.state_dict())
    first = next(iter(state))
    state["not.a.layer"] = state.pop(first)
    path = checkpoint.save_weights(tmp_path / "bad.safetensors", state,
                                   {"family": name, "config": model.config})
    with pytest.raises(checkpoint.CheckpointError) as err:
        create(name, weights=path)
    assert first in str(err.value) and "not.a.layer" in str(err.value)


@pytest.mark.parametrize("name", GANS)
def test_discriminator_judges_input_and_output(name):
    s = spec(name)
    d = create_discriminator(name)
    assert d.training  # built for training
    if s.task == "translate":
        x = torch.rand(2, 6, 256, 256) * 2 - 1        # cat(label, photo)
    else:
        x = torch.rand(2, 3, 128, 128) - 0.5          # cat(l_norm, ab_norm)
    logits = d(x)
    assert torch.isfinite(logits).all()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    loss.backward()
    assert all(p.grad is not None for p in d.parameters())
    if name == "pix2pix-facades":
        assert logits.shape == (2, 1, 4, 4)            # 16 patches of 64² per 256² image
    elif name == "resgan":
        assert logits.shape == (2, 1)                  # DCGAN: one logit per image
    else:
        assert logits.shape[:2] == (2, 1) and logits.dim() == 4


def test_pix2pix_discriminator_patches_are_independent():
    d = create_discriminator("pix2pix-facades", base=8).eval()
    x = torch.rand(1, 6, 256, 256)
    y = x.clone()
    y[:, :, 64:128, 128:192] = torch.rand(1, 6, 64, 64)  # patch (row 1, col 2) only
    with torch.no_grad():
        changed = (d(x) != d(y))[0, 0]
    assert changed[1, 2] and changed.sum() == 1


def test_discriminator_of_a_non_gan_family_is_a_clear_error():
    with pytest.raises(ValueError, match="no discriminator.*GAN families"):
        create_discriminator("zhang-bins")


@pytest.mark.slow
@pytest.mark.parametrize("name", [s.name for s in available("colorize")])
def test_colorizer_runs_in_the_pipeline(name):
    model = create(name, weights=False, **SMALL.get(name, {}))
    pred = Predictor(model, device="cpu")
    img = (np.random.default_rng(0).random((50, 70)) * 255).astype(np.uint8)
    hints = [pipeline.Hint(0.5, 0.5, 20.0, -30.0)] if model.hint_channels else []
    out = pipeline.colorize(img, pred, size=64, hints=hints)
    assert out.rgb.shape == (50, 70, 3) and out.rgb.dtype == np.uint8


def test_iizuka_truncated_glorot_init():
    m = create("iizuka-lite", weights=False, base=8, mid=1)
    conv = m.low[1][0]
    fan_in, fan_out = conv.in_channels * 9, conv.out_channels * 9
    std = (2.0 / (fan_in + fan_out)) ** 0.5 / 0.87962566103423978
    w = conv.weight.detach()
    assert w.abs().max() <= 2 * std + 1e-6
    assert abs(w.std().item() - 0.88 * std) < 0.15 * std   # truncated at 2 sd: 0.88 of std
    assert torch.count_nonzero(conv.bias) == 0


def test_iizuka_output_is_half_size_sigmoid_range():
    m = create("iizuka-lite", weights=False, base=8, mid=1)
    y = _run(m, "colorize", torch.randn(1, 1, 224, 224) * 10)
    assert y.shape == (1, 2, 112, 112) and y.abs().max() <= 1.0


def test_sizes_that_do_not_fit_are_clear_errors():
    with pytest.raises(ValueError, match="multiples of 256"):
        create("pix2pix-facades", weights=False)(torch.zeros(1, 3, 200, 200))
    with pytest.raises(ValueError, match="multiples of 8"):
        create("iizuka-lite", weights=False)(torch.zeros(1, 1, 100, 100))
    with pytest.raises(ValueError, match="multiples of 64"):
        create_discriminator("pix2pix-facades")(torch.zeros(1, 6, 100, 100))
