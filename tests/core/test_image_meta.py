"""A saved result keeps its input's DPI, EXIF and RGB ICC profile where the format can
hold them (issue 19, item 19): a 600-dpi scan stays a 600-dpi print."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageCms

from colorstudio.core.io import image_meta
from colorstudio.core.io.imageio import read_image, write_image

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
GRAY = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()   # any non-RGB space


def _scan(tmp_path, fmt: str = "TIFF", orientation: int = 6, icc: bytes = SRGB):
    """A gray 'scan' at 600 dpi with a camera make, an orientation and a profile."""
    gray = np.tile(np.linspace(0, 255, 48, dtype=np.uint8), (32, 1))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "ScanCo"
    path = tmp_path / {"TIFF": "scan.tif", "JPEG": "scan.jpg", "PNG": "scan.png"}[fmt]
    Image.fromarray(gray).convert("RGB").save(path, fmt, dpi=(600, 600), exif=exif.tobytes(), icc_profile=icc)
    return path


@pytest.mark.parametrize("src_fmt", ["TIFF", "JPEG", "PNG"])
@pytest.mark.parametrize("out", ["png", "jpg", "tif", "webp"])
def test_dpi_exif_and_profile_reach_every_output(tmp_path, src_fmt, out):
    src = _scan(tmp_path, src_fmt)
    meta = image_meta.read_meta(src)
    colour = read_image(src).copy()
    colour[..., 0] = 200                  # a "colorized" result
    dst = write_image(tmp_path / f"out.{out}", colour, meta=meta)
    with Image.open(dst) as im:
        exif = im.getexif()
        assert exif.get(0x010F) == "ScanCo"
        assert exif.get(0x0112, 1) == 1   # pixels are upright already: no second turn in a viewer
        assert im.info.get("icc_profile") == SRGB
        if out != "webp":                 # WebP has no resolution field
            assert im.info["dpi"] == pytest.approx((600, 600), abs=0.01)
        for tag in (256, 257, 273, 279):  # the TIFF input's own pixel layout is not copied
            assert tag not in exif or out == "tif"
    got = read_image(dst)
    assert got.shape == colour.shape and abs(int(got[..., 0].mean()) - 200) <= 2


def test_sixteen_bit_tiff_keeps_the_dpi(tmp_path):
    meta = image_meta.read_meta(_scan(tmp_path))
    img = np.full((8, 8, 3), 40000, np.uint16)
    dst = write_image(tmp_path / "out.tif", img, meta=meta)
    assert read_image(dst).dtype == np.uint16
    with Image.open(dst) as im:
        assert im.info["dpi"] == pytest.approx((600, 600), abs=0.01)


def test_a_gray_or_broken_profile_is_not_put_on_a_colour_result(tmp_path):
    meta = image_meta.read_meta(_scan(tmp_path, "JPEG", icc=GRAY))
    assert meta.icc is None and meta.dpi == (600, 600)
    assert image_meta._rgb_profile(b"junk") is None


def test_files_without_facts_write_as_before(tmp_path):
    plain = tmp_path / "plain.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(plain)
    assert not image_meta.read_meta(plain)
    assert not image_meta.read_meta(tmp_path / "missing.png")
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff garbage")
    assert not image_meta.read_meta(tmp_path / "bad.jpg")
