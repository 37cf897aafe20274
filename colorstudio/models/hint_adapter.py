"""A hint adapter: user colour hints steer a trained, frozen colorizer.

Why: the hint models trained whole (``unet-hints`` from scratch, five rounds of the old
``effnet-hints`` from the default) either never learnt what things are or lost some of the
default's colour without hints.  As ControlNet does for diffusion models, the trained network
stays exactly as it is and a small side network learns to read the hints: at each decoder
step (strides 16, 8, 4, 2) it sees the frozen encoder's features there and the hints pooled to
that size, and adds a correction to the decoder's output.  The correction's last convolution
starts at zero and the whole correction is gated off for a picture without a hint, so the
model's answer without hints *is* the colorizer's, bit for bit, from the first step of
training to the shipped file.  The encoder's features at stride 16 let a hint reach the thing
it is put on (a shirt, a wall) rather than a disc around its dot.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

STRIDES = (16, 8, 4, 2)


def pooled_hints(planes: torch.Tensor, strides: Sequence[int] = STRIDES) -> list[torch.Tensor]:
    """The hint planes (ab_norm where hinted, mask) at each stride: the mean hinted ab of a
    cell (not diluted by the unhinted pixels around it) and the share of the cell hinted."""
    ab, mask = planes[:, :2], planes[:, 2:3]
    out = []
    for s in strides:
        m = F.avg_pool2d(mask, s)
        a = F.avg_pool2d(ab * mask, s) / m.clamp_min(1e-6)
        out.append(torch.cat([a * (m > 0), m], 1))
    return out


def _unit(cin: int, cout: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class HintAdapter(nn.Module):
    """Corrections for the decoder's four steps from the encoder's features and the hints.

    ``features``: the encoder's channels at strides 16, 8, 4, 2; ``outputs``: the decoder's
    widths there; ``widths``: the adapter's own.  The deepest level gets dilated units (its
    reach: about the whole of a 256-px render), each finer level also the coarser level's
    state, upsampled."""

    def __init__(self, features: Sequence[int], outputs: Sequence[int],
                 widths: Sequence[int] = (64, 48, 32, 24)):
        super().__init__()
        if not len(features) == len(outputs) == len(widths) == len(STRIDES):
            raise ValueError(f"a hint adapter has {len(STRIDES)} levels")
        self.levels = nn.ModuleList()
        self.zero = nn.ModuleList()
        prev = 0
        for i, (f, o, w) in enumerate(zip(features, outputs, widths)):
            units = [_unit(f + 3 + prev, w)]
            units += [_unit(w, w, d) for d in ((2, 4, 1) if i == 0 else (1,))]
            self.levels.append(nn.Sequential(*units))
            out = nn.Conv2d(w, o, 1)
            nn.init.zeros_(out.weight)
            nn.init.zeros_(out.bias)
            self.zero.append(out)
            prev = w

    def forward(self, features: Sequence[torch.Tensor], planes: torch.Tensor) -> list[torch.Tensor]:
        """Four corrections (N, outputs[i], H/s, W/s); exactly zero for a picture with no hint."""
        hinted = (planes[:, 2:3].flatten(1).amax(1) > 0).to(planes.dtype).view(-1, 1, 1, 1)
        state, out = None, []
        for level, zero, feat, hints in zip(self.levels, self.zero, features, pooled_hints(planes)):
            parts = [feat, hints]
            if state is not None:
                parts.append(F.interpolate(state, size=feat.shape[-2:], mode="bilinear", align_corners=False))
            state = level(torch.cat(parts, 1))
            out.append(zero(state) * hinted)
        return out
