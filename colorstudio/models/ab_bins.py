"""Colorizers that predict a distribution over quantised ab bins (Zhang et al. 2016).

:class:`BinsColorizer` holds the bin centres (313 in-gamut bins of a grid of 10 by
default; ``core.color.abbins``), the annealed-mean decoding, the soft-encoded targets and the
training losses, for every family with a bin head: ``zhang-bins`` (bins only) and the
``effnet-*`` hybrids (a regression head beside a bin head).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from colorstudio.core.color import abbins
from colorstudio.core import color
from colorstudio.models.layers import Colorizer

BIN_LOSSES = ("ce-rebalanced", "ce", "mse", "smoothl1")


def _box_sum(x: torch.Tensor, r: int, dim: int) -> torch.Tensor:
    """Sum over the 2r+1 neighbours along ``dim`` (zeros outside), by a running sum."""
    n = x.shape[dim]
    pad = [0, 0] * (x.dim() - 1 - dim % x.dim()) + [r + 1, r]
    c = torch.cumsum(F.pad(x, pad), dim)
    return c.narrow(dim, 2 * r + 1, n) - c.narrow(dim, 0, n)


def box_mean(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over the (2r+1)^2 window of every pixel of (N, C, h, w) (at the edges, over the
    part inside), by running sums: the cost does not grow with r."""
    if r <= 0:
        return x
    ones = torch.ones_like(x[:1, :1])
    count = _box_sum(_box_sum(ones, r, -1), r, -2)
    return _box_sum(_box_sum(x, r, -1), r, -2) / count


