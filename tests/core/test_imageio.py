import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from colorstudio.core.io import imageio
from colorstudio.core.io.imageio import ImageReadError, ImageWriteError, read_image, write_image


# ------------------------------------------------------------------ round trips

@pytest.mark.parametrize("ext, tol", [(".png", 0), (".tif", 0), (".bmp", 0), (".jpg", 12), (".webp", 12)])
def test_rgb_round_trip_all_formats(tmp_path, ext, tol, textured):
    img = textured(37, 53, seed=1)
    p = write_image(tmp_path / f"a{ext}", img)
    back = read_image(p)
    assert back.shape == img.shape and back.dtype == np.uint8
    assert np.abs(back.astype(int) - img).mean() <= max(tol / 4, 0)
    assert np.abs(back.astype(int) - img).max() <= tol or ext in (".jpg", ".webp")
    # RGB order (not OpenCV's BGR): a red image reads back red
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    assert read_image(write_image(tmp_path / f"r{ext}", red))[..., 0].min() > 240


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_16bit_kept(tmp_path, ext, textured):
    rgb = textured(20, 30, seed=2, dtype=np.uint16)
    gray = rgb[..., 0].copy()
    for img in (rgb, gray):
        back = read_image(write_image(tmp_path / f"x{ext}", img))
        assert back.dtype == np.uint16
        np.testing.assert_array_equal(back, img)


def test_16bit_to_jpeg_becomes_8bit(tmp_path):
    img = np.full((8, 8, 3), 65535, np.uint16)
    back = read_image(write_image(tmp_path / "x.jpg", img))
    assert back.dtype == np.uint8 and back.min() >= 250


def test_gray_rgba_and_gray_alpha(tmp_path, textured):
    gray = textured(16, 24, seed=3, channels=1)
    back = read_image(write_image(tmp_path / "g.png", gray))
    assert back.shape == (16, 24)
    np.testing.assert_array_equal(back, gray)
    rgba = np.dstack([textured(16, 24, seed=4), np.arange(24, dtype=np.uint8)[None].repeat(16, 0) * 10])
    np.testing.assert_array_equal(read_image(write_image(tmp_path / "a.png", rgba)), rgba)
    # gray + alpha (Pillow "LA") reads as RGBA with gray copied into R, G, B
    Image.fromarray(np.dstack([gray, rgba[..., 3]]), "LA").save(tmp_path / "la.png")
    la = read_image(tmp_path / "la.png")
    assert la.shape == (16, 24, 4)
    for c in range(3):
        np.testing.assert_array_equal(la[..., c], gray)
    np.testing.assert_array_equal(la[..., 3], rgba[..., 3])


def test_palette_expanded(tmp_path, textured):
    rgb = textured(20, 20, seed=5)
    pal = Image.fromarray(rgb).quantize(16)
    pal.save(tmp_path / "p.png")
    back = read_image(tmp_path / "p.png")
    assert back.shape == (20, 20, 3)
    np.testing.assert_array_equal(back, np.asarray(pal.convert("RGB")))
    pal.save(tmp_path / "pt.png", transparency=0)
    assert read_image(tmp_path / "pt.png").shape == (20, 20, 4)
    # GIF goes through Pillow
    pal.save(tmp_path / "p.gif")
    np.testing.assert_array_equal(read_image(tmp_path / "p.gif"), back)


