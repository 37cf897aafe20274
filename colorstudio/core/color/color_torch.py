"""The torch twin of :mod:`colorstudio.core.color`: Lab -> sRGB on tensors, differentiable.

Same maths as OpenCV's float Lab2RGB, which ``core.color`` uses (D65 white, the sRGB
transfer curve), on (N, C, H, W) tensors so a loss can see RGB (the VGG16 perceptual
loss).  Ranges and the network scaling are ``core.color``'s.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from colorstudio.core import color

_M_XYZ2RGB = torch.tensor([[3.2404542, -1.5371385, -0.4985314],
                           [-0.9692660, 1.8760108, 0.0415560],
                           [0.0556434, -0.2040259, 1.0572252]])
_WHITE = (0.95047, 1.0, 1.08883)


def lab_to_rgb(L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """L (N, 1, H, W) in [0, 100] and ab (N, 2, H, W) in Lab units -> sRGB (N, 3, H, W)
    in [0, 1] (out-of-gamut colours clipped)."""
    fy = (L + 16.0) / 116.0
    fx = fy + ab[:, :1] / 500.0
    fz = fy - ab[:, 1:] / 200.0
    eps = 6.0 / 29.0

    def finv(t):
        return torch.where(t > eps, t ** 3, 3 * eps * eps * (t - 4.0 / 29.0))

    xyz = torch.cat([finv(fx) * _WHITE[0], finv(fy) * _WHITE[1], finv(fz) * _WHITE[2]], 1)
    lin = torch.einsum("ij,njhw->nihw", _M_XYZ2RGB.to(xyz), xyz).clamp(1e-6, 1.0)
    return torch.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055).clamp(0, 1)


def lab_norm_to_rgb(l_norm: torch.Tensor, ab_norm: torch.Tensor) -> torch.Tensor:
    """Network-scaled L (N, 1, H, W) and ab (N, 2, H, W; resized to L's size when the
    net predicts smaller) -> sRGB in [0, 1]."""
    if ab_norm.shape[-2:] != l_norm.shape[-2:]:
        ab_norm = F.interpolate(ab_norm, size=l_norm.shape[-2:], mode="bilinear", align_corners=False)
    return lab_to_rgb(color.denormalize_l(l_norm), color.denormalize_ab(ab_norm))
