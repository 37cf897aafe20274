"""``damage-unet``: where an old print is damaged (scratches, cracks, folds, tears, dust),
per pixel, from its gray scan (issue 31; the detection stage of Wan et al. 2020's "Bringing
Old Photos Back to Life", made small enough for a 2-core desktop).

A U-Net over the scan folded 2x2 into four channels at half size (pixel unshuffle: no
pixel is lost, so a 1-px hairline or speck is still there, at a quarter of the cost of a
full-size stem); the body at 1/4..1/16 (a crack network and a fold are long: context tells a
crack from hair or a wire), dilated convolutions at 1/8 and 1/16 for reach; the head predicts
the four pixels of every 2x2 cell (pixel shuffle) from the stem's detail and the body's
judgement.  ``l_norm (N, 1, H, W) -> logits (N, 1, H, W)``
(sigmoid: the probability that a pixel's lightness is the damage's).  Any size that is a
multiple of 16; big scans run in tiles (``core.restore``).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from colorstudio.models.layers import Network
from colorstudio.models.registry import register


def _cbr(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DamageUNet(Network):
    """Damage mask logits from the gray scan; see the module docstring."""

    train_outputs = ("mask",)
    in_channels = 1   # the gray scan; the first convolution sees it folded into 4
    multiple = 16     # sides must be multiples of this

    def __init__(self, widths: Sequence[int] = (16, 24, 32, 64)):
        super().__init__()
        w = [int(c) for c in widths]
        if len(w) != 4 or min(w) < 1:
            raise ValueError(f"damage-unet needs 4 widths >= 1, got {list(widths)}")
        w0, w1, w2, w3 = w
        self.stem = _cbr(4, w0)                                                    # 1/2
        self.down1 = nn.Sequential(_cbr(w0, w1, 2), _cbr(w1, w1))                  # 1/4
        self.down2 = nn.Sequential(_cbr(w1, w2, 2), _cbr(w2, w2, dilation=2), _cbr(w2, w2, dilation=4))  # 1/8
        self.down3 = nn.Sequential(_cbr(w2, w3, 2), _cbr(w3, w3, dilation=2))     # 1/16
        self.up2 = _cbr(w3 + w2, w2)
        self.up1 = _cbr(w2 + w1, w0)
        self.head = nn.Sequential(_cbr(w0 + w0 + 4, w0), nn.Conv2d(w0, 4, 1), nn.PixelShuffle(2))

    @staticmethod
    def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % self.multiple or x.shape[-1] % self.multiple:
            raise ValueError(f"damage-unet needs sides that are multiples of {self.multiple}, "
                             f"got {x.shape[-2]}x{x.shape[-1]}")
        folded = F.pixel_unshuffle(x[:, :1], 2)
        f0 = self.stem(folded)
        f1 = self.down1(f0)
        f2 = self.down2(f1)
        f3 = self.down3(f2)
        y = self.up2(torch.cat([self._up(f3, f2), f2], 1))
        y = self.up1(torch.cat([self._up(y, f1), f1], 1))
        return self.head(torch.cat([self._up(y, f0), f0, folded], 1))


@register("damage-unet", task="restore", input_size=512, report="restoration (Wan et al. 2020)",
          preference=0,
          description="Finds the scratches, cracks, folds, tears and dust of an old print in its gray "
                      "scan: a per-pixel damage mask for the repair.")
def damage_unet(widths: Sequence[int] = (16, 24, 32, 64)) -> DamageUNet:
    return DamageUNet(widths)
