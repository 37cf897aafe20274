"""U-Net colorizers: ``unet-gan`` (ML-for-CV project) and ``unet-hints`` (user hints).

Encoder of conv-BN-ReLU pairs with stride-2 downsampling, decoder with nearest
upsampling and skip concatenation, tanh output in normalised ab.  Width and depth are
configurable so a small variant trains on a CPU.
"""

from __future__ import annotations

import torch
from torch import nn

from colorstudio.models.layers import Colorizer, UpBlock, conv_bn_relu
from colorstudio.models.registry import register


class UNetColorizer(Colorizer):
    """``hint_skip``: the hint planes also enter the last decoder block at full resolution,
    so a hint reaches the output directly (it lands where it is put) while the deep path
    learns how far it spreads.  The extra inputs come last, so a colorizer's weights
    initialise this model with only new input channels to fill."""

    def __init__(self, base: int = 32, depth: int = 4, hints: bool = False, in_channels: int | None = None,
                 hint_skip: bool = False):
        super().__init__()
        if base < 1 or depth < 1:
            raise ValueError(f"a U-Net needs base >= 1 and depth >= 1 (got base={base}, depth={depth})")
        self.hint_channels = 3 if hints else 0
        self.hint_skip = bool(hint_skip and hints)
        cin = in_channels or (1 + self.hint_channels)
        widths = [base * 2 ** min(i, 3) for i in range(depth + 1)]
        self.stem = nn.Sequential(conv_bn_relu(cin, widths[0]), conv_bn_relu(widths[0], widths[0]))
        self.downs = nn.ModuleList(
            nn.Sequential(conv_bn_relu(widths[i], widths[i + 1], stride=2),
                          conv_bn_relu(widths[i + 1], widths[i + 1]))
            for i in range(depth))
        self.ups = nn.ModuleList(
            UpBlock(widths[i + 1], widths[i] + (self.hint_channels if self.hint_skip and i == 0 else 0), widths[i])
            for i in reversed(range(depth)))
        self.head = nn.Conv2d(widths[0], 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.stem(x)]
        for d in self.downs:
            skips.append(d(skips[-1]))
        y = skips.pop()
        last = len(self.ups) - 1
        for i, up in enumerate(self.ups):
            extra = x[:, 1:] if self.hint_skip and i == last else None
            y = up(y, skips.pop(), extra)
        return torch.tanh(self.head(y))


class LabDiscriminator(nn.Module):
    """Patch discriminator on the Lab image ``cat(l_norm, ab_norm)`` (N, 3, H, W).

    Strided 4x4 convs with LeakyReLU 0.2 and dropout after every block (the project's
    regulariser against an over-confident D), BN from the second block on, then a 3x3
    conv to logits (N, 1, H / 2**n_layers, W / 2**n_layers) for BCEWithLogits.
    """

    def __init__(self, in_channels: int = 3, base: int = 32, n_layers: int = 3, dropout: float = 0.3):
        super().__init__()
        if n_layers < 1 or not 0.0 <= dropout < 1.0:
            raise ValueError("the Lab discriminator needs n_layers >= 1 and 0 <= dropout < 1")
        layers: list[nn.Module] = [nn.Conv2d(in_channels, base, 4, 2, 1), nn.LeakyReLU(0.2, True),
                                   nn.Dropout2d(dropout)]
        c = base
        for _ in range(n_layers - 1):
            cout = min(c * 2, base * 8)
            layers += [nn.Conv2d(c, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout),
                       nn.LeakyReLU(0.2, True), nn.Dropout2d(dropout)]
            c = cout
        layers.append(nn.Conv2d(c, 1, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def lab_discriminator(in_channels: int = 3, base: int = 32, n_layers: int = 3,
                      dropout: float = 0.3) -> LabDiscriminator:
    return LabDiscriminator(in_channels=in_channels, base=base, n_layers=n_layers, dropout=dropout)


# Render size 192: the shipped weights' best of 160-256 on held-out photos of every kind
# (docs/quality.md); they were trained on <=150 px photos zoomed 1-1.6x, the scale a photo
# has at this size.
@register("unet-gan", task="colorize", input_size=192, report="ML-for-CV project",
          discriminator=lab_discriminator, preference=0,
          description="U-Net generator L -> ab: L1, optionally with a Lab discriminator (BCEWithLogits).")
def unet_gan(base: int = 32, depth: int = 4) -> UNetColorizer:
    return UNetColorizer(base=base, depth=depth)


@register("unet-hints", task="colorize", input_size=192, hints=True, report="interactive colorization",
          preference=1,
          description="U-Net colorizer steered by sparse user colour hints (ab + mask channels).")
def unet_hints(base: int = 32, depth: int = 4, hint_skip: bool = False) -> UNetColorizer:
    return UNetColorizer(base=base, depth=depth, hints=True, hint_skip=hint_skip)
