"""``effnet-unet`` and ``effnet-hints``: a U-Net decoder over an ImageNet-pretrained encoder.

Why: a small net trained from scratch on 2 cores cannot learn what grass, a goldfish or
a sweater is, and hedges to sepia; every strong colorizer (DeOldify, DDColor, ChromaGAN,
Zhang's interactive net) starts from a classifier's encoder.  Here it is EfficientNet-Lite
(:mod:`colorstudio.models.effnet_lite`): the gray picture goes into a stem whose RGB
filters are summed into one, the decoder climbs its features at strides 32 -> 16 -> 8 -> 4 -> 2 with
skips, and the ab comes out at half the input size (recombined with the full-resolution L
by the pipeline, as for every family).

``hint_adapter`` (``effnet-hints``): the same network, frozen, steered by user colour hints
through a side network (:mod:`colorstudio.models.hint_adapter`) that adds corrections to the
decoder's steps; without hints its answer is the colorizer's, bit for bit.  (The first five
rounds of ``effnet-hints`` fed the hints into the stem and the decoder and fine-tuned the
whole: hints were heard, but the colour without them fell below the default's; docs/models.md.)

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
from colorstudio.models.hint_adapter import HintAdapter
from colorstudio.models.layers import UpBlock, conv_bn_relu
from colorstudio.models.registry import register
from colorstudio.models.unet import lab_discriminator


class EffnetUNet(BinsColorizer):
    output_stride = 2

    def __init__(self, variant: int = 0, decoder: Sequence[int] = (128, 96, 64, 48), bridge: int = 256,
                 hint_adapter: bool = False,
                 bins_head: bool = False, bin_mix: float = 0.5, temperature: float = 0.38, grid: float = 10.0,
                 calibration: dict | None = None, class_weights: Sequence[float] | None = None):
        super().__init__()
        decoder = [int(c) for c in decoder]
        if len(decoder) != 4 or min(decoder) < 1 or bridge < 1:
            raise ValueError(f"effnet-unet needs 4 decoder widths >= 1 and bridge >= 1 (got {decoder}, {bridge})")
        if not 0.0 <= bin_mix <= 1.0:
            raise ValueError(f"bin_mix must be in [0, 1], got {bin_mix}")
        self.hint_channels = 3 if hint_adapter else 0
        self.in_channels = 1 + self.hint_channels   # the stem takes L alone: say what the net takes
        self.encoder = EfficientNetLite(variant, in_channels=1)
        c2, c4, c8, c16, c32 = self.encoder.channels
        self.bridge = conv_bn_relu(c32, bridge, k=1)
        d16, d8, d4, d2 = decoder
        self.up16 = UpBlock(bridge, c16, d16)
        self.up8 = UpBlock(d16, c8, d8)
        self.up4 = UpBlock(d8, c4, d4)
        self.up2 = UpBlock(d4, c2, d2)
        self.head = nn.Sequential(conv_bn_relu(d2 + 1, d2), nn.Conv2d(d2, 2, 1))
        self.bins_head = bool(bins_head)
        self.bin_mix = float(bin_mix)
        self.calibration = Calibration.of(calibration)
        if self.bins_head:
            self._init_bins(grid, None, temperature)
            self.bin_logits = nn.Conv2d(d4, self.num_bins, 1)
            if class_weights is not None:   # the training's rebalancing, undone by calibration.prior_correction
                self.set_class_weights(class_weights)
            self.train_outputs = ("ab", "logits")
        self.adapter = HintAdapter((c16, c8, c4, c2), (d16, d8, d4, d2)) if hint_adapter else None
        if self.adapter is not None:   # the colorizer under the adapter never trains
            for name, p in self.named_parameters():
                p.requires_grad_(name.startswith("adapter."))

    def train(self, mode: bool = True) -> "EffnetUNet":
        """With an adapter, only the adapter trains: the colorizer's batch statistics stay
        its own (a BN layer in training mode would use the batch's and update its running
        ones)."""
        super().train(mode)
        if self.adapter is not None and mode:
            for name, m in self.named_children():
                if name != "adapter":
                    m.eval()
        return self

    def bin_centres(self) -> torch.Tensor | None:
        return self.bins if self.bins_head else None

    def bin_logits_for(self, x: torch.Tensor) -> torch.Tensor | None:
        """The bin head's logits (N, Q, H/4, W/4); None without a bin head."""
        return self._decode(x)[1] if self.bins_head else None

    def pretrained_part(self) -> nn.Module | None:
        return None if self.adapter is not None else self.encoder   # frozen with an adapter

    def init_pretrained(self) -> dict[str, int]:
        return self.encoder.load_imagenet()

    def _decode(self, x: torch.Tensor):
        if x.shape[-2] % 32 or x.shape[-1] % 32:
            raise ValueError(f"{type(self).__name__} needs sides that are multiples of 32, "
                             f"got {x.shape[-2]}x{x.shape[-1]}")
        f2, f4, f8, f16, f32 = self.encoder.features(gray_from_l_norm(x[:, :1]))
        if self.adapter is not None and x.shape[1] > 1 and (torch.jit.is_tracing() or bool((x[:, 3] > 0).any())):
            # no hint anywhere: no work (an export traces the gated path, right for any input)
            a16, a8, a4, a2 = self.adapter((f16, f8, f4, f2), x[:, 1:4])
        else:
            a16 = a8 = a4 = a2 = 0.0
        y8 = self.up8(self.up16(self.bridge(f32), f16) + a16, f8) + a8
        y4 = self.up4(y8, f4) + a4
        y2 = self.up2(y4, f2) + a2
        ab = torch.tanh(self.head(torch.cat([y2, F.avg_pool2d(x[:, :1], 2)], 1)))
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
          preference=0,
          description=_DESCRIPTION + "; the shipped colorizer, frozen, steered by colour hints through a "
                                     "hint adapter (its answer without hints is the colorizer's).")
def effnet_hints(variant: int = 0, decoder: Sequence[int] = (128, 96, 64, 48), bridge: int = 256,
                 bins_head: bool = True, bin_mix: float = 0.5, temperature: float = 0.38,
                 calibration: dict | None = None, class_weights: Sequence[float] | None = None) -> EffnetUNet:
    return EffnetUNet(variant=variant, decoder=decoder, bridge=bridge, hint_adapter=True, bins_head=bins_head,
                      bin_mix=bin_mix, temperature=temperature, calibration=calibration,
                      class_weights=class_weights)