def guided_filter(p: torch.Tensor, guide: torch.Tensor, r: int, eps: float, subsample: int = 1) -> torch.Tensor:
    """He et al.'s guided filter of every channel of ``p`` (N, C, h, w) by the one-channel
    ``guide`` (N, 1, h, w): a local linear fit p ~ a * guide + b over (2r+1)^2 windows.
    Where the guide is flat (a plain wall) p is averaged over the window; across an edge of
    the guide (variance >> eps) p keeps its own side's values.  ``subsample`` > 1: the fast
    guided filter (He and Sun 2015) -- a and b fitted at 1/subsample the size (radius r /
    subsample), upsampled, applied to the full-size guide: the cost of 313 channels / s^2."""
    full = guide
    if subsample > 1 and min(p.shape[-2:]) >= 4 * subsample:
        p = F.avg_pool2d(p, subsample, ceil_mode=True)
        guide = F.avg_pool2d(guide, subsample, ceil_mode=True)
        r = max(1, r // subsample)
    mi = box_mean(guide, r)
    vi = box_mean(guide * guide, r) - mi * mi
    mp = box_mean(p, r)
    a = (box_mean(guide * p, r) - mi * mp) / (vi + eps)
    b = mp - a * mi
    a, b = box_mean(a, r), box_mean(b, r)
    if a.shape[-2:] != full.shape[-2:]:
        a = F.interpolate(a, size=full.shape[-2:], mode="bilinear", align_corners=False)
        b = F.interpolate(b, size=full.shape[-2:], mode="bilinear", align_corners=False)
    return a * full + b


def bin_probabilities(logits: torch.Tensor, class_weights: torch.Tensor | None = None,
                      prior_correction: float = 0.0) -> torch.Tensor:
    """softmax of the bin ``logits`` (N, Q, h, w) -> float32 probabilities, with the share
    ``prior_correction`` of the training's class rebalancing undone when the model has its
    ``class_weights`` (step 0 of :func:`calibrated_decode`: one place for both it and the
    suggested colours)."""
    logits = logits.float()
    if prior_correction and class_weights is not None:
        logw = torch.log(class_weights.to(logits).clamp_min(1e-8))
        logits = logits - float(prior_correction) * logw[None, :, None, None]
    return torch.softmax(logits, dim=1)


def calibrated_decode(logits: torch.Tensor, guide: torch.Tensor | None, bins: torch.Tensor,
                      temperature: float, cal: "Calibration",
                      class_weights: torch.Tensor | None = None) -> "Decoded":
    """Decode bin logits (N, Q, h, w): the annealed mean, the neutral colour, and how much
    of the annealed mean to keep (each (N, 2 or 1, h, w), ab in Lab units); the colour is
    ``neutral + keep * (ab - neutral)`` (:meth:`Decoded.colour`).  The settings named below
    are ``cal``'s (:class:`Calibration`, the one place of their defaults).

    0. Honest probabilities: a head trained with rebalanced cross-entropy (class weights w,
       rare saturated colours counted up to ~30x) learns p(q) ~ P(q | x) * w_q, a bias toward
       rare colours that is the "confident wrong colour" of a bold bin head.  With
       ``class_weights`` given, the logits become ``logits - prior_correction * log w``
       (post-hoc logit adjustment, Menon et al. 2021): 1 undoes the rebalancing wholly.
    1. Coherence: the probabilities (not the colours) are averaged over regions of similar
       lightness by a guided filter (``guide``: the lightness at the logits' size, ``radius``
       cells, ``eps`` in the guide's units squared), so a region that is one thing votes for
       one colour instead of each pixel drawing its own blotch.
    2. The annealed mean (``temperature``) of the averaged distribution.
    3. Sureness: the share of the probability within ``sure_sigma`` ab units (a Gaussian
       weight) of that mean.  A one-peaked distribution puts its mass there; a two-peaked
       one (red or blue?) puts its mean between the peaks, where little mass lies.
    4. Where unsure, the colour is pulled to the distribution's own most likely low-chroma
       colour (its mean over the bins weighted by a Gaussian of chroma ``neutral_chroma``)
       instead of a confident mix of modes: the weight of the annealed mean ramps from 0 at
       sureness ``sure_lo`` to 1 at ``sure_hi``.
    5. Is there colour at all?  With ``class_weights`` and ``gate_chroma`` > 0, the honest
       distribution (the rebalancing undone) gives the probability that the pixel's chroma
       is at least ``gate_chroma``; the colour is kept from ``gate_hi`` of it, muted below
       ``gate_lo``.  The rebalanced distribution says *which* colour (bold, right more often
       on colourful things); the honest one says *whether* (snow and plain walls are gray).
    """
    radius, sure_sigma, sure_lo, sure_hi = cal.radius, cal.sure_sigma, cal.sure_lo, cal.sure_hi
    p = bin_probabilities(logits, class_weights, cal.prior_correction)
    if radius > 0 and guide is not None:
        p = guided_filter(p, guide.float(), int(radius), float(cal.eps), cal.subsample).clamp_min(0.0)
        p = p / p.sum(1, keepdim=True).clamp_min(1e-8)
    bins = bins.to(p.dtype)
    logp = torch.log(p.clamp_min(1e-12)) / float(temperature)
    q = torch.softmax(logp, dim=1)
    ab = torch.einsum("nqhw,qc->nchw", q, bins)
    d2 = ((ab.unsqueeze(2) - bins.t()[None, :, :, None, None]) ** 2).sum(1)     # N Q h w
    sure = (p * torch.exp(-d2 / (2.0 * sure_sigma ** 2))).sum(1, keepdim=True)
    w_low = torch.exp(-(bins * bins).sum(1) / (2.0 * cal.neutral_chroma ** 2))      # Q
    pl = p * w_low[None, :, None, None]
    low = torch.einsum("nqhw,qc->nchw", pl, bins) / pl.sum(1, keepdim=True).clamp_min(1e-8)
    keep = ((sure - sure_lo) / max(1e-6, sure_hi - sure_lo)).clamp(0.0, 1.0)
    if cal.gate_chroma > 0 and class_weights is not None:
        honest = p / class_weights.to(p).clamp_min(1e-8)[None, :, None, None]
        honest = honest / honest.sum(1, keepdim=True).clamp_min(1e-12)
        vivid = (bins.norm(dim=1) >= float(cal.gate_chroma)).to(p.dtype)                  # Q
        p_col = torch.einsum("nqhw,q->nhw", honest, vivid).unsqueeze(1)
        keep = keep * ((p_col - cal.gate_lo) / max(1e-6, cal.gate_hi - cal.gate_lo)).clamp(0.0, 1.0)
    return Decoded(ab, low, keep, sure)


@dataclass(frozen=True)
class Calibration:
    """How the bin head's distribution becomes a colour (:func:`calibrated_decode`):
    ``on`` False is the plain annealed mean of every pixel (the decoding before issue 30).
    Tuned on held-out photos by ``python -m bench.calibration``."""

    on: bool = True
    radius: int = 8              # coherence window, in cells of the bin head (stride 4)
    eps: float = 1e-3            # lightness variance (l_norm units^2) that counts as an edge
    sure_sigma: float = 15.0     # ab units around the annealed mean that count as "that colour"
    sure_lo: float = 0.1         # sureness at and below which the colour is the neutral one
    sure_hi: float = 0.35        # sureness from which the annealed mean is kept whole
    neutral_chroma: float = 4.0  # the neutral colour: the bins' mean weighted by a Gaussian of chroma
    pull_all: bool = False       # pull the regression head's colour to neutral where unsure too
    sure_gain: float = 1.0       # chroma (away from neutral) x this where fully sure
    temperature: float = 0.0     # of the annealed mean; 0: the model's own
    subsample: int = 2           # the coherence filter fitted at 1/subsample the size (fast guided filter)
    prior_correction: float = 0.0  # share of the training's class rebalancing undone (needs the model's class weights)
    gate_chroma: float = 0.0     # > 0: colour only where the honest P(chroma >= this) is high (needs class weights)
    gate_lo: float = 0.3         # honest P(colourful) at and below which the colour is muted ...
    gate_hi: float = 0.6         # ... and from which it is kept

    @classmethod
    def of(cls, value: "dict | Calibration | None") -> "Calibration":
        if value is None:
            return cls()
        if isinstance(value, Calibration):
            return value
        unknown = set(value) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown calibration option(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(cls.__dataclass_fields__)}")
        c = cls(**value)
        if not (0 <= c.radius <= 64 and 1 <= c.subsample <= 8 and 0.0 < c.sure_gain <= 3.0
                and 0.0 <= c.temperature <= 5.0 and 0.0 <= c.prior_correction <= 2.0
                and c.eps > 0 and c.sure_sigma > 0 and c.neutral_chroma > 0
                and 0.0 <= c.sure_lo < c.sure_hi <= 1.0
                and c.gate_chroma >= 0 and 0.0 <= c.gate_lo < c.gate_hi <= 1.0):
            raise ValueError(f"calibration out of range: {asdict(c)}")
        return c


class Decoded(NamedTuple):
    ab: torch.Tensor        # annealed mean (N, 2, h, w), Lab units
    neutral: torch.Tensor   # the most likely low-chroma colour (N, 2, h, w)
    keep: torch.Tensor      # 0 (unsure: neutral) .. 1 (sure: the annealed mean), (N, 1, h, w)
    sure: torch.Tensor      # probability mass near the annealed mean, 0..1 (N, 1, h, w)

    def colour(self) -> torch.Tensor:
        return self.neutral + self.keep * (self.ab - self.neutral)


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

    def bin_logits_for(self, x: torch.Tensor) -> torch.Tensor | None:
        """The bin head's logits (N, Q, h, w) for the network input ``x``: what ``forward``
        returns for a bins-only family; hybrids override it."""
        return self(x)

    @torch.no_grad()
    def colour_distribution(self, x: torch.Tensor) -> torch.Tensor | None:
        """The bin probabilities (N, Q, h, w) for ``x``, made honest as the model's own
        calibration says (its ``prior_correction``, when it has class weights)."""
        logits = self.bin_logits_for(x)
        if logits is None:
            return None
        cal = getattr(self, "calibration", None)
        return bin_probabilities(logits, self.class_weights, cal.prior_correction if cal is not None else 0.0)

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
