"""Colorize and translate images of any size, one at a time or as a batch.

Colorize: lightness L of the input -> resized to the net's render size -> predicted
ab (small) -> bilinear upsampling to full size -> recombined with the full-resolution
L (so every detail of the original is kept exactly) -> optional saturation -> RGB in
the input's bit depth.  The full-resolution work runs in strips of rows, so a
100-megapixel scan needs little more memory than its input and output.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import cv2
import numpy as np

from colorstudio.core import color

DEFAULT_STRIP_ROWS = 1024


@dataclass(frozen=True)
class Hint:
    """A user colour hint: position as fractions of width/height, colour as Lab ab."""

    x: float
    y: float
    a: float
    b: float

    @classmethod
    def from_rgb(cls, x: float, y: float, rgb: Sequence[float]) -> "Hint":
        """rgb as 0-255 ints or 0-1 floats."""
        arr = np.asarray(rgb, np.float32).reshape(1, 1, 3)
        if arr.max() > 1.0:
            arr = arr / 255.0
        lab = color.rgb_to_lab(arr)[0, 0]
        return cls(float(x), float(y), float(lab[1]), float(lab[2]))


@dataclass
class Colorized:
    """Result of :func:`colorize`; ``ab_small`` lets saturation edits skip the network."""

    rgb: np.ndarray            # H x W x 3 (x4 with alpha), input's dtype
    ab_small: np.ndarray       # h x w x 2, Lab units, before saturation
    timings: dict[str, float] = field(default_factory=dict)
    note: str | None = None    # e.g. a device fallback the user must see


def _split_alpha(img: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if img.ndim == 3 and img.shape[2] == 4:
        return img[:, :, :3], img[:, :, 3]
    if img.ndim == 3 and img.shape[2] == 2:  # gray + alpha
        return img[:, :, 0], img[:, :, 1]
    return img, None


def net_size(shape: tuple[int, int], size: int, fixed: bool) -> tuple[int, int]:
    """(h, w) the net runs at: ``size`` square for fixed-size nets, else the long side
    scaled to ``size`` keeping the aspect ratio, rounded to a multiple of 32."""
    if fixed:
        return size, size
    h, w = shape
    s = size / max(h, w)
    r = lambda v: max(32, int(round(v * s / 32)) * 32)  # noqa: E731
    return r(h), r(w)


def net_input_l(img: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Normalised lightness (1, 1, h, w) of ``img`` resized (area) to ``hw``."""
    small = cv2.resize(img, (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    return color.normalize_l(color.luminance(small))[None, None].astype(np.float32)


def rasterize_hints(hints: Iterable[Hint], hw: tuple[int, int], radius: int = 1) -> np.ndarray:
    """Hints -> (3, h, w): ab_norm at each hint (a (2r+1)^2 patch), then a 0/1 mask."""
    h, w = hw
    out = np.zeros((3, h, w), np.float32)
    for hint in hints:
        cx = int(np.clip(round(hint.x * w - 0.5), 0, w - 1))
        cy = int(np.clip(round(hint.y * h - 0.5), 0, h - 1))
        ys, xs = slice(max(0, cy - radius), cy + radius + 1), slice(max(0, cx - radius), cx + radius + 1)
        out[0, ys, xs] = color.normalize_ab(hint.a)
        out[1, ys, xs] = color.normalize_ab(hint.b)
        out[2, ys, xs] = 1.0
    return out


def predict_ab(predictor, image: np.ndarray, size: int | None = None,
               hints: Sequence[Hint] = ()) -> np.ndarray:
    """The network's ab for ``image`` at render ``size``: (h, w, 2) float32, Lab units."""
    spec = predictor.spec
    size = int(size or (spec.input_size if spec else 256))
    img, _ = _split_alpha(image)
    hw = net_size(img.shape[:2], size, bool(spec and spec.fixed_size))
    x = net_input_l(img, hw)
    if getattr(predictor.model, "hint_channels", 0):
        x = np.concatenate([x, rasterize_hints(hints, hw)[None]], 1)
    elif hints:
        raise ValueError(f"model {predictor.name!r} does not take colour hints")
    ab = predictor.predict_ab(x)[0]
    return np.ascontiguousarray(color.denormalize_ab(ab).transpose(1, 2, 0), dtype=np.float32)


def _linear_weights(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of bilinear resizing (half-pixel centres, edge clamp)."""
    pos = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    pos = np.clip(pos, 0, n_in - 1)
    i0 = np.floor(pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (pos - i0).astype(np.float32)


def compose(image: np.ndarray, ab_small: np.ndarray, saturation: float = 1.0,
            strip_rows: int = DEFAULT_STRIP_ROWS, out: np.ndarray | None = None) -> np.ndarray:
    """Full-resolution L of ``image`` + upsampled ``ab_small`` -> RGB in the input's dtype.

    Works in strips of ``strip_rows`` rows; the result does not depend on the strip
    height (the upsampling is separable and computed exactly per row).
    """
    img, alpha = _split_alpha(image)
    H, W = img.shape[:2]
    hs, ws = ab_small.shape[:2]
    ab = color.apply_saturation(ab_small.astype(np.float32, copy=False), saturation)
    # Horizontal pass once on the small rows (h_s x W x 2), vertical lerp per strip.
    x0, x1, wx = _linear_weights(W, ws)
    abw = ab[:, x0] * (1 - wx)[None, :, None] + ab[:, x1] * wx[None, :, None]
    y0, y1, wy = _linear_weights(H, hs)
    dtype = img.dtype if img.dtype in (np.uint8, np.uint16) else np.dtype(np.float32)
    channels = 4 if alpha is not None else 3
    if out is None:
        out = np.empty((H, W, channels), dtype)
    for r0 in range(0, H, max(1, strip_rows)):
        r1 = min(H, r0 + strip_rows)
        L = color.luminance(img[r0:r1])
        wys = wy[r0:r1, None, None]
        ab_rows = abw[y0[r0:r1]] * (1 - wys) + abw[y1[r0:r1]] * wys
        out[r0:r1, :, :3] = color.from_float01(color.lab_compose(L, ab_rows), dtype)
    if alpha is not None:
        out[:, :, 3] = alpha.astype(dtype) if alpha.dtype == dtype else color.from_float01(
            color.to_float01(alpha), dtype)
    return out


def colorize(image: np.ndarray, predictor, size: int | None = None, saturation: float = 1.0,
             hints: Sequence[Hint] = (), strip_rows: int = DEFAULT_STRIP_ROWS) -> Colorized:
    """Colorize a gray (or colour: its lightness is used) image of any size and depth."""
    if image.size == 0:
        raise ValueError("the image is empty")
    t0 = time.perf_counter()
    before = predictor.fallback
    ab_small = predict_ab(predictor, image, size, hints)
    t1 = time.perf_counter()
    rgb = compose(image, ab_small, saturation, strip_rows)
    t2 = time.perf_counter()
    note = str(predictor.fallback) if predictor.fallback is not before else None
    return Colorized(rgb, ab_small, {"predict": t1 - t0, "compose": t2 - t1, "total": t2 - t0}, note)


def translate(labels: np.ndarray, predictor, size: int | None = None) -> np.ndarray:
    """Facade label map (RGB, any size) -> generated photo (uint8 RGB, same size)."""
    spec = predictor.spec
    size = int(size or (spec.input_size if spec else 256))
    img, _ = _split_alpha(labels)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, 2)
    H, W = img.shape[:2]
    small = cv2.resize(color.to_float01(img), (size, size), interpolation=cv2.INTER_NEAREST)
    x = (small.transpose(2, 0, 1)[None] * 2.0 - 1.0).astype(np.float32)
    y = predictor.run(x)[0].transpose(1, 2, 0)
    rgb = np.clip((y + 1.0) * 0.5, 0.0, 1.0)
    if (H, W) != (size, size):
        rgb = cv2.resize(rgb, (W, H), interpolation=cv2.INTER_CUBIC)
    return color.from_float01(rgb, np.uint8)
