"""``iizuka-lite``: the CSCI5210 colorization report's net (after Iizuka et al. 2016).

Low-level features (three stride-2 downsamplings), mid-level features, and a
colorization head with two nearest upsamplings: L at 224² -> ab at 112² (half size).
Every unit is 3x3 conv + ReLU + BN; the last conv has a sigmoid, mapped to ab_norm as
``2 s - 1``.  Weights start from a truncated-normal Glorot init, as in the report.
Iizuka's global-features branch (fully connected, fixed 224² input) is left out, so
the net is fully convolutional and runs at any size that is a multiple of 8.
"""

from __future__ import annotations

import torch
from torch import nn

from colorstudio.models.layers import Colorizer, conv_relu_bn, trunc_glorot_
from colorstudio.models.registry import register


class IizukaLite(Colorizer):
    output_stride = 2

    def __init__(self, base: int = 32, mid: int = 2, in_channels: int = 1):
        super().__init__()
        if base < 2 or mid < 1:
            raise ValueError("iizuka-lite needs base >= 2 and mid >= 1")
        b = base  # width of the first unit; Iizuka et al. use 64
        self.low = nn.Sequential(          # low-level features: /8
            conv_relu_bn(in_channels, b, stride=2),
            conv_relu_bn(b, 2 * b),
            conv_relu_bn(2 * b, 2 * b, stride=2),
            conv_relu_bn(2 * b, 4 * b),
            conv_relu_bn(4 * b, 4 * b, stride=2),
            conv_relu_bn(4 * b, 8 * b))
        mids = [conv_relu_bn(8 * b, 8 * b) for _ in range(mid - 1)] + [conv_relu_bn(8 * b, 4 * b)]
        self.mid = nn.Sequential(*mids)
        self.color = nn.Sequential(        # colorization head: two nearest upsamplings -> /2
            conv_relu_bn(4 * b, 2 * b),
            nn.Upsample(scale_factor=2, mode="nearest"),
            conv_relu_bn(2 * b, b), conv_relu_bn(b, b),
            nn.Upsample(scale_factor=2, mode="nearest"),
            conv_relu_bn(b, b // 2),
            nn.Conv2d(b // 2, 2, 3, 1, 1))
        trunc_glorot_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % 8 or w % 8:
            raise ValueError(f"iizuka-lite needs sides that are multiples of 8, got {h}x{w}")
        s = torch.sigmoid(self.color(self.mid(self.low(x))))
        return 2.0 * s - 1.0


@register("iizuka-lite", task="colorize", input_size=224, report="CSCI5210 colorization",
          description="Iizuka-style conv+ReLU+BN net, L 224² -> ab 112² with a sigmoid output; "
                      "trained with squared error.")
def iizuka_lite(base: int = 32, mid: int = 2) -> IizukaLite:
    return IizukaLite(base=base, mid=mid)
