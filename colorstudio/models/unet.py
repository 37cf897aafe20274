"""U-Net colorizers: ``unet-gan`` (ML-for-CV project) and ``unet-hints`` (user hints).

Encoder of conv-BN-ReLU pairs with stride-2 downsampling, decoder with nearest
upsampling and skip concatenation, tanh output in normalised ab.  Width and depth are
configurable so a small variant trains on a CPU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from colorstudio.models.layers import Colorizer, conv_bn_relu
from colorstudio.models.registry import register


class _Up(nn.Module):
    def __init__(self, cin: int, cskip: int, cout: int):
        super().__init__()
        self.block = nn.Sequential(conv_bn_relu(cin + cskip, cout), conv_bn_relu(cout, cout))

    def forward(self, x, skip):
        x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
        return self.block(torch.cat([x, skip], 1))


class UNetColorizer(Colorizer):
    def __init__(self, base: int = 32, depth: int = 4, hints: bool = False, in_channels: int | None = None):
        super().__init__()
        self.hint_channels = 3 if hints else 0
        cin = in_channels or (1 + self.hint_channels)
        widths = [base * 2 ** min(i, 3) for i in range(depth + 1)]
        self.stem = nn.Sequential(conv_bn_relu(cin, widths[0]), conv_bn_relu(widths[0], widths[0]))
        self.downs = nn.ModuleList(
            nn.Sequential(conv_bn_relu(widths[i], widths[i + 1], stride=2),
                          conv_bn_relu(widths[i + 1], widths[i + 1]))
            for i in range(depth))
        self.ups = nn.ModuleList(
            _Up(widths[i + 1], widths[i], widths[i]) for i in reversed(range(depth)))
        self.head = nn.Conv2d(widths[0], 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.stem(x)]
        for d in self.downs:
            skips.append(d(skips[-1]))
        y = skips.pop()
        for up in self.ups:
            y = up(y, skips.pop())
        return torch.tanh(self.head(y))


@register("unet-gan", task="colorize", input_size=256, report="ML-for-CV project",
          description="U-Net generator L -> ab, trained with a Lab discriminator (BCEWithLogits) and L1.")
def unet_gan(base: int = 32, depth: int = 4) -> UNetColorizer:
    return UNetColorizer(base=base, depth=depth)


@register("unet-hints", task="colorize", input_size=256, hints=True, report="interactive colorization",
          description="U-Net colorizer steered by sparse user colour hints (ab + mask channels).")
def unet_hints(base: int = 32, depth: int = 4) -> UNetColorizer:
    return UNetColorizer(base=base, depth=depth, hints=True)
