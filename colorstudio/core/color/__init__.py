"""sRGB <-> CIE Lab (D65) and the network normalisation of L and ab.

This module is the ONE place that knows the Lab ranges and how networks see them.

Ranges: L in [0, 100]; a, b in about [-128, 127] (sRGB gamut reaches about
a in [-86, 98], b in [-108, 95]).  Networks see ``l_norm = (L - 50) / 100`` and
``ab_norm = ab / 110`` -- the scaling of the public Zhang et al. colorizers, so
their checkpoints interoperate without rescaling.  Translators (label map -> photo)
see and produce RGB in [-1, 1] (:func:`normalize_rgb`, :func:`denormalize_rgb`).
OpenCV's 8-bit filters (denoising, optical flow, JPEG) see L as bytes ``L x 2.55``
(:func:`l_to_u8`, :func:`u8_to_l`); samples show L as a float gray ``L / 100``
(:func:`l_to_float01`).  The torch twin of the Lab -> RGB conversion (and of a gray's
sRGB value from the network's L) is :mod:`colorstudio.core.color.color_torch`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import cv2

from colorstudio.core.scales import BALANCE_MAX

L_CENTER = 50.0
L_SCALE = 100.0
AB_SCALE = 110.0
L_MAX = 100.0      # L of white
U8_PER_L = 2.55    # 8-bit steps per L unit (255 / L_MAX), as OpenCV's 8-bit Lab stores L


def to_float01(img: np.ndarray) -> np.ndarray:
    """uint8 / uint16 / float image -> float32 in [0, 1] (floats are clipped)."""
    if img.dtype == np.uint8:
        return img.astype(np.float32) * (1.0 / 255.0)
    if img.dtype == np.uint16:
        return img.astype(np.float32) * (1.0 / 65535.0)
    if img.dtype.kind == "f":
        return np.clip(img, 0.0, 1.0).astype(np.float32, copy=False)
    raise TypeError(f"unsupported image dtype {img.dtype}; expected uint8, uint16 or float")


def from_float01(img: np.ndarray, dtype: np.dtype | type) -> np.ndarray:
    """float image in [0, 1] -> ``dtype`` (uint8, uint16 or float32), rounded and clipped."""
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if dtype == np.uint16:
        return (np.clip(img, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    if dtype.kind == "f":
        return np.clip(img, 0.0, 1.0).astype(dtype, copy=False)
    raise TypeError(f"unsupported output dtype {dtype}")


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB image (H, W, 3), uint8/uint16/float in [0,1] -> Lab float32 (H, W, 3)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
    # OpenCV's float path applies the sRGB transfer curve and uses D65; L in [0,100].
    return cv2.cvtColor(to_float01(rgb), cv2.COLOR_RGB2Lab)


def lab_to_rgb(lab: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Lab float (H, W, 3) -> sRGB float32 in [0, 1] (out-of-gamut colours clipped).

    ``out``: a float32 (H, W, 3) array to write into -- ``lab`` itself converts in place,
    which the pipeline's strips use to hold one copy of a strip, not two.
    """
    if lab.ndim != 3 or lab.shape[2] != 3:
        raise ValueError(f"expected a Lab image of shape (H, W, 3), got {lab.shape}")
    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_Lab2RGB, dst=out)
    return np.clip(rgb, 0.0, 1.0, out=rgb)


def luminance(img: np.ndarray) -> np.ndarray:
    """Lightness L in [0, 100] (float32, H x W) of a gray or RGB image of any depth.

    A gray pixel value g is an sRGB colour (g, g, g), so its L is exact; colour inputs
    give their CIE lightness, which is what gets colorized.
    """
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2:
        g = to_float01(img)
        # L of (g,g,g): Y = linearised g, L = 116 f(Y) - 16.
        lin = np.where(g <= 0.04045, g / 12.92, ((g + 0.055) / 1.055) ** 2.4)
        return _y_to_l(lin.astype(np.float32))
    if img.ndim == 3 and img.shape[2] == 3:
        return rgb_to_lab(img)[:, :, 0]
    raise ValueError(f"expected a gray (H, W) or RGB (H, W, 3) image, got shape {img.shape}")


def _y_to_l(y: np.ndarray) -> np.ndarray:
    eps = 216.0 / 24389.0
    kappa = 24389.0 / 27.0
    f = np.where(y > eps, np.cbrt(y), (kappa * y + 16.0) / 116.0)
    return (116.0 * f - 16.0).astype(np.float32)


def normalize_l(L):
    """L in [0,100] -> network input (numpy or torch alike)."""
    return (L - L_CENTER) / L_SCALE


def denormalize_l(l_norm):
    return l_norm * L_SCALE + L_CENTER


