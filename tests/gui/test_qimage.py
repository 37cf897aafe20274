"""numpy <-> QImage: every layout and depth the app handles."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from colorstudio.gui.qimage import from_qimage, to_display_array, to_qimage


def test_uint16_is_rounded_to_8_bit_for_display():
    v = np.array([[0, 257, 65535, 32896]], np.uint16)
    assert to_display_array(v).tolist() == [[0, 1, 255, 128]]


@pytest.mark.parametrize("shape,fmt", [((5, 7), QImage.Format.Format_Grayscale8),
                                       ((5, 7, 3), QImage.Format.Format_RGB888),
                                       ((5, 7, 4), QImage.Format.Format_RGBA8888),
                                       ((5, 7, 2), QImage.Format.Format_RGBA8888)])
def test_layouts(shape, fmt):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 65535, shape, dtype=np.uint16)
    q = to_qimage(a)
    assert (q.width(), q.height(), q.format()) == (7, 5, fmt)
    d = to_display_array(a)
    c = q.pixelColor(3, 2)
    if len(shape) == 2:
        assert c.red() == d[2, 3]
    elif shape[2] == 2:
        assert (c.red(), c.alpha()) == (d[2, 3, 0], d[2, 3, 3])
    else:
        assert (c.red(), c.green(), c.blue()) == tuple(d[2, 3, :3])


def test_round_trip_and_independence_from_the_array():
    a = np.random.default_rng(1).integers(0, 255, (9, 13, 3), dtype=np.uint8)
    q = to_qimage(a)
    a[:] = 0  # the QImage owns its pixels
    back = from_qimage(q)
    assert back.shape == (9, 13, 3) and back.any()
    rgba = np.dstack([back, np.full((9, 13), 77, np.uint8)])
    assert np.array_equal(from_qimage(to_qimage(rgba)), rgba)


def test_rejects_what_it_cannot_show():
    with pytest.raises(ValueError, match="shape"):
        to_qimage(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(TypeError, match="dtype"):
        to_qimage(np.zeros((4, 4), np.int64))


def _pixels(q: QImage) -> np.ndarray:
    return from_qimage(q.convertToFormat(QImage.Format.Format_RGBA8888))


@pytest.mark.parametrize("shape", [(600, 520), (600, 520, 3), (600, 520, 4)])
def test_display_pyramid_shows_the_same_pixels_as_a_plain_qimage(shape):
    """The OpenCV-built pyramid (no QImage conversion on the way) matches to_qimage."""
    from colorstudio.gui.qimage import display_pyramid

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=shape, dtype=np.uint8)
    if len(shape) == 3 and shape[2] == 4:
        img[..., 3] = 255          # opaque: premultiplying changes nothing to compare
    levels = display_pyramid(img, min_side=128)
    assert [(q.width(), q.height()) for q in levels] == [(520, 600), (260, 300), (130, 150)]
    assert all(q.format() in (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32_Premultiplied,
                              QImage.Format.Format_Grayscale8) for q in levels[1:])
    np.testing.assert_array_equal(_pixels(levels[0]), _pixels(to_qimage(img)))
    bits = np.frombuffer(levels[0].constBits(), np.uint8)
    assert np.shares_memory(bits, img), "the full-size level is a view over the 8-bit array, not a copy"
    assert np.abs(_pixels(levels[1]).astype(int) - _pixels(to_qimage(img[::2, ::2])).astype(int)).mean() < 60


def test_display_pyramid_levels_outlive_every_array():
    """Each level is a view over an array that PySide keeps alive: nothing dangles."""
    import gc

    from colorstudio.gui.qimage import display_pyramid

    img = np.full((300, 400, 3), (200, 100, 50), np.uint8)
    levels = display_pyramid(img, min_side=64)
    del img
    gc.collect()
    junk = [np.full((300, 400, 4), 7, np.uint8) for _ in range(20)]   # reuse freed memory
    assert QImage(levels[-1]).pixelColor(1, 1).getRgb()[:3] == (200, 100, 50)
    assert levels[0].pixelColor(399, 299).getRgb()[:3] == (200, 100, 50)
    del junk


def test_display_pyramid_caps_what_the_views_hold():
    from colorstudio.gui.qimage import display_pyramid

    levels = display_pyramid(np.zeros((1000, 1000), np.uint16), max_pixels=250_000, min_side=100)
    assert levels[0].width() * levels[0].height() <= 250_000
    assert levels[0].pixelColor(0, 0).getRgb()[:3] == (0, 0, 0)
