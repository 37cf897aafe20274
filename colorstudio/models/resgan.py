"""``resgan``: the individual GAN report's colorizer.

Generator: an encoder-decoder (stride-2 conv downsampling, nearest-upsampling decoder)
with residual blocks in the middle -- the report added 5 -- L -> ab with a tanh.
Discriminator: DCGAN-style (strided 4x4 convs, BN, LeakyReLU 0.2, no pooling or fully
connected layers) on the Lab image ``cat(l_norm, ab_norm)``; one logit per image.
Label smoothing / noisy / flipped labels are training options (trainer).
"""

from __future__ import annotations

import torch
from torch import nn

from colorstudio.models.layers import Colorizer, conv_bn_relu
from colorstudio.models.registry import register


class ResBlock(nn.Module):
    """x + BN(conv(ReLU(BN(conv(x)))))."""

    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c),
                                  nn.ReLU(inplace=True),
                                  nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResGenerator(Colorizer):
    def __init__(self, base: int = 16, n_down: int = 3, n_blocks: int = 5, in_channels: int = 1):
        super().__init__()
        if n_down < 1 or n_blocks < 0:
            raise ValueError("resgan needs n_down >= 1 and n_blocks >= 0")
        self.n_down = n_down
        widths = [base * 2 ** i for i in range(n_down + 1)]
        layers: list[nn.Module] = [conv_bn_relu(in_channels, widths[0])]
        layers += [conv_bn_relu(widths[i], widths[i + 1], stride=2) for i in range(n_down)]
        layers += [ResBlock(widths[-1]) for _ in range(n_blocks)]
        for i in reversed(range(n_down)):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), conv_bn_relu(widths[i + 1], widths[i])]
        layers += [nn.Conv2d(widths[0], 2, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = 2 ** self.n_down
        if x.shape[-2] % m or x.shape[-1] % m:
            raise ValueError(f"resgan needs sides that are multiples of {m}, got {x.shape[-2]}x{x.shape[-1]}")
        return self.net(x)


class DCGANDiscriminator(nn.Module):
    """Strided 4x4 convs (BN from the second on) down by 2**n_layers, a 4x4 conv to one
    logit map, averaged to (N, 1).  At 64² input with n_layers=4 this is DCGAN exactly;
    larger inputs average the logits of overlapping 64²-ish windows."""

    def __init__(self, in_channels: int = 3, base: int = 32, n_layers: int = 4):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, base, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        c = base
        for _ in range(n_layers - 1):
            cout = min(c * 2, base * 8)
            layers += [nn.Conv2d(c, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, True)]
            c = cout
        layers.append(nn.Conv2d(c, 1, 4, 1, 0))
        self.net = nn.Sequential(*layers)
        self.min_size = 4 * 2 ** n_layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if min(x.shape[-2:]) < self.min_size:
            raise ValueError(f"the DCGAN discriminator needs images of at least {self.min_size}², "
                             f"got {x.shape[-2]}x{x.shape[-1]}")
        return self.net(x).mean((2, 3))


def dcgan_discriminator(in_channels: int = 3, base: int = 32, n_layers: int = 4) -> DCGANDiscriminator:
    return DCGANDiscriminator(in_channels=in_channels, base=base, n_layers=n_layers)


@register("resgan", task="colorize", input_size=256, report="individual GAN report",
          discriminator=dcgan_discriminator,
          description="Encoder-decoder generator with residual blocks (5 in the report), "
                      "DCGAN discriminator on Lab; soft/noisy/flipped labels.")
def resgan(base: int = 16, n_down: int = 3, n_blocks: int = 5) -> ResGenerator:
    return ResGenerator(base=base, n_down=n_down, n_blocks=n_blocks)
