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
    for method in repair.CLASSICAL:
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
        img = color.l_to_u8(clean, rounded=False)
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


class _Inpainter:
    """A stand-in learned fill: the mean of the intact pixels of its tile in every hole.
    It records what it was given (shapes, blanked holes)."""

    class model:   # what the fill reads of the network: its sides' multiple
        multiple = 8

    def __init__(self):
        self.inputs = []

    def run(self, x, method="forward"):
        self.inputs.append(x.copy())
        l, holes = x[:, :1], x[:, 1:2] > 0.5
        return np.where(holes, l[~holes].mean(), l).astype(np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.uint16])
def test_learned_fill_keeps_every_unmasked_pixel_and_visits_only_masked_tiles(dtype):
    L = _photo(300, 300)
    plane = L if dtype == np.float32 else (L / 100 * np.iinfo(dtype).max).astype(dtype)
    mask = np.zeros(L.shape, bool)
    mask[20:40, 30:32] = True           # one crack, in the first tile
    plane = plane.copy()
    plane[mask] = np.array(99 if dtype == np.float32 else np.iinfo(dtype).max, dtype)
    net = _Inpainter()
    out = repair.fill(plane, mask, "learned", tile=256, inpainter=net)   # tiles of 160 px + margins
    assert out.dtype == plane.dtype and np.array_equal(out[~mask], plane[~mask])   # bit-exact
    assert len(net.inputs) == 1                                     # one tile holds the crack
    x = net.inputs[0]
    assert x.shape[:2] == (1, 2) and x.shape[2] % 8 == 0 and x.shape[3] % 8 == 0
    holes = x[0, 1] > 0.5
    assert holes.sum() == mask.sum() and (x[0, 0][holes] == 0).all()   # the damage is not shown to the net
    top = 100.0 if dtype == np.float32 else np.iinfo(dtype).max
    assert np.abs(out[mask].astype(float) / top - 0.45).max() < 0.2    # mended toward the tile's gray
    assert np.array_equal(repair.fill(plane, np.zeros_like(mask), "learned", inpainter=net), plane)
    assert len(net.inputs) == 1                                     # no damage: no tile visited


def test_learned_fill_without_an_inpainter_is_one_line():
    L = _photo()
    mask = np.zeros(L.shape, bool)
    for call in (lambda: repair.fill(L, mask, "learned"),
                 lambda: repair.repair(_Bright(), L, method="learned"),
                 lambda: repair.repair_image(_Bright(), color.l_to_u8(L, rounded=False), method="learned")):
        with pytest.raises(repair.RepairError, match="learned fill needs an inpainter") as err:
            call()
        assert "\n" not in str(err.value)


@pytest.mark.parametrize("layout", ["gray8", "rgb8", "rgba16", "gray-alpha-float"])
def test_learned_repair_image_mends_only_the_mask_in_its_own_layout(layout):
    clean = _photo()
    g01 = clean / 100.0
    if layout == "gray8":
        img = (g01 * 255).astype(np.uint8)
    elif layout == "rgb8":
        img = (np.dstack([g01, g01 * 0.8, g01 * 0.6]) * 255).astype(np.uint8)
    elif layout == "rgba16":
        g = (g01 * 65535).astype(np.uint16)
        img = np.dstack([g, g, g, np.full_like(g, 40000)])
    else:
        img = np.dstack([g01, np.full_like(g01, 0.5)]).astype(np.float32)
    mask = np.zeros(clean.shape, bool)
    mask[:, 100:102] = True
    img[mask] = np.array(1.0, img.dtype) if img.dtype.kind == "f" else np.iinfo(img.dtype).max
    net = _Inpainter()
    out, r = repair.repair_image(None, img, method="learned", mask=mask, inpainter=net)
    assert out.dtype == img.dtype and out.shape == img.shape and net.inputs
    assert np.array_equal(out[~mask], img[~mask])                    # alpha and every intact pixel
    top = float(np.iinfo(img.dtype).max) if img.dtype.kind == "u" else 1.0
    first = out if out.ndim == 2 else out[:, :, 0]
    assert first[mask].astype(float).mean() < 0.8 * top              # the white crack is gone
    if layout == "rgba16":
        rgb = out[mask][:, :3].astype(float)
        assert np.abs(rgb - rgb.mean(1, keepdims=True)).max() < 0.002 * top   # a gray stays gray (chroma by Telea)


def test_learned_fill_runs_a_real_inpaint_unet_on_both_backends(monkeypatch, tmp_path):
    """The registered family behind a Predictor: torch, and ONNX Runtime (its exported copy)."""
    pytest.importorskip("onnxruntime")
    import torch

    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    monkeypatch.setenv("COLORSTUDIO_CACHE_DIR", str(tmp_path))
    torch.manual_seed(0)
    model = create("inpaint-unet", weights=False, widths=[4, 4, 8, 8], dilations=[2])
    torch.nn.init.normal_(model.head.weight, 0, 0.1)   # not the untrained identity
    L = _photo(70, 90)
    mask = np.zeros(L.shape, bool)
    mask[30:34, 10:80] = True
    outs = []
    for backend in ("torch", "onnxruntime"):
        pred = Predictor(model, "cpu", backend=backend)
        assert pred.backend == backend
        out = repair.fill(L, mask, "learned", inpainter=pred)
        assert np.array_equal(out[~mask], L[~mask]) and np.isfinite(out).all()
        outs.append(out)
    assert np.abs(outs[0] - outs[1]).max() < 1e-2


def test_a_mender_carries_its_fill_to_every_repair():
    """``--fill``: the detector with its fill (``Mender``) runs as the detector, and repair,
    repair_image and the film repair mend with its fill unless told otherwise."""
    from colorstudio.core.restore import temporal

    L = _photo()
    L[60:62, 20:200] = 99.0                                  # a white scratch
    u8 = color.l_to_u8(L, rounded=False)
    net = _Inpainter()
    mender = repair.Mender(_Bright(), "learned", net)
    assert mender.run is not None and isinstance(mender.detector, _Bright)
    out, r = repair.repair_image(mender, u8)
    assert net.inputs and r.mask[60:62, 20:200].all()         # the learned fill ran
    learned = len(net.inputs)
    telea, _ = repair.repair_image(mender, u8, method="telea")   # told otherwise
    assert len(net.inputs) == learned and not np.array_equal(telea, out)
    np.testing.assert_array_equal(repair.repair(mender, L).mask, r.mask)
    assert len(net.inputs) > learned
    mended, _, _ = temporal.repair_frame(mender, u8, None, None)
    np.testing.assert_array_equal(mended, out)
    with pytest.raises(repair.RepairError, match="learned fill needs an inpainter"):
        repair.Mender(_Bright(), "learned")
    with pytest.raises(repair.RepairError, match="unknown fill"):
        repair.Mender(_Bright(), "blur")
