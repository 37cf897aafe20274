"""Small building blocks shared by the families."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn_relu(cin: int, cout: int, stride: int = 1, k: int = 3, act: str = "relu") -> nn.Sequential:
    """3x3 conv (no bias: BN follows) + BN + activation: the unit of most seed reports."""
    acts = {"relu": lambda: nn.ReLU(inplace=True), "lrelu": lambda: nn.LeakyReLU(0.2, inplace=True)}
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout),
                         acts[act]())


class UpBlock(nn.Module):
    """U-Net decoder step: nearest upsampling to the skip's size, concatenation (with
    optional extra planes), two conv-BN-ReLU units."""

    def __init__(self, cin: int, cskip: int, cout: int):
        super().__init__()
        self.block = nn.Sequential(conv_bn_relu(cin + cskip, cout), conv_bn_relu(cout, cout))

    def forward(self, x: torch.Tensor, skip: torch.Tensor, extra: torch.Tensor | None = None) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
        return self.block(torch.cat([x, skip] if extra is None else [x, skip, extra], 1))


class Network(nn.Module):
    """What the pipeline and the trainer read of every family (one contract, no probing).

    ``hint_channels`` > 0: the net takes ``cat(l_norm, hint_ab_norm, hint_mask)``.
    ``train_outputs`` names what ``forward`` returns in training mode: one name, a
    tensor (``"ab"`` ab_norm, ``"rgb"`` an image in [-1, 1], ``"logits"`` bin logits);
    several names, a dict of them.  :meth:`bin_centres`: the ab bins of a bin head,
    :meth:`colour_distribution`: its probabilities.
    :meth:`pretrained_part`: the sub-network that starts from ImageNet weights
    (:meth:`init_pretrained`), trained at its own rate.
    """

    hint_channels = 0
    in_channels: int | None = None   # the input's channels when the first convolution does not say
    output_stride = 1  # input size / output size (iizuka-lite predicts ab at half size)
    train_outputs: tuple[str, ...] = ("ab",)

    def bin_centres(self) -> torch.Tensor | None:
        """(Q, 2) ab centres of the bin head, in Lab units; None without one."""
        return None

    def colour_distribution(self, x: torch.Tensor) -> torch.Tensor | None:
        """The bin head's probability of each of :meth:`bin_centres` at each cell for the
        network input ``x``: (N, Q, h, w), summing to 1 over Q; None without a bin head
        (the suggested colours at a point are drawn from it)."""
        return None

    def pretrained_part(self) -> nn.Module | None:
        """The part initialised from pretrained weights (an ImageNet encoder), if any."""
        return None

    def init_pretrained(self) -> dict[str, int]:
        """Load the pretrained part's weights; a family without one says so."""
        raise ValueError(f"{type(self).__name__} has no pretrained part")


class Colorizer(Network):
    """Base of colorization nets: ``l_norm (N,1,H,W) -> ab_norm (N,2,h,w)``.

    ``predict_ab`` is what the pipeline calls; families whose raw output is not ab
    (class logits over ab bins) override it.
    """

    def predict_ab(self, x: torch.Tensor) -> torch.Tensor:
        return self(x)


class Translator(Network):
    """Base of image-to-image nets: RGB in [-1, 1] -> RGB in [-1, 1], same size."""

    train_outputs = ("rgb",)


def conv_relu_bn(cin: int, cout: int, stride: int = 1, dilation: int = 1, k: int = 3) -> nn.Sequential:
    """Conv + ReLU + BN (the order of the Iizuka and Zhang reports); the conv keeps its bias."""
    pad = dilation * (k // 2)
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad, dilation=dilation),
                         nn.ReLU(inplace=True), nn.BatchNorm2d(cout))


def strip_prefixes(state: dict, prefixes: tuple[str, ...] = ("module.", "_orig_mod.")) -> dict:
    """Remove wrapper prefixes (DataParallel/DDP ``module.``, torch.compile ``_orig_mod.``)."""
    out = {}
    for k, v in state.items():
        changed = True
        while changed:
            changed = False
            for p in prefixes:
                if k.startswith(p):
                    k, changed = k[len(p):], True
        out[k] = v
    return out


def trunc_glorot_(module: nn.Module) -> nn.Module:
    """Truncated-normal Glorot init of every conv/linear weight (Keras ``glorot_normal``).

    std = sqrt(2 / (fan_in + fan_out)) / 0.8796 (the truncation's variance correction),
    cut at two standard deviations; biases start at zero.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            w = m.weight
            rf = w[0, 0].numel() if w.dim() > 2 else 1
            fan_in, fan_out = w.shape[1] * rf, w.shape[0] * rf
            if isinstance(m, nn.ConvTranspose2d):
                fan_in, fan_out = fan_out, fan_in
            std = (2.0 / (fan_in + fan_out)) ** 0.5 / 0.87962566103423978
            nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module
