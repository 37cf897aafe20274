"""Labelled contact sheets: a grid of equally sized tiles, each with a caption band.

Used by ``colorstudio-cli compare`` (one photo, several models) and by bench/models.py
(rows of held-out photos: input, each model, truth).  Pure numpy + OpenCV, 8-bit RGB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from colorstudio.core import color

BAND = 22            # caption band height in pixels (at font scale 0.45)
GAP = 4              # pixels between tiles
BACKGROUND = (32, 32, 32)


@dataclass(frozen=True)
class Tile:
    """One cell: an RGB (or gray) image of any dtype and a caption (may be empty)."""

    image: np.ndarray
    caption: str = ""


def to_rgb8(img: np.ndarray) -> np.ndarray:
    """Any image of the imageio conventions -> H x W x 3 uint8 (alpha dropped)."""
    a = np.asarray(img)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, 2)
    elif a.shape[2] == 2:
        a = np.repeat(a[:, :, :1], 3, 2)
    a = a[:, :, :3]
    if a.dtype != np.uint8:
        a = color.from_float01(color.to_float01(a), np.uint8)
    return np.ascontiguousarray(a)


def fit_tile(img: np.ndarray, height: int, width: int | None = None) -> np.ndarray:
    """Scale ``img`` to ``height`` rows (keeping its aspect), centred on a ``width`` canvas."""
    rgb = to_rgb8(img)
    h, w = rgb.shape[:2]
    nw = max(1, round(w * height / h))
    if width is not None and nw > width:       # too wide for the cell: fit the width instead
        height, nw = max(1, round(h * width / w)), width
    interp = cv2.INTER_AREA if height < h else cv2.INTER_CUBIC
    small = cv2.resize(rgb, (nw, height), interpolation=interp) if (nw, height) != (w, h) else rgb
    if width is None:
        return small
    cell = np.full((small.shape[0], width, 3), BACKGROUND, np.uint8)
    x0 = (width - nw) // 2
    cell[:, x0:x0 + nw] = small
    return cell


def _caption(text: str, width: int) -> np.ndarray:
    band = np.full((BAND, width, 3), BACKGROUND, np.uint8)
    font, scale, thick = cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1
    text = text.replace("\u2026", "...")      # Hershey fonts are ASCII

    def fits(t: str) -> bool:
        return cv2.getTextSize(t, font, scale, thick)[0][0] <= width - 6

    if not fits(text):                         # elide on the right: one line per caption
        while len(text) > 1 and not fits(text + "..."):
            text = text[:-1]
        text = text.rstrip() + "..."
    if text:
        cv2.putText(band, text, (4, BAND - 7), font, scale, (235, 235, 235), thick, cv2.LINE_AA)
    return band


def sheet(rows: Sequence[Sequence[Tile]], tile_height: int = 192, row_labels: Sequence[str] = ()) -> np.ndarray:
    """Rows of tiles -> one uint8 RGB image; every cell is as wide as the widest tile.

    ``row_labels`` (optional) are drawn in the first cell's caption when it has none.
    """
    rows = [list(r) for r in rows if len(r)]
    if not rows:
        raise ValueError("a contact sheet needs at least one tile")
    if tile_height < 16:
        raise ValueError(f"tile_height must be at least 16 pixels, got {tile_height}")
    width = max(max(1, round(t.image.shape[1] * tile_height / t.image.shape[0])) for r in rows for t in r)
    width = min(width, tile_height * 3)            # a panorama does not stretch every cell
    cols = max(len(r) for r in rows)
    cell_h = tile_height + BAND
    out = np.full((len(rows) * (cell_h + GAP) + GAP, cols * (width + GAP) + GAP, 3), BACKGROUND, np.uint8)
    for i, r in enumerate(rows):
        for j, t in enumerate(r):
            body = fit_tile(t.image, tile_height, width)
            y, x = GAP + i * (cell_h + GAP), GAP + j * (width + GAP)
            caption = t.caption or (row_labels[i] if j == 0 and i < len(row_labels) else "")
            out[y:y + BAND, x:x + width] = _caption(caption, width)
            oy = y + BAND + (tile_height - body.shape[0]) // 2
            out[oy:oy + body.shape[0], x:x + width] = body
    return out


def grid(tiles: Sequence[Tile], columns: int = 0, tile_height: int = 256) -> np.ndarray:
    """Tiles in reading order, ``columns`` per row (0: a near-square layout)."""
    tiles = list(tiles)
    if not tiles:
        raise ValueError("a contact sheet needs at least one tile")
    if columns <= 0:
        columns = int(np.ceil(np.sqrt(len(tiles))))
    return sheet([tiles[i:i + columns] for i in range(0, len(tiles), columns)], tile_height)
