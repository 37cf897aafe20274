import numpy as np
import pytest

from colorstudio.core.color import palette


def test_twelve_classes_distinct_colours():
    assert palette.NUM_CLASSES == 12 == len(palette.COLORS) == len(palette.CMP_JET_COLORS)
    assert len({tuple(c) for c in palette.COLORS}) == 12
    assert tuple(palette.COLORS[0]) == (0, 0, 222) and tuple(palette.COLORS[11]) == (174, 0, 1)


def test_ids_round_trip(rng):
    ids = rng.integers(0, 12, (20, 30))
    rgb = palette.labels_to_rgb(ids)
    assert rgb.shape == (20, 30, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(palette.rgb_to_labels(rgb), ids)
    # the CMP jet palette maps to the same ids
    np.testing.assert_array_equal(palette.rgb_to_labels(palette.labels_to_rgb(ids, palette.CMP_JET_COLORS)), ids)


def test_snap_removes_jpeg_noise(rng):
    ids = rng.integers(0, 12, (16, 16))
    clean = palette.labels_to_rgb(ids)
    noisy = np.clip(clean.astype(int) + rng.integers(-6, 7, clean.shape), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(palette.snap(noisy), clean)


def test_errors():
    with pytest.raises(ValueError):
        palette.labels_to_rgb(np.array([[12]]))
    with pytest.raises(ValueError):
        palette.rgb_to_labels(np.zeros((4, 4), np.uint8))


def test_off_palette_share_tells_label_maps_from_photos():
    import cv2
    import numpy as np

    from colorstudio.core.color import palette

    rng = np.random.default_rng(0)
    ids = cv2.resize(rng.integers(0, palette.NUM_CLASSES, (8, 8)).astype(np.uint8), (64, 64),
                     interpolation=cv2.INTER_NEAREST)
    label = palette.labels_to_rgb(ids)
    noisy = np.clip(label.astype(int) + rng.integers(-12, 13, label.shape), 0, 255).astype(np.uint8)  # JPEG-ish
    assert palette.off_palette_share(label) == 0.0 and palette.off_palette_share(noisy) < 0.05
    photo = cv2.GaussianBlur(rng.integers(60, 200, (64, 64, 3)).astype(np.uint8), (9, 9), 3)
    assert palette.off_palette_share(photo) > 0.9
