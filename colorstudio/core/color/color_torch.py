"""The torch twin of :mod:`colorstudio.core.color`: Lab -> sRGB on tensors, differentiable.

Same maths as OpenCV's float Lab2RGB, which ``core.color`` uses (D65 white, the sRGB
transfer curve), on (N, C, H, W) tensors so a loss can see RGB (the VGG16 perceptual
loss), and the gray of a lightness (a = b = 0) that the ImageNet encoder's input is.
Both are built from the same two steps (Lab's inverse f, the sRGB transfer curve), as
kornia's colour module builds its conversions.  Ranges and the network scaling are
``core.color``'s.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from colorstudio.core import color

_M_XYZ2RGB = torch.tensor([[3.2404542, -1.5371385, -0.4985314],
                           [-0.9692660, 1.8760108, 0.0415560],
                           [0.0556434, -0.2040259, 1.0572252]])
_WHITE = (0.95047, 1.0, 1.08883)
_EPS = 6.0 / 29.0


def _f_inv(t: torch.Tensor) -> torch.Tensor:
    """Lab's inverse f: ``f(X / Xn)`` -> ``X / Xn`` (cube above 6/29, linear below)."""
    return torch.where(t > _EPS, t ** 3, 3 * _EPS * _EPS * (t - 4.0 / 29.0))


def linear_to_srgb(lin: torch.Tensor) -> torch.Tensor:
    """Linear light in [0, 1] -> sRGB in [0, 1] (the sRGB transfer curve); the power's
    input is kept above 1e-8 so its gradient stays finite at black."""
    return torch.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin.clamp_min(1e-8) ** (1 / 2.4) - 0.055)


def lab_to_rgb(L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """L (N, 1, H, W) in [0, 100] and ab (N, 2, H, W) in Lab units -> sRGB (N, 3, H, W)
    in [0, 1] (out-of-gamut colours clipped)."""
    fy = (L + 16.0) / 116.0
    fx = fy + ab[:, :1] / 500.0
    fz = fy - ab[:, 1:] / 200.0
    xyz = torch.cat([_f_inv(fx) * _WHITE[0], _f_inv(fy) * _WHITE[1], _f_inv(fz) * _WHITE[2]], 1)
    lin = torch.einsum("ij,njhw->nihw", _M_XYZ2RGB.to(xyz), xyz).clamp(1e-6, 1.0)
    return linear_to_srgb(lin).clamp(0, 1)


def l_norm_to_srgb_gray(l_norm: torch.Tensor) -> torch.Tensor:
    """Network lightness ``(L - 50) / 100`` (any shape) -> the sRGB value in [0, 1] of the
    gray of that L (a = b = 0; Y = Lab's inverse f of ``(L + 16) / 116``).

    ``(L + 16) / 116`` is computed from ``l_norm`` in one rounding, as the encoder
    families' shipped weights were trained on (``denormalize_l`` first rounds twice).
    """
    fy = (l_norm * color.L_SCALE + (color.L_CENTER + 16.0)) / 116.0
    return linear_to_srgb(_f_inv(fy).clamp(0.0, 1.0))


def lab_norm_to_rgb(l_norm: torch.Tensor, ab_norm: torch.Tensor) -> torch.Tensor:
    """Network-scaled L (N, 1, H, W) and ab (N, 2, H, W; resized to L's size when the
    net predicts smaller) -> sRGB in [0, 1]."""
    if ab_norm.shape[-2:] != l_norm.shape[-2:]:
        ab_norm = F.interpolate(ab_norm, size=l_norm.shape[-2:], mode="bilinear", align_corners=False)
    return lab_to_rgb(color.denormalize_l(l_norm), color.denormalize_ab(ab_norm))
