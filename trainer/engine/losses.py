"""Losses: pixel (L1 / MSE / SmoothL1 / class-rebalanced L1), damage masks (BCE, BCE + Dice),
the learned fill (L1 with the holes weighted, the steps across them), GAN labels, VGG16 perceptual
(the VGG16 feature net itself lives with its family, colorstudio.models.perceptual; the
differentiable Lab -> RGB it needs is colorstudio.core.color.color_torch).

Class rebalancing (Zhang et al. 2016): rare ab colours get larger weight,
w ~ ((1 - lam) p_smooth + lam / Q)^-1 normalised so that E_p[w] = 1.  Used on a pixel
loss it stops a regression net from settling on the gray/brown mean colour.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from colorstudio.core import color

AB_GRID = 10.0   # the rebalancing histogram's cell (ab units), over +-color.AB_SCALE
DICE_SMOOTH = 1.0       # pixels added to the Dice ratio's both sides (see dice_loss)


def pixel_loss(name: str, pred: torch.Tensor, target: torch.Tensor,
               weight: torch.Tensor | None = None) -> torch.Tensor:
    """Elementwise loss ``name`` averaged (weighted per pixel when ``weight`` is given)."""
    if name in ("l1", "l1-rebalanced"):
        e = (pred - target).abs()
    elif name in ("mse", "se"):
        e = (pred - target) ** 2
    elif name == "smoothl1":
        e = F.smooth_l1_loss(pred, target, reduction="none", beta=0.1)
    else:
        raise ValueError(f"unknown pixel loss {name!r}; one of l1, mse, se, smoothl1, l1-rebalanced")
    if weight is not None:
        e = e * weight
    return e.mean()


def dice_loss(prob: torch.Tensor, target: torch.Tensor, smooth: float = DICE_SMOOTH) -> torch.Tensor:
    """Soft Dice loss ``1 - 2|PT| / (|P| + |T|)`` of each image (N, 1, H, W), averaged.

    It scores the mask as a whole, so a thin scratch of a few hundred pixels counts as much
    as the thousands of clean pixels around it.  ``smooth`` on both sides keeps it defined
    on a clean image (no damage, ``|T| = 0``), where it still asks for an empty mask."""
    p, t = prob.flatten(1), target.flatten(1)
    inter = (p * t).sum(1)
    return (1.0 - (2.0 * inter + smooth) / (p.sum(1) + t.sum(1) + smooth)).mean()


def mask_loss(logits: torch.Tensor, target: torch.Tensor, name: str,
              pos_weight: float) -> torch.Tensor:
    """Damage-mask loss of logits (N, 1, H, W) against a 0/1 mask: ``bce`` (damaged pixels
    weighted by ``pos_weight`` -- the recipe's ``mask_pos_weight`` -- or a net that flags
    nothing is nearly right) or
    ``bce-dice`` (that + :func:`dice_loss`).  In float32 whatever autocast gives."""
    logits, target = logits.float(), target.float()
    pos = torch.tensor(float(pos_weight), device=logits.device)
    loss = F.binary_cross_entropy_with_logits(logits, target, pos_weight=pos)
    if name == "bce":
        return loss
    if name == "bce-dice":
        return loss + dice_loss(torch.sigmoid(logits), target)
    raise ValueError(f"unknown mask loss {name!r}; one of bce, bce-dice")


def fill_loss(pred: torch.Tensor, target: torch.Tensor, holes: torch.Tensor, hole_weight: float,
              edge_weight: float) -> dict[str, torch.Tensor]:
    """The learned fill's terms on l_norm planes (N, 1, H, W) and the 0/1 ``holes``, both means
    over every pixel (Liu et al. 2018's form): ``l1`` with a hole pixel weighted
    ``hole_weight`` (the rest 1: the net stays near its input there, which the repair keeps
    anyway), and ``edge``: ``edge_weight`` x the L1 of the horizontal and vertical steps of
    the composite (the fill in the holes, the truth around them) against the truth's -- zero
    away from the holes; a fill that matches a crack's mean but breaks the edges crossing it,
    or its border with the photo, pays here.  In float32 whatever autocast gives."""
    pred, target, holes = pred.float(), target.float(), holes.float()
    w = 1.0 + (float(hole_weight) - 1.0) * holes
    terms = {"l1": ((pred - target).abs() * w).mean()}
    if edge_weight > 0:
        comp = holes * pred + (1.0 - holes) * target
        d = comp - target
        edge = (d[..., :, 1:] - d[..., :, :-1]).abs().mean() + (d[..., 1:, :] - d[..., :-1, :]).abs().mean()
        terms["edge"] = float(edge_weight) * edge
    return terms


class AbRebalance(nn.Module):
    """Per-pixel weights from the rarity of the target's ab colour on a grid of 10."""

    def __init__(self, table: torch.Tensor):
        super().__init__()
        self.register_buffer("table", table.float())
        self.n = table.shape[0]

    @classmethod
    def from_samples(cls, ab: np.ndarray, lam: float = 0.5, sigma: float = 5.0) -> "AbRebalance":
        """``ab``: (N, 2) Lab units of training pixels."""
        n = int(2 * color.AB_SCALE / AB_GRID)
        idx = np.clip(((ab + color.AB_SCALE) / AB_GRID).astype(np.int64), 0, n - 1)
        hist = np.zeros((n, n), np.float64)
        np.add.at(hist, (idx[:, 0], idx[:, 1]), 1.0)
        p = hist / max(1.0, hist.sum())
        import cv2
        ps = cv2.GaussianBlur(p, (0, 0), sigma / AB_GRID)
        ps = ps / ps.sum()
        occupied = p > 0
        q = max(1, int(occupied.sum()))
        w = 1.0 / ((1 - lam) * ps + lam / q)
        w = w / (p * w).sum()           # E_p[w] = 1
        w[~occupied] = w[occupied].max() if occupied.any() else 1.0
        return cls(torch.from_numpy(w.astype(np.float32)))

    def forward(self, ab_norm: torch.Tensor) -> torch.Tensor:
        """ab_norm (N, 2, H, W) -> weights (N, 1, H, W)."""
        ab = color.denormalize_ab(ab_norm.detach().float())
        idx = ((ab + color.AB_SCALE) / AB_GRID).long().clamp_(0, self.n - 1)
        return self.table[idx[:, 0], idx[:, 1]].unsqueeze(1).to(ab_norm.dtype)


def hint_neighbourhood(mask: torch.Tensor, sigma: float, size: tuple[int, int] | torch.Size) -> torch.Tensor:
    """(N, 1, H, W) in [0, 1]: 1 on the hints, falling off as a Gaussian of ``sigma`` px.

    Weighting the loss by ``1 + k * this`` makes the colours at and around a hint count k
    times more: the model learns to put a hint's colour where it is given (and near it)
    in minutes instead of the many hours plain losses take, where hints cover ~0.5% of
    the pixels."""
    mask = mask.float()
    r = max(1, int(round(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=mask.dtype, device=mask.device)
    g = torch.exp(-0.5 * (t / sigma) ** 2)  # peak 1: a lone hint pixel gets weight 1
    near = F.conv2d(mask, g.view(1, 1, 1, -1), padding=(0, r))
    near = F.conv2d(near, g.view(1, 1, -1, 1), padding=(r, 0)).clamp_(max=1.0)
    if near.shape[-2:] != tuple(size):
        near = F.interpolate(near, size=tuple(size), mode="bilinear", align_corners=False)
    return near


def gan_labels(logits: torch.Tensor, real: bool, smoothing: float = 0.0, noise: float = 0.0,
               flip: float = 0.0) -> torch.Tensor:
    """Target labels for BCEWithLogits: soft (1 - smoothing), noisy (+-noise), flipped with p=flip.

    The tricks only apply to discriminator steps; the generator uses plain ``real=True``.
    """
    y = torch.full_like(logits, (1.0 - smoothing) if real else 0.0)
    if noise > 0:
        y = (y + (torch.rand_like(y) * 2 - 1) * noise).clamp_(0.0, 1.0)
    if flip > 0:
        mask = torch.rand(logits.shape[0], *([1] * (logits.dim() - 1)), device=logits.device) < flip
        y = torch.where(mask, 1.0 - y, y)
    return y


def bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), labels.float())


# ---------------------------------------------------------------- VGG16 perceptual loss

def perceptual_loss(vgg, pred_rgb: torch.Tensor, target_rgb: torch.Tensor) -> torch.Tensor:
    """Sum of feature MSEs over the taps of ``colorstudio.models.perceptual.VGG16Features``."""
    with torch.no_grad():
        target = [t.detach() for t in vgg(target_rgb)]
    return sum(F.mse_loss(a, b) for a, b in zip(vgg(pred_rgb), target))
