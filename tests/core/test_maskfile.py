"""The restorer's own damage mask as a file (core.restore.maskfile): beside the hints, a gray
PNG (white = damaged), written atomically, read leniently, checked against the photo."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.io.imageio import read_image, write_image
from colorstudio.core.restore.maskfile import (SUFFIX, MaskFileError, as_mask, mask_path, read_beside, read_mask,
                                               write_mask)


def _mask(h: int = 48, w: int = 64) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[10:12, 5:60] = True      # a scratch
    m[30, 30] = True           # a speck
    return m


def test_the_mask_lives_beside_its_hints_named_after_them(tmp_path):
    assert mask_path(tmp_path / "portrait.json") == tmp_path / f"portrait{SUFFIX}"
    assert mask_path(tmp_path / "portrait.hints.json").name == "portrait.hints.repair-mask.png"
    assert mask_path(tmp_path / "noext").name == "noext.repair-mask.png"


def test_write_then_read_round_trips_as_a_gray_png(tmp_path):
    m = _mask()
    p = write_mask(tmp_path / "a.repair-mask.png", m)
    img = read_image(p)
    assert img.dtype == np.uint8 and img.shape == m.shape and set(np.unique(img)) == {0, 255}
    np.testing.assert_array_equal(read_mask(p, (48, 64, 3)), m)
    assert [f.name for f in tmp_path.iterdir()] == ["a.repair-mask.png"]   # no temporary file left
    np.testing.assert_array_equal(read_beside(tmp_path / "a.json", (48, 64)), m)


def test_no_file_beside_the_hints_is_no_mask(tmp_path):
    assert read_beside(tmp_path / "none.json", (48, 64)) is None


def test_an_editors_mask_is_read_leniently():
    """Colour, 16-bit and anti-aliased edges: damaged where the brightest channel is past half."""
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)      # a red stroke counts
    rgb[1, 1] = (100, 100, 100)  # a dark anti-aliased edge does not
    rgb[2, 2] = (128, 128, 128)
    m = as_mask(rgb)
    assert m[0, 0] and not m[1, 1] and m[2, 2] and m.sum() == 2
    assert as_mask(np.array([[0, 40000]], np.uint16)).tolist() == [[False, True]]
    assert as_mask(np.array([[0.2, 0.9]], np.float32)).tolist() == [[False, True]]
    ga = np.zeros((2, 2, 2), np.uint8)
    ga[0, 0, 0] = 255
    assert as_mask(ga).sum() == 1     # gray + alpha: the alpha is ignored


def test_a_mask_of_another_size_is_one_line_naming_the_file(tmp_path):
    p = write_mask(tmp_path / "b.repair-mask.png", _mask(40, 50))
    with pytest.raises(MaskFileError) as e:
        read_mask(p, (48, 64))
    msg = str(e.value)
    assert "\n" not in msg and "b.repair-mask.png" in msg and "50x40" in msg and "64x48" in msg


def test_an_unreadable_mask_is_one_line(tmp_path):
    bad = tmp_path / "c.repair-mask.png"
    bad.write_bytes(b"not a png at all")
    with pytest.raises(MaskFileError) as e:
        read_beside(tmp_path / "c.json", (48, 64))
    assert "\n" not in str(e.value) and "c.repair-mask.png" in str(e.value)
    write_image(tmp_path / "d.repair-mask.png", np.zeros((48, 64), np.uint8))
    assert not read_beside(tmp_path / "d.json", (48, 64)).any()


def test_a_mask_must_be_one_plane():
    with pytest.raises(MaskFileError):
        write_mask("unused.png", np.zeros((4, 4, 3), bool))


def test_hints_saved_without_a_mask_forget_the_old_mask_file(tmp_path):
    from colorstudio.core.restore.maskfile import forget_beside, mask_path, read_beside, write_mask

    hints = tmp_path / "photo.json"
    write_mask(mask_path(hints), np.ones((4, 6), bool))
    assert read_beside(hints, (4, 6)) is not None
    assert forget_beside(hints) == mask_path(hints)
    assert read_beside(hints, (4, 6)) is None and forget_beside(hints) is None
    other = tmp_path / "photo.png"
    other.write_bytes(b"the user's photo")
    forget_beside(hints)
    assert other.read_bytes() == b"the user's photo"     # only the file this program names
