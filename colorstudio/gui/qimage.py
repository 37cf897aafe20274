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


# What the views draw is at most this many pixels: a 196-megapixel scan is shown (and
# zoomed) from a 64-megapixel copy, while everything it is colorized and saved at stays
# full size.  Four bytes a pixel per view: the difference between 2 GB and 4 GB.
DISPLAY_MAX_PIXELS = 64_000_000


def display_pyramid(img: np.ndarray, max_pixels: int = DISPLAY_MAX_PIXELS, min_side: int = 256) -> list[QImage]:
    """The view's pyramid straight from an array (in a worker): converted to 8 bits, cut
    to ``max_pixels``, then to the display format in one copy (no intermediate QImage)."""
    arr = to_display_array(img)
    h, w = arr.shape[:2]
    if h * w > max_pixels:
        import cv2

        s = (max_pixels / float(h * w)) ** 0.5
        arr = np.ascontiguousarray(cv2.resize(arr, (max(1, int(w * s)), max(1, int(h * s))),
                                              interpolation=cv2.INTER_AREA))
        h, w = arr.shape[:2]
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    fmt = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
           4: QImage.Format.Format_RGBA8888}[channels]
    view = QImage(arr.data, w, h, w * channels, fmt)      # over the array: not a copy
    level0 = display_format(view)
    if level0 is view:
        level0 = view.copy()
    del view, arr
    return build_pyramid(level0, min_side)