def test_one_bit_and_float_tiff(tmp_path, textured):
    bw = Image.fromarray((textured(10, 10, seed=6, channels=1) > 128).astype(np.uint8) * 255).convert("1")
    bw.save(tmp_path / "b.png")
    back = read_image(tmp_path / "b.png")
    assert back.dtype == np.uint8 and set(np.unique(back)) <= {0, 255}
    f = textured(10, 12, seed=7, dtype=np.float32)
    fb = read_image(write_image(tmp_path / "f.tif", f))
    assert fb.dtype == np.float32
    np.testing.assert_allclose(fb, f)
    # float to PNG: 16 bit
    assert read_image(write_image(tmp_path / "f.png", f)).dtype == np.uint16


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF"])
def test_exif_orientation_applied(tmp_path, orientation, fmt):
    img = np.zeros((20, 40, 3), np.uint8)  # wide, with a bright top-left corner
    img[:6, :10] = 255
    img[:, 30:, 2] = 200
    pil = Image.fromarray(img)
    exif = Image.Exif()
    exif[0x0112] = orientation
    p = tmp_path / {"JPEG": "o.jpg", "PNG": "o.png", "TIFF": "o.tif"}[fmt]
    pil.save(p, fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {}))
    pil.save(tmp_path / "ref.png", exif=exif.tobytes())   # (OpenCV turns TIFFs itself: once, not twice)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "ref.png")).convert("RGB"))
    got = read_image(p)
    assert got.shape == expected.shape
    assert got.shape[:2] == ((40, 20) if orientation >= 5 else (20, 40))
    assert np.abs(got.astype(int) - expected).mean() < 3


# ------------------------------------------------------------------ errors

def _png_header_only(w: int, h: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_decompression_bomb_refused_from_header(tmp_path):
    p = tmp_path / "bomb.png"
    p.write_bytes(_png_header_only(100_000, 100_000))
    with pytest.raises(ImageReadError, match=r"100000x100000 .*over the limit") as ei:
        read_image(p)
    assert "\n" not in str(ei.value)


def test_pixel_limit_configurable(tmp_path, textured):
    p = write_image(tmp_path / "a.png", textured(30, 40))
    with pytest.raises(ImageReadError, match="COLORSTUDIO_MAX_PIXELS"):
        read_image(p, max_pixels=1000)
    assert read_image(p, max_pixels=None).shape == (30, 40, 3)
    assert read_image(p, max_pixels=1200).shape == (30, 40, 3)


def test_pixel_limit_from_environment(tmp_path, textured):
    import subprocess
    import sys

    p = write_image(tmp_path / "a.png", textured(30, 40))
    code = ("from colorstudio.core.io import imageio as m; import sys\n"
            "try: m.read_image(sys.argv[1])\nexcept m.ImageReadError as e: print('refused', e)")
    env = {**os.environ, "COLORSTUDIO_MAX_PIXELS": "500"}
    out = subprocess.run([sys.executable, "-c", code, str(p)], env=env, capture_output=True, text=True)
    assert out.stdout.startswith("refused") and "over the limit" in out.stdout


def test_larger_than_pillow_limit_allowed_when_configured(tmp_path):
    """Pillow's own bomb check must not override ours (and must be restored after)."""
    p = tmp_path / "big.png"
    p.write_bytes(_png_header_only(20_000, 10_000))  # 200 MP declared, tiny pixel data
    with pytest.raises(ImageReadError) as ei:
        read_image(p, max_pixels=300_000_000)
    assert "over the limit" not in str(ei.value)  # got past the size check; the data is short
    assert Image.MAX_IMAGE_PIXELS is not None


@pytest.mark.parametrize("make, match", [
    (lambda d: d / "missing.png", "file not found"),
    (lambda d: d, "is a folder"),
    (lambda d: (d / "e.png").write_bytes(b"") and d / "e.png" or d / "e.png", "empty"),
    (lambda d: (d / "t.txt").write_text("hello, not an image\n") and d / "t.txt", "not an image"),
    (lambda d: (d / "x.png").write_bytes(b"hello world" * 10) and d / "x.png", "not an image"),
])
def test_clear_errors(tmp_path, make, match):
    with pytest.raises(ImageReadError, match=match) as ei:
        read_image(make(tmp_path))
    assert "\n" not in str(ei.value)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif", ".bmp", ".webp"])
@pytest.mark.parametrize("frac", [0.2, 0.7])
def test_truncated_files(tmp_path, ext, frac, textured):
    p = write_image(tmp_path / f"full{ext}", textured(64, 64, seed=8))
    data = p.read_bytes()
    t = tmp_path / f"trunc{ext}"
    t.write_bytes(data[: int(len(data) * frac)])
    with pytest.raises(ImageReadError, match="truncated|damaged") as ei:
        read_image(t)
    assert "\n" not in str(ei.value) and str(t) in str(ei.value)


def test_jpeg_with_trailing_data_is_fine(tmp_path, textured):
    p = write_image(tmp_path / "a.jpg", textured(16, 16))
    p.write_bytes(p.read_bytes() + b"\0trailer" * 100)
    assert read_image(p).shape == (16, 16, 3)


# ------------------------------------------------------------------ writing

def test_write_is_atomic_and_leaves_no_temp(tmp_path, textured):
    p = write_image(tmp_path / "sub" / "a.png", textured(8, 8))
    assert p.exists() and sorted(q.name for q in p.parent.iterdir()) == ["a.png"]


def test_protect_refuses_inputs_even_via_other_paths(tmp_path, textured):
    src = write_image(tmp_path / "in.png", textured(8, 8))
    before = src.read_bytes()
    other = tmp_path / "link.png"
    os.link(src, other)
    for target in (src, tmp_path / "." / "in.png", other):
        with pytest.raises(ImageWriteError, match="refusing to overwrite an input"):
            write_image(target, np.zeros((8, 8, 3), np.uint8), protect=[src])
    assert src.read_bytes() == before
    write_image(tmp_path / "out.png", textured(8, 8), protect=[src])  # others are fine


def test_unwritable_folder_is_clear(tmp_path, textured):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ImageWriteError, match="cannot write") as ei:
        write_image(f / "out.png", textured(8, 8))
    assert "\n" not in str(ei.value)


