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