def l_to_u8(L: np.ndarray, *, rounded: bool = True) -> np.ndarray:
    """L in [0, 100] -> 8-bit lightness 0-255 (``L x 2.55``, clipped), as OpenCV's 8-bit
    Lab stores it: the bytes its 8-bit filters (denoising, optical flow) and a gray JPEG take.

    The lightness itself as a gray value, not the sRGB gray of that L.  Rounded to the
    nearest step; ``rounded=False`` truncates, as the temporal smoother's flow frames
    always have (kept so the flow, and the result, stay the same).
    """
    scaled = L * U8_PER_L + 0.5 if rounded else L * U8_PER_L
    return np.clip(scaled, 0, 255).astype(np.uint8)


def u8_to_l(g8: np.ndarray) -> np.ndarray:
    """8-bit lightness 0-255 (:func:`l_to_u8`'s) -> L in [0, 100], float32."""
    return np.asarray(g8).astype(np.float32) / U8_PER_L


def mean_l_difference_u8(a8: np.ndarray, b8: np.ndarray) -> float:
    """Mean |delta L| in L units (0-100) between two 8-bit lightness images
    (:func:`l_to_u8`'s) of one shape: a scene cut, or how well a reference matches a frame."""
    return float(np.mean(np.abs(a8.astype(np.float32) - b8.astype(np.float32)))) / U8_PER_L


def l_to_float01(L):
    """L in [0, 100] -> [0, 1] (``L / 100``; numpy or torch alike): the lightness shown
    as a float gray image (training samples, evaluation sheets) -- not the sRGB gray of
    that L, which :func:`lab_compose` with ab = 0 gives."""
    return L / L_MAX


def normalize_ab(ab):
    """ab in Lab units -> network target, about [-1, 1]."""
    return ab / AB_SCALE


def denormalize_ab(ab_norm):
    return ab_norm * AB_SCALE


def normalize_rgb(rgb: np.ndarray) -> np.ndarray:
    """RGB image (uint8, or float in [0, 1]) -> a translator's input/target, float32 in
    [-1, 1] (uint8 as ``x / 127.5 - 1``, floats as ``2 x - 1``); the layout is kept."""
    if rgb.dtype == np.uint8:
        return rgb.astype(np.float32) / 127.5 - 1.0
    return (to_float01(rgb) * 2.0 - 1.0).astype(np.float32)


def denormalize_rgb(x: np.ndarray) -> np.ndarray:
    """A translator's output in [-1, 1] -> RGB float in [0, 1] (clipped; layout kept)."""
    return np.clip((x + 1.0) * 0.5, 0.0, 1.0)


def rgb_to_ab(rgb: np.ndarray) -> np.ndarray:
    """Convenience: the ab channels (H, W, 2) of an RGB image."""
    return rgb_to_lab(rgb)[:, :, 1:]


@dataclass(frozen=True)
class Look:
    """How the predicted colour is shown: ``saturation`` (chroma factor, 1.0 as predicted)
    and the colour balance, applied after it in Lab: ``temperature`` moves b (+ warmer,
    towards yellow; - cooler, towards blue), ``tint`` moves a (+ magenta, - green), in ab
    units.  Every place that takes a saturation takes a Look too."""

    saturation: float = 1.0
    temperature: float = 0.0
    tint: float = 0.0

    def __post_init__(self) -> None:
        if not self.saturation >= 0:
            raise ValueError("saturation must be >= 0")
        for name in ("temperature", "tint"):
            v = getattr(self, name)
            if not -BALANCE_MAX <= v <= BALANCE_MAX:
                raise ValueError(f"{name} must be from {-BALANCE_MAX:g} to {BALANCE_MAX:g}, got {v!r}")

    @property
    def balanced(self) -> bool:
        return self.temperature != 0.0 or self.tint != 0.0


def look_of(saturation: "float | Look") -> Look:
    """A saturation factor or a :class:`Look` -> a Look (checked)."""
    return saturation if isinstance(saturation, Look) else Look(float(saturation))


def apply_saturation(ab: np.ndarray, factor: "float | Look") -> np.ndarray:
    """Scale chroma (1.0 leaves the prediction unchanged, 0.0 gives gray); a :class:`Look`
    also shifts the colour balance after the scaling."""
    look = look_of(factor)
    out = ab if look.saturation == 1.0 else ab * np.float32(look.saturation)
    if look.balanced:
        out = out + np.array([look.tint, look.temperature], np.float32)
    return out


def lab_compose(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """L (H, W) and ab (H, W, 2) in Lab units -> sRGB float32 in [0, 1]."""
    lab = np.empty(L.shape + (3,), np.float32)
    lab[:, :, 0] = L
    lab[:, :, 1:] = ab
    return lab_to_rgb(lab)