def test_unknown_extension_and_bad_arrays(tmp_path, textured):
    with pytest.raises(ImageWriteError, match="unsupported output format"):
        write_image(tmp_path / "a.xyz", textured(8, 8))
    with pytest.raises(ImageWriteError, match="shape"):
        write_image(tmp_path / "a.png", np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(ImageWriteError, match="type"):
        write_image(tmp_path / "a.png", np.zeros((4, 4), np.int64))
    for ext in (".png", ".jpg"):
        with pytest.raises(ImageWriteError, match="empty"):
            write_image(tmp_path / f"e{ext}", np.zeros((0, 4, 3), np.uint8))
    assert not list(tmp_path.iterdir())   # nothing half-written left behind


def test_rgba_to_jpeg_composited_on_white(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)  # fully transparent black
    back = read_image(write_image(tmp_path / "a.jpg", rgba))
    assert back.shape == (8, 8, 3) and back.min() > 245


def test_is_image_file_and_natural_sort():
    assert imageio.is_image_file("a.JPG") and imageio.is_image_file("b.tiff")
    assert not imageio.is_image_file("c.txt") and not imageio.is_image_file("d.mp4")
    names = ["img10.png", "img2.png", "img1.png", "Img3.png"]
    assert sorted(names, key=imageio.natural_key) == ["img1.png", "img2.png", "Img3.png", "img10.png"]


def test_one_format_table_gives_every_suffix_set_and_dialog_filter():
    from colorstudio.core.io import formats
    from colorstudio.core.batch import frames

    assert imageio.IMAGE_EXTENSIONS is formats.IMAGE_EXTENSIONS and frames.is_video_file is formats.is_video_file
    assert formats.image_filter(named=True, all_files=True) == (
        "Images (*.png *.jpg *.jpeg *.jpe *.tif *.tiff *.bmp *.webp *.gif);;All files (*)")
    assert "*.gif" not in formats.image_filter() and ".gif" not in imageio.IMAGE_EXTENSIONS  # named only
    assert formats.image_filter(write=True) == "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp)"
    assert set(imageio.WRITE_FORMATS) <= imageio.IMAGE_EXTENSIONS
    assert formats.video_filter().startswith("Videos (*.mp4 *.m4v") and "*.ogv" in formats.video_filter()
    assert set(formats.WRITABLE_VIDEO) <= formats.VIDEO_EXTENSIONS
