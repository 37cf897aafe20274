"""``effnet-unet`` and ``effnet-hints``: a U-Net decoder over an ImageNet-pretrained encoder.

Why: a small net trained from scratch on 2 cores cannot learn what grass, a goldfish or
a sweater is, and hedges to sepia; every strong colorizer (DeOldify, DDColor, ChromaGAN,
Zhang's interactive net) starts from a classifier's encoder.  Here it is EfficientNet-Lite
(:mod:`colorstudio.models.effnet_lite`): the gray picture goes into a stem whose RGB
filters are summed into one (hint planes, when there are any, get extra stem filters that
start at zero), the decoder climbs its features at strides 32 -> 16 -> 8 -> 4 -> 2 with
skips, and the ab comes out at half the input size (recombined with the full-resolution L
by the pipeline, as for every family).

``hint_levels``: the hint planes also enter every decoder step (strides 16, 8, 4, 2), pooled
to its size as the mean hinted ab of each cell and the share of the cell hinted.  Entering
only the stem and the last block, a hint was heard 3x3 pixels around its dot: the deep
ImageNet features drowned it (+0.5..+0.9 dB from 10 hints, round one of effnet-hints); at
stride 16 one cell is a quarter of a 64-px crop, so the decoder can carry a hint over the
object it lies on.

``bins_head``: the hybrid of the search-space poster's two ideas -- beside the regression
(L1) head, a 313-bin classification head at stride 4 trained with rebalanced
cross-entropy; the output is ``(1 - bin_mix) * regression + bin_mix * annealed mean``
(the annealed mean is what keeps colours vivid where the regression hedges).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from colorstudio.core import color
from colorstudio.models.ab_bins import BinsColorizer, Calibration, Decoded, calibrated_decode
from colorstudio.models.effnet_lite import EfficientNetLite, gray_from_l_norm
from colorstudio.models.layers import UpBlock, conv_bn_relu
from colorstudio.models.registry import register
from colorstudio.models.unet import lab_discriminator


class EffnetUNet(BinsColorizer):
    output_stride = 2

    def __init__(self, variant: int = 0, decoder: Sequence[int] = (128, 96, 64, 48), bridge: int = 256,
                 hints: bool = False, hint_skip: bool = True, hint_levels: bool = False,
                 bins_head: bool = False, bin_mix: float = 0.5, temperature: float = 0.38, grid: float = 10.0,
                 calibration: dict | None = None, class_weights: Sequence[float] | None = None):
        super().__init__()
        decoder = [int(c) for c in decoder]
        if len(decoder) != 4 or min(decoder) < 1 or bridge < 1:
            raise ValueError(f"effnet-unet needs 4 decoder widths >= 1 and bridge >= 1 (got {decoder}, {bridge})")
        if not 0.0 <= bin_mix <= 1.0:
            raise ValueError(f"bin_mix must be in [0, 1], got {bin_mix}")
        self.hint_channels = 3 if hints else 0
        self.hint_skip = bool(hint_skip and hints)
        self.hint_levels = bool(hint_levels and hints)
        self.encoder = EfficientNetLite(variant, in_channels=1 + self.hint_channels)
        c2, c4, c8, c16, c32 = self.encoder.channels
        self.bridge = conv_bn_relu(c32, bridge, k=1)
        d16, d8, d4, d2 = decoder
        h = self.hint_channels if self.hint_levels else 0   # hint planes appended at each step
        self.up16 = UpBlock(bridge, c16 + h, d16)
        self.up8 = UpBlock(d16, c8 + h, d8)
        self.up4 = UpBlock(d8, c4 + h, d4)
        self.up2 = UpBlock(d4, c2 + h, d2)
        extra = 1 + (self.hint_channels if self.hint_skip else 0)   # L (and hints) at stride 2
        self.head = nn.Sequential(conv_bn_relu(d2 + extra, d2), nn.Conv2d(d2, 2, 1))
        self.bins_head = bool(bins_head)
        self.bin_mix = float(bin_mix)
        self.calibration = Calibration.of(calibration)
        if self.bins_head:
            self._init_bins(grid, None, temperature)
            self.bin_logits = nn.Conv2d(d4, self.num_bins, 1)
            if class_weights is not None:   # the training's rebalancing, undone by calibration.prior_correction
                self.set_class_weights(class_weights)
            self.train_outputs = ("ab", "logits")

    def bin_centres(self) -> torch.Tensor | None:
        return self.bins if self.bins_head else None

    def bin_logits_for(self, x: torch.Tensor) -> torch.Tensor | None:
        """The bin head's logits (N, Q, H/4, W/4); None without a bin head."""
        return self._decode(x)[1] if self.bins_head else None

    def pretrained_part(self) -> nn.Module:
        return self.encoder

    def init_pretrained(self) -> dict[str, int]:
        return self.encoder.load_imagenet()

    def _decode(self, x: torch.Tensor):
        if x.shape[-2] % 32 or x.shape[-1] % 32:
            raise ValueError(f"{type(self).__name__} needs sides that are multiples of 32, "
                             f"got {x.shape[-2]}x{x.shape[-1]}")
        planes = x[:, 1:]
        enc_in = torch.cat([gray_from_l_norm(x[:, :1]), planes], 1) if self.hint_channels else \
            gray_from_l_norm(x[:, :1])
        f2, f4, f8, f16, f32 = self.encoder.features(enc_in)
        hp = _pooled_hints(planes, (16, 8, 4, 2)) if self.hint_levels else [None] * 4
        y4 = self.up4(self.up8(self.up16(self.bridge(f32), f16, hp[0]), f8, hp[1]), f4, hp[2])
        y2 = self.up2(y4, f2, hp[3])
        side = [F.avg_pool2d(x[:, :1], 2)]
        if self.hint_skip:
            side.append(F.avg_pool2d(planes, 2))
        ab = torch.tanh(self.head(torch.cat([y2, *side], 1)))
        logits = self.bin_logits(y4) if self.bins_head else None
        return ab, logits

    def forward(self, x: torch.Tensor):
        """ab_norm (N, 2, H/2, W/2); in training mode with a bin head, a dict of the
        regression ``ab`` and the bin ``logits`` (N, Q, H/4, W/4) for the two losses."""
        ab, logits = self._decode(x)
        if logits is None:
            return ab
        if self.training:
            return {"ab": ab, "logits": logits}
        return self.combine(ab, logits, x)

    def combine(self, ab: torch.Tensor, logits: torch.Tensor, x: torch.Tensor,
                calibration: Calibration | None = None) -> torch.Tensor:
        """The output ab_norm from the regression head's ``ab`` and the bin ``logits``:
        ``ab + bin_mix * (bin colour - ab)``, decoded and pulled as ``calibration`` says
        (default: the model's own)."""
        cal = calibration or self.calibration
        up = lambda t: F.interpolate(t, size=ab.shape[-2:], mode="bilinear", align_corners=False)  # noqa: E731
        if not cal.on:
            return ab if self.bin_mix <= 0.0 else ab + self.bin_mix * (up(self.decode(logits)) - ab)
        d = self.decoded(logits, x, cal)
        ab = color.denormalize_ab(ab)
        mixed = ab + self.bin_mix * (up(d.colour()) - ab)
        if cal.pull_all:  # the regression's own guess is pulled to neutral where unsure, too
            neutral, keep = up(d.neutral), up(d.keep)
            mixed = neutral + keep * (mixed - neutral)
        if cal.sure_gain != 1.0:  # where sure, the regression's hedging is taken back
            neutral, keep = up(d.neutral), up(d.keep)
            mixed = neutral + (1.0 + (cal.sure_gain - 1.0) * keep) * (mixed - neutral)
        return color.normalize_ab(mixed)

    def decoded(self, logits: torch.Tensor, x: torch.Tensor, calibration: Calibration | None = None) -> Decoded:
        """The calibrated decoding of the bin head (:func:`calibrated_decode`), guided by the
        input's lightness at the logits' size."""
        c = calibration or self.calibration
        guide = F.avg_pool2d(x[:, :1], x.shape[-1] // logits.shape[-1])
        return calibrated_decode(logits, guide, self.bins, c.temperature or self.temperature, c, self.class_weights)

    @torch.no_grad()
    def confidence(self, x: torch.Tensor) -> torch.Tensor | None:
        """How much of its colour the model trusts at each pixel, 0 (guessing: the colour is
        muted to neutral) .. 1 (sure), (N, 1, H/4, W/4); None without a bin head."""
        _, logits = self._decode(x)
        return None if logits is None else self.decoded(logits, x).keep


def _pooled_hints(planes: torch.Tensor, strides: Sequence[int]) -> list[torch.Tensor]:
    """The hint planes (ab_norm where hinted, mask) at each stride: the mean hinted ab of a
    cell (not diluted by the unhinted pixels around it) and the share of the cell hinted."""
    ab, mask = planes[:, :2], planes[:, 2:3]
    out = []
    for s in strides:
        m = F.avg_pool2d(mask, s)
        a = F.avg_pool2d(ab * mask, s) / m.clamp_min(1e-6)
        out.append(torch.cat([a * (m > 0), m], 1))
    return out


_DESCRIPTION = ("U-Net decoder over an ImageNet-pretrained EfficientNet-Lite encoder (fine-tuned): "
                "knows what things are, so grass, skies, skin and clothes get their colours")


# Render size 256: the long side a <=150 px photo, zoomed 1-1.6x in training, has here.
@register("effnet-unet", task="colorize", input_size=256, report="ImageNet-pretrained encoder",
          discriminator=lab_discriminator, preference=-1,
          description=_DESCRIPTION + "; L -> ab at half size, L1 (+ optional 313-bin head).")
def effnet_unet(variant: int = 0, decoder: Sequence[int] = (128, 96, 64, 48), bridge: int = 256,
                bins_head: bool = False, bin_mix: float = 0.5, temperature: float = 0.38,
                calibration: dict | None = None, class_weights: Sequence[float] | None = None) -> EffnetUNet:
    return EffnetUNet(variant=variant, decoder=decoder, bridge=bridge, bins_head=bins_head,
                      bin_mix=bin_mix, temperature=temperature, calibration=calibration,
                      class_weights=class_weights)


@register("effnet-hints", task="colorize", input_size=256, hints=True, report="interactive colorization",
          preference=0, description=_DESCRIPTION + "; steered by sparse user colour hints (ab + mask).")
def effnet_hints(variant: int = 0, decoder: Sequence[int] = (128, 96, 64, 48), bridge: int = 256,
                 hint_skip: bool = True, hint_levels: bool = True, bins_head: bool = False,
                 bin_mix: float = 0.5, temperature: float = 0.38, calibration: dict | None = None,
                 class_weights: Sequence[float] | None = None) -> EffnetUNet:
    return EffnetUNet(variant=variant, decoder=decoder, bridge=bridge, hints=True, hint_skip=hint_skip,
                      hint_levels=hint_levels, bins_head=bins_head, bin_mix=bin_mix, temperature=temperature,
                      calibration=calibration, class_weights=class_weights)
