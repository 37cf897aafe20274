"""Contact sheets: layout, captions, any input dtype."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.colorize.contact_sheet import BAND, GAP, Tile, fit_tile, grid, sheet


def test_grid_layout_and_cells():
    red = np.zeros((50, 100, 3), np.uint8)
    red[..., 0] = 255
    gray16 = np.full((100, 100), 32768, np.uint16)
    out = grid([Tile(red, "red"), Tile(gray16, "gray"), Tile(red)], columns=2, tile_height=40)
    w = 80  # the widest tile (2:1) at height 40
    assert out.shape == (2 * (BAND + 40 + GAP) + GAP, 2 * (w + GAP) + GAP, 3)
    assert out.dtype == np.uint8
    first = out[GAP + BAND:GAP + BAND + 40, GAP:GAP + w]
    assert (first[..., 0] > 250).all() and (first[..., 1] < 5).all()
    second = out[GAP + BAND + 10:GAP + BAND + 30, 2 * GAP + w + 30:2 * GAP + w + 50]
    assert abs(int(second.mean()) - 128) <= 1, "16-bit gray keeps its level"
    band = out[GAP:GAP + BAND, GAP:GAP + w]
    assert band.max() > 200, "the caption is drawn"


def test_long_captions_are_elided_and_bad_input_refused():
    cell = fit_tile(np.zeros((10, 10), np.uint8), 30, 60)
    assert cell.shape == (30, 60, 3)
    out = sheet([[Tile(np.zeros((20, 20, 3), np.uint8), "x" * 200)]], tile_height=20)
    assert out.shape[1] == 20 + 2 * GAP
    with pytest.raises(ValueError):
        grid([])
    with pytest.raises(ValueError):
        sheet([[Tile(np.zeros((4, 4), np.uint8))]], tile_height=8)


def test_a_tile_shrunk_to_the_sheet_height_first_gives_the_same_sheet():
    """The CLI's compare keeps each result at the sheet's size as soon as it exists (issue 33,
    class 5: full-size results of a big scan held gigabytes); the sheet must not change."""
    from colorstudio.core.colorize.contact_sheet import Tile, fit_tile, grid

    rng = np.random.default_rng(0)
    big = (rng.random((900, 1400, 3)) * 255).astype(np.uint8)
    tall = (rng.random((1200, 500)) * 65535).astype(np.uint16)
    whole = grid([Tile(big, "a"), Tile(tall, "b")], 2, 128)
    early = grid([Tile(fit_tile(big, 128), "a"), Tile(fit_tile(tall, 128), "b")], 2, 128)
    assert whole.shape == early.shape and np.abs(whole.astype(int) - early.astype(int)).max() <= 1
