"""``inpaint-unet``: the damaged pixels of an old print's gray scan filled from the intact
ones around them (issue 31, the fill stage): a learned rival of OpenCV's Telea and
Navier-Stokes fills, which smear a crack's width into a flat streak where the photo had
grain, edges or texture.

A small U-Net of gated convolutions (Yu et al. 2019, "Free-Form Image Inpainting with
Gated Convolution"): each convolution's second half of outputs gates the first through a
sigmoid, so the net learns per pixel and channel how far a feature computed across a hole
can be trusted -- the learned form of a partial convolution's mask update, at the price of
one plain convolution.  No normalisation layers: a hole's blank pixels would bend batch
statistics.  As ``damage-unet``, it reads the input folded 2x2 into channels at half size
(pixel unshuffle: a 1-px hairline is still there, at a quarter of a full-size stem's cost:
1.7x the training steps a minute on a 2-core CPU) and its head predicts the four pixels of
every 2x2 cell (pixel shuffle), so grain comes out per pixel; the body at 1/16 has dilated
convolutions for reach across a fold or a tear.  0.48 M weights, 0.4 GMAC a 160 px crop.

``cat(l_norm with the holes blanked, mask) (N, 2, H, W) -> l_norm (N, 1, H, W)``: the
whole plane is predicted (the input plus what the net adds, so it is near the input away
from the holes); the caller keeps every pixel outside the mask
(``core.restore.repair.fill(method="learned")``).  The net blanks the masked pixels itself,
so damage left under the mask never leaks into the fill.  Sides: multiples of 16.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from colorstudio.models.layers import Network
from colorstudio.models.registry import register

WIDTHS = (24, 32, 48, 56)   # channels at 1/2, 1/4, 1/8, 1/16
DILATIONS = (2, 4, 8)       # of the convolutions at 1/16


class GatedConv(nn.Module):
    """``elu(features) * sigmoid(gate)``, both halves of one convolution's outputs."""

    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, 2 * cout, k, stride, dilation * (k // 2), dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, g = self.conv(x).chunk(2, 1)
        return F.elu(f) * torch.sigmoid(g)


class InpaintUNet(Network):
    """The filled lightness from the blanked scan and its mask; see the module docstring."""

    train_outputs = ("fill",)
    in_channels = 2   # the blanked l_norm and the mask (declared: the ONNX export's probe reads it)
    multiple = 16     # sides must be multiples of this (the 2x2 fold and three stride-2 stages)

    def __init__(self, widths: Sequence[int] = WIDTHS, dilations: Sequence[int] = DILATIONS):
        super().__init__()
        w = [int(c) for c in widths]
        if len(w) != 4 or min(w) < 1:
            raise ValueError(f"inpaint-unet needs 4 widths >= 1, got {list(widths)}")
        d = [int(v) for v in dilations]
        if not 1 <= len(d) <= 4 or min(d) < 1 or max(d) > 16:
            raise ValueError(f"inpaint-unet needs 1-4 dilations of 1-16, got {list(dilations)}")
        w0, w1, w2, w3 = w
        self.stem = GatedConv(8, w0)                                                      # 1/2
        self.down1 = nn.Sequential(GatedConv(w0, w1, stride=2), GatedConv(w1, w1))       # 1/4
        self.down2 = nn.Sequential(GatedConv(w1, w2, stride=2), GatedConv(w2, w2))       # 1/8
        self.down3 = nn.Sequential(GatedConv(w2, w3, stride=2),                          # 1/16
                                   *(GatedConv(w3, w3, dilation=v) for v in d))
        self.up2 = GatedConv(w3 + w2, w2)
        self.up1 = GatedConv(w2 + w1, w1)
        self.up0 = GatedConv(w1 + w0, w0)
        self.head = nn.Conv2d(w0 + 8, 4, 3, padding=1)
        nn.init.zeros_(self.head.weight)   # starts as the input itself: it learns what to add
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % self.multiple or x.shape[-1] % self.multiple:
            raise ValueError(f"inpaint-unet needs sides that are multiples of {self.multiple}, "
                             f"got {x.shape[-2]}x{x.shape[-1]}")
        m = x[:, 1:2]
        x = torch.cat([x[:, :1] * (1.0 - m), m], 1)
        folded = F.pixel_unshuffle(x, 2)
        f0 = self.stem(folded)
        f1 = self.down1(f0)
        f2 = self.down2(f1)
        y = self.down3(f2)
        y = self.up2(torch.cat([_up(y), f2], 1))
        y = self.up1(torch.cat([_up(y), f1], 1))
        y = self.up0(torch.cat([_up(y), f0], 1))
        return x[:, :1] + F.pixel_shuffle(self.head(torch.cat([y, folded], 1)), 2)


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


@register("inpaint-unet", task="inpaint", input_size=512, report="inpainting (Yu et al. 2019, gated convolution)",
          description="Fills the damaged pixels of an old print's gray scan (a damage mask's holes) from the "
                      "intact ones around them, grain and edges continued: the learned fill of the repair.")
def inpaint_unet(widths: Sequence[int] = WIDTHS, dilations: Sequence[int] = DILATIONS) -> InpaintUNet:
    return InpaintUNet(widths, dilations)
