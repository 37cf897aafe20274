"""numpy <-> QImage, in ONE place.

Images in ColorStudio are numpy arrays in RGB order: uint8 or uint16 (or float in
[0, 1]), gray (H, W), gray + alpha (H, W, 2), RGB (H, W, 3) or RGBA (H, W, 4).  The
screen shows 8 bits per channel, so 16-bit and float images are converted for display
only; the arrays themselves (and exports) keep their depth.

Safe to call from worker threads (QImage, unlike QPixmap, is not tied to the GUI
thread), so big conversions never run on the event loop.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage


def to_display_array(img: np.ndarray) -> np.ndarray:
    """Any supported array -> contiguous uint8 gray, RGB or RGBA (gray+alpha -> RGBA)."""
    if not isinstance(img, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(img).__name__}")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (2, 3, 4)):
        raise ValueError(f"cannot display an array of shape {img.shape}")
    if img.dtype == np.uint8:
        out = img
    elif img.dtype == np.uint16:
        # Rounded 16 -> 8 bit: (v * 255 + 32767) // 65535 == round(v / 257).
        out = ((img.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif img.dtype.kind == "f":
        out = (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    elif img.dtype == np.bool_:
        out = img.astype(np.uint8) * 255
    else:
        raise TypeError(f"cannot display an image of dtype {img.dtype}")
    if out.ndim == 3 and out.shape[2] == 2:  # gray + alpha
        g, a = out[:, :, 0], out[:, :, 1]
        out = np.stack([g, g, g, a], axis=2)
    return np.ascontiguousarray(out)


def to_qimage(img: np.ndarray) -> QImage:
    """A QImage that owns a copy of ``img`` converted for display (8 bits per channel)."""
    arr = to_display_array(img)
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        fmt, channels = QImage.Format.Format_Grayscale8, 1
    elif arr.shape[2] == 3:
        fmt, channels = QImage.Format.Format_RGB888, 3
    else:
        fmt, channels = QImage.Format.Format_RGBA8888, 4
    q = QImage(arr.data, w, h, w * channels, fmt)
    return q.copy()  # detach from numpy's buffer


def from_qimage(q: QImage) -> np.ndarray:
    """QImage (from the clipboard or a drop) -> uint8 RGB, or RGBA when it has alpha."""
    if q.isNull():
        raise ValueError("the image is empty")
    alpha = q.hasAlphaChannel()
    fmt = QImage.Format.Format_RGBA8888 if alpha else QImage.Format.Format_RGB888
    q = q.convertToFormat(fmt)
    channels = 4 if alpha else 3
    h, w, bpl = q.height(), q.width(), q.bytesPerLine()
    buf = np.frombuffer(q.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, : w * channels].reshape(h, w, channels).copy()


def display_format(q: QImage) -> QImage:
    """The raster engine's native format (RGB32, or premultiplied ARGB32 with alpha):
    drawing it scaled needs no per-paint conversion."""
    fmt = (QImage.Format.Format_ARGB32_Premultiplied if q.hasAlphaChannel()
           else QImage.Format.Format_RGB32)
    return q if q.format() == fmt else q.convertToFormat(fmt)


def build_pyramid(q: QImage, min_side: int = 256) -> list[QImage]:
    """``[full, 1/2, 1/4, ...]`` in display format, down to ``min_side`` pixels.

    Built in a worker, so the view never downsamples a big scan on the GUI thread.
    Each level is an area-averaged half of the previous one (smooth even at 1/64).
    """
    levels = [display_format(q)]
    while min(levels[-1].width(), levels[-1].height()) >= 2 * min_side:
        prev = levels[-1]
        levels.append(prev.scaled(max(1, prev.width() // 2), max(1, prev.height() // 2),
                                  Qt.AspectRatioMode.IgnoreAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation))
    return levels


def _wrap_bgra(arr: np.ndarray, alpha: bool) -> QImage:
    """A QImage over ``arr`` (H, W, 4 bytes B, G, R, A/255: the raster engine's RGB32 or
    premultiplied ARGB32 on a little-endian machine); PySide keeps ``arr`` alive as long as
    any copy of the image lives, so no pixel is copied."""
    h, w = arr.shape[:2]
    fmt = QImage.Format.Format_ARGB32_Premultiplied if alpha else QImage.Format.Format_RGB32
    return QImage(arr.data, w, h, 4 * w, fmt)


# A 16-bit or float image needs an 8-bit copy to be shown: that copy is cut to this many
# pixels (a 196-megapixel 16-bit scan is shown from a 64-megapixel copy), while everything
# it is colorized and saved at stays full size.  An 8-bit image needs no copy at all.
DISPLAY_MAX_PIXELS = 64_000_000

_VIEW_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
                 4: QImage.Format.Format_RGBA8888}


def display_pyramid(img: np.ndarray, max_pixels: int = DISPLAY_MAX_PIXELS, min_side: int = 256) -> list[QImage]:
    """The view's pyramid straight from an array (in a worker), down to ``min_side``.

    Level 0 is a QImage over the 8-bit array itself, not a copy: the raster engine draws
    gray and RGB888 a span at a time (a 1400x900 view of a 108-megapixel scan in < 10 ms),
    so the full-size level costs no memory beyond the image the page holds anyway (it
    must not be changed in place while shown: the pipeline never does; and what Qt keeps
    past Python's end, the clipboard, gets a ``copy()``).  The halves are
    made by OpenCV, in the raster engine's own RGB32 layout for colour; OpenCV lets go of Python's
    GIL, QImage's conversions and scaling hold it (they froze the window for most of a
    second on a big scan although they ran in a worker)."""
    import sys

    import cv2

    arr = to_display_array(img)
    h, w = arr.shape[:2]
    if arr is not img and h * w > max_pixels:   # a converted copy: cut it to the cap
        s = (max_pixels / float(h * w)) ** 0.5
        arr = cv2.resize(arr, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
        h, w = arr.shape[:2]
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    levels = [QImage(arr.data, w, h, w * channels, _VIEW_FORMATS[channels])]   # PySide keeps arr alive
    if min(h, w) < 2 * min_side:
        return levels
    if sys.byteorder != "little":   # B, G, R, A bytes are RGB32 only on little-endian machines
        return build_pyramid(levels[0], min_side)
    half = cv2.resize(arr, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    alpha = channels == 4
    if channels == 3:
        half = cv2.cvtColor(half, cv2.COLOR_RGB2BGRA)
    elif channels == 4:
        half = cv2.cvtColor(cv2.cvtColor(half, cv2.COLOR_RGBA2mRGBA), cv2.COLOR_RGBA2BGRA)
    arrays = [np.ascontiguousarray(half)]   # gray stays one byte a pixel: it draws as fast as RGB32
    while min(arrays[-1].shape[:2]) >= 2 * min_side:
        prev = arrays[-1]
        arrays.append(cv2.resize(prev, (max(1, prev.shape[1] // 2), max(1, prev.shape[0] // 2)),
                                 interpolation=cv2.INTER_AREA))
    if channels == 1:
        return levels + [QImage(a.data, a.shape[1], a.shape[0], a.shape[1], _VIEW_FORMATS[1]) for a in arrays]
    return levels + [_wrap_bgra(a, alpha) for a in arrays]
