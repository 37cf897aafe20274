"""Colorizers that predict a distribution over quantised ab bins (Zhang et al. 2016).

:class:`BinsColorizer` holds the bin centres (313 in-gamut bins of a grid of 10 by
default; ``core.color.abbins``), the annealed-mean decoding, the soft-encoded targets and the
training losses, for every family with a bin head: ``zhang-bins`` (bins only) and the
``effnet-*`` hybrids (a regression head beside a bin head).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from colorstudio.core.color import abbins
from colorstudio.core import color
from colorstudio.models.layers import Colorizer

BIN_LOSSES = ("ce-rebalanced", "ce", "mse", "smoothl1")


class BinsColorizer(Colorizer):
    """Base of colorizers with a bin head.  Call :meth:`_init_bins` in ``__init__``."""

    def _init_bins(self, grid: float = 10.0, bins: Sequence[Sequence[float]] | None = None,
                   temperature: float = 0.38) -> None:
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        centres = np.asarray(bins, np.float32) if bins is not None else abbins.ab_bins(grid)
        if centres.ndim != 2 or centres.shape[1] != 2 or len(centres) < 2:
            raise ValueError(f"bins must be a list of at least two (a, b) pairs, got shape {centres.shape}")
        self.register_buffer("bins", torch.from_numpy(np.ascontiguousarray(centres)), persistent=False)
        self.register_buffer("class_weights", None, persistent=False)  # see set_class_weights
        self.temperature = float(temperature)

    def bin_centres(self) -> torch.Tensor | None:
        return self.bins

    @property
    def num_bins(self) -> int:
        return self.bins.shape[0]

    def decode(self, logits: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """Annealed mean of softmax(logits) -> ab_norm (N, 2, h, w).

        softmax(logits / T) is exactly the annealed distribution p^(1/T) / sum p^(1/T).
        """
        t = self.temperature if temperature is None else float(temperature)
        p = torch.softmax(logits.float() / t, dim=1)
        ab = torch.einsum("nqhw,qc->nchw", p, self.bins.to(p.dtype))
        return color.normalize_ab(ab)

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
