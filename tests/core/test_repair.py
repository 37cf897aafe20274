"""The repair of old prints (core.restore.repair): tiled detection, tiled fill, one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.restore import repair


class _Bright:
    """A stand-in detector: logits > 0 where the lightness is above 90 (a white scratch)."""

    def __init__(self):
        self.shapes = []

    def run(self, x, method="forward"):
        self.shapes.append(x.shape)
        L = color.denormalize_l(x)
        return (L - 90.0).astype(np.float32)


def _photo(h=150, w=230):
    yy, xx = np.mgrid[0:h, 0:w]
    return (40 + 10 * np.sin(xx / 9.0) + 10 * np.cos(yy / 7.0)).astype(np.float32)


def test_detection_is_seamless_across_tiles_and_pads_to_16():
    L = _photo()
    L[:, 100:102] = 99.0
    det = _Bright()
    prob = repair.detect(det, L, tile=96, overlap=16)
    assert prob.shape == L.shape
    assert all(s[2] % 16 == 0 and s[3] % 16 == 0 for s in det.shapes) and len(det.shapes) > 1
    assert (prob[:, 100:102] > 0.5).all() and (prob[:, :98] < 0.5).all()


def test_fill_mends_a_scratch_and_leaves_the_rest_untouched():
    clean = _photo()
    L = clean.copy()
    L[:, 100:102] = 99.0
    for method in repair.FILLS:
        r = repair.repair(_Bright(), L, method=method)
        inside = r.mask
        assert np.abs(r.L[:, 100:102] - clean[:, 100:102]).mean() < 0.2 * np.abs(L - clean)[:, 100:102].mean()
        assert np.array_equal(r.L[~inside], L[~inside])


def test_tiled_fill_equals_one_tile_away_from_tile_edges():
    clean = _photo(300, 300)
    mask = np.zeros(clean.shape, bool)
    mask[140:160, 50:52] = True
    L = np.where(mask, 99.0, clean).astype(np.float32)
    whole = repair.fill(L, mask, tile=4096)
    tiled = repair.fill(L, mask, tile=128)
    assert np.abs(whole - tiled).max() < 1.0


def test_no_damage_changes_nothing():
    L = _photo()
    r = repair.repair(_Bright(), L)
    assert not r.mask.any() and np.array_equal(r.L, L)


def test_a_mask_of_another_size_or_an_unknown_fill_is_one_line():
    L = _photo()
    with pytest.raises(repair.RepairError, match="mask is 10x20 px, the photo 230x150"):
        repair.repair(None, L, mask=np.zeros((20, 10), bool))
    with pytest.raises(repair.RepairError, match="unknown fill 'blur'"):
        repair.fill(L, np.zeros(L.shape, bool), method="blur")
    assert "\n" not in str(repair.RepairError("x"))


@pytest.mark.parametrize("layout", ["gray8", "rgba16", "gray-alpha-float"])
def test_repair_image_keeps_dtype_layout_and_alpha(layout):
    clean = _photo()
    if layout == "gray8":
        img = (clean * 2.55).astype(np.uint8)
        img[:, 100:102] = 255
    elif layout == "rgba16":
        g = (clean * 655.35).astype(np.uint16)
        img = np.dstack([g, g, g, np.full_like(g, 40000)])
        img[:, 100:102, :3] = 65535
    else:
        g = (clean / 100.0).astype(np.float32)
        img = np.dstack([g, np.full_like(g, 0.5)])
        img[:, 100:102, 0] = 1.0
    out, r = repair.repair_image(_Bright(), img)
    assert out.dtype == img.dtype and out.shape == img.shape
    assert r.mask[:, 100:102].all()
    colour = out if out.ndim == 2 else out[:, :, 0]
    top = float(np.iinfo(img.dtype).max) if img.dtype.kind == "u" else 1.0
    assert colour[:, 100:102].astype(float).mean() < 0.8 * top
    if out.ndim == 3:
        assert np.array_equal(out[:, :, -1], img[:, :, -1])     # alpha untouched
