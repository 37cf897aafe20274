"""``zhang-bins``: colorization as classification over quantised ab (search-space poster).

A Conv-ReLU-BN network after Zhang et al. 2016 ("Colorful Image Colorization"): blocks
of 3x3 conv + ReLU closed by a BN, three stride-2 blocks, two dilated blocks, one
nearest upsampling, then a 1x1 conv to logits over Q ab bins (the 313 in-gamut bins of
a grid of 10 by default; see ``core.color.abbins``) at a quarter of the input size.

``forward`` returns the logits, for the training losses (class-rebalanced
cross-entropy on soft-encoded targets, or MSE / SmoothL1 on the decoded ab);
``predict_ab`` decodes them with the annealed mean (temperature 0.38 by default).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from colorstudio.models.ab_bins import BIN_LOSSES, BinsColorizer
from colorstudio.models.registry import register

__all__ = ["BIN_LOSSES", "ZhangBins", "zhang_bins"]


def _block(cin: int, cout: int, n: int, stride: int = 1, dilation: int = 1, bn: bool = True) -> nn.Sequential:
    """n x (3x3 conv + ReLU), the last conv strided, then BN (Zhang's block layout)."""
    layers: list[nn.Module] = []
    for i in range(n):
        s = stride if i == n - 1 else 1
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, s, dilation, dilation=dilation),
                   nn.ReLU(inplace=True)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    return nn.Sequential(*layers)


class ZhangBins(BinsColorizer):
    output_stride = 4
    train_outputs = ("logits",)

    def __init__(self, base: int = 16, convs: int = 2, grid: float = 10.0,
                 bins: Sequence[Sequence[float]] | None = None, temperature: float = 0.38,
                 in_channels: int = 1):
        super().__init__()
        if convs < 1:
            raise ValueError("zhang-bins needs convs >= 1")
        self._init_bins(grid, bins, temperature)
        b, n = base, convs
        self.body = nn.Sequential(
            _block(in_channels, b, n, stride=2),        # /2
            _block(b, 2 * b, n, stride=2),              # /4
            _block(2 * b, 4 * b, n, stride=2),          # /8
            _block(4 * b, 8 * b, n),
            _block(8 * b, 8 * b, n, dilation=2),
            _block(8 * b, 8 * b, n, dilation=2),
            _block(8 * b, 8 * b, n),
            nn.Upsample(scale_factor=2, mode="nearest"),  # /4
            _block(8 * b, 4 * b, n, bn=False))
        self.head = nn.Conv2d(4 * b, self.num_bins, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits over the ab bins, (N, Q, H/4, W/4)."""
        if x.shape[-2] % 8 or x.shape[-1] % 8:
            raise ValueError(f"zhang-bins needs sides that are multiples of 8, got {x.shape[-2]}x{x.shape[-1]}")
        return self.head(self.body(x))

    def predict_ab(self, x: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        return self.decode(self(x), temperature)


@register("zhang-bins", task="colorize", input_size=256, report="search-space-odyssey poster",
          description="Conv-ReLU-BN net predicting a distribution over 313 quantised ab bins; "
                      "annealed-mean decoding (T=0.38). Losses: MSE / SmoothL1 / rebalanced CE.")
def zhang_bins(base: int = 16, convs: int = 2, grid: float = 10.0,
               bins: Sequence[Sequence[float]] | None = None, temperature: float = 0.38) -> ZhangBins:
    return ZhangBins(base=base, convs=convs, grid=grid, bins=bins, temperature=temperature)
