"""``zhang-bins``: colorization as classification over quantised ab (search-space poster).

A Conv-ReLU-BN network after Zhang et al. 2016 ("Colorful Image Colorization"): blocks
of 3x3 conv + ReLU closed by a BN, three stride-2 blocks, two dilated blocks, one
nearest upsampling, then a 1x1 conv to logits over Q ab bins (the 313 in-gamut bins of
a grid of 10 by default; see ``core.abbins``) at a quarter of the input size.

``forward`` returns the logits, for the training losses (class-rebalanced
cross-entropy on soft-encoded targets, or MSE / SmoothL1 on the decoded ab);
``predict_ab`` decodes them with the annealed mean (temperature 0.38 by default).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from colorstudio.core import abbins, color
from colorstudio.models.layers import Colorizer
from colorstudio.models.registry import register


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


BIN_LOSSES = ("ce-rebalanced", "ce", "mse", "smoothl1")


class ZhangBins(Colorizer):
    output_stride = 4

    def __init__(self, base: int = 16, convs: int = 2, grid: float = 10.0,
                 bins: Sequence[Sequence[float]] | None = None, temperature: float = 0.38,
                 in_channels: int = 1):
        super().__init__()
        if convs < 1:
            raise ValueError("zhang-bins needs convs >= 1")
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        centres = np.asarray(bins, np.float32) if bins is not None else abbins.ab_bins(grid)
        if centres.ndim != 2 or centres.shape[1] != 2 or len(centres) < 2:
            raise ValueError(f"bins must be a list of at least two (a, b) pairs, got shape {centres.shape}")
        self.register_buffer("bins", torch.from_numpy(np.ascontiguousarray(centres)), persistent=False)
        self.register_buffer("class_weights", None, persistent=False)  # see set_class_weights
        self.temperature = float(temperature)
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
        self.head = nn.Conv2d(4 * b, len(centres), 1)

    @property
    def num_bins(self) -> int:
        return self.bins.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits over the ab bins, (N, Q, H/4, W/4)."""
        if x.shape[-2] % 8 or x.shape[-1] % 8:
            raise ValueError(f"zhang-bins needs sides that are multiples of 8, got {x.shape[-2]}x{x.shape[-1]}")
        return self.head(self.body(x))

    def decode(self, logits: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """Annealed mean of softmax(logits) -> ab_norm (N, 2, h, w).

        softmax(logits / T) is exactly the annealed distribution p^(1/T) / sum p^(1/T).
        """
        t = self.temperature if temperature is None else float(temperature)
        p = torch.softmax(logits.float() / t, dim=1)
        ab = torch.einsum("nqhw,qc->nchw", p, self.bins.to(p.dtype))
        return color.normalize_ab(ab)

    def predict_ab(self, x: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        return self.decode(self(x), temperature)

    def encode_targets(self, ab_norm: torch.Tensor, sigma: float = 5.0, k: int = 5) -> torch.Tensor:
        """Soft-encoded targets (N, Q, H, W) of ab_norm (N, 2, H, W), as ``abbins.soft_encode``.

        Gaussian weights (``sigma`` in Lab units) on the ``k`` nearest bins; sums to 1.
        """
        ab = color.denormalize_ab(ab_norm.float()).permute(0, 2, 3, 1)      # N H W 2
        d2 = ((ab.unsqueeze(-2) - self.bins.to(ab.dtype)) ** 2).sum(-1)   # N H W Q
        near, idx = torch.topk(d2, min(k, self.num_bins), dim=-1, largest=False)
        w = torch.softmax(-near / (2.0 * sigma * sigma), dim=-1)
        out = torch.zeros_like(d2).scatter_(-1, idx, w)
        return out.permute(0, 3, 1, 2).contiguous()

    def set_class_weights(self, weights: torch.Tensor | np.ndarray | None) -> None:
        """Rebalancing weights (Q,) for the cross-entropy, e.g. ``abbins.rebalance_weights(
        abbins.empirical_prior(train_ab, bins, smooth_sigma=5))``; None: estimate per batch."""
        if weights is None:
            self.class_weights = None
            return
        w = torch.as_tensor(np.asarray(weights, np.float32)).to(self.bins.device)
        if w.shape != (self.num_bins,):
            raise ValueError(f"class weights must have shape ({self.num_bins},), got {tuple(w.shape)}")
        self.class_weights = w

    def bin_loss(self, logits: torch.Tensor, ab_norm: torch.Tensor, loss: str = "ce-rebalanced",
                 lam: float = 0.5) -> torch.Tensor:
        """Training loss of ``logits`` (N, Q, h, w) against full-size targets ab_norm (N, 2, H, W).

        ``mse`` / ``smoothl1``: on the expected ab (softmax mean, T = 1), in ab_norm units.
        ``ce``: cross-entropy on soft-encoded targets; ``ce-rebalanced`` weights each
        pixel by the rarity of its colour (w of its most likely bin; Zhang et al.) --
        from :meth:`set_class_weights`, else from the batch's own colour histogram.
        """
        if loss not in BIN_LOSSES:
            raise ValueError(f"unknown bin loss {loss!r}; choose one of {', '.join(BIN_LOSSES)}")
        logits = logits.float()
        y = ab_norm.float()
        if y.shape[-2:] != logits.shape[-2:]:
            y = F.interpolate(y, size=logits.shape[-2:], mode="area")
        if loss in ("mse", "smoothl1"):
            pred = self.decode(logits, temperature=1.0)
            return F.mse_loss(pred, y) if loss == "mse" else F.smooth_l1_loss(pred, y, beta=0.1)
        z = self.encode_targets(y)
        ce = -(z * torch.log_softmax(logits, 1)).sum(1)                   # N h w
        if loss == "ce":
            return ce.mean()
        w = self.class_weights
        if w is None:  # rebalance against this batch's colour distribution
            p = z.sum((0, 2, 3))
            p = p / p.sum()
            w = 1.0 / ((1.0 - lam) * p + lam / p.numel())
            w = w / (p * w).sum()
        pix_w = w.to(ce.dtype)[z.argmax(1)]                               # N h w
        return (ce * pix_w).mean()


@register("zhang-bins", task="colorize", input_size=256, report="search-space-odyssey poster",
          description="Conv-ReLU-BN net predicting a distribution over 313 quantised ab bins; "
                      "annealed-mean decoding (T=0.38). Losses: MSE / SmoothL1 / rebalanced CE.")
def zhang_bins(base: int = 16, convs: int = 2, grid: float = 10.0,
               bins: Sequence[Sequence[float]] | None = None, temperature: float = 0.38) -> ZhangBins:
    return ZhangBins(base=base, convs=convs, grid=grid, bins=bins, temperature=temperature)
