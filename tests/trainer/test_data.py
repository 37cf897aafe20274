import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.color import palette
from trainer import data as tdata


def test_split_is_every_nth_per_folder(photo_dir):
    files = tdata.list_images(photo_dir)
    train, val = tdata.split_files(files, every=5)
    assert not set(train) & set(val) and len(train) + len(val) == len(files)
    for cls in ("alpha", "beta"):
        in_cls = sorted(f for f in files if f.parent.name == cls)
        assert [f for f in val if f.parent.name == cls] == in_cls[::5]


def test_grayscale_photos_are_skipped_and_counted(photo_dir):
    ds = tdata.PhotoDataset(tdata.list_images(photo_dir), 32)
    assert ds.report.skipped_gray == 3 and ds.report.used == 24 and len(ds) == 24


@pytest.mark.parametrize("cache", [True, False])
def test_photo_samples_are_normalised_lab_and_seeded(photo_dir, cache):
    ds = tdata.PhotoDataset(tdata.list_images(photo_dir), 32, cache=cache)
    l, ab = ds[(0, 7)]
    assert l.shape == (1, 32, 32) and ab.shape == (2, 32, 32) and l.dtype == np.float32
    assert -0.51 <= l.min() and l.max() <= 0.51 and np.abs(ab).max() < 1.2
    l2, ab2 = ds[(0, 7)]
    np.testing.assert_array_equal(l, l2)
    # centre crop of the un-augmented image equals the photo's own Lab
    lc, abc = ds[(0, -1)]
    lab = color.rgb_to_lab(tdata.read_rgb(ds.files[0]))[4:36, 4:36]
    np.testing.assert_allclose(color.denormalize_l(lc[0]), lab[:, :, 0], atol=0.1)


def test_augment_applies_same_transform_to_aligned_arrays():
    rng = np.random.default_rng(3)
    a = np.arange(40 * 40 * 2, dtype=np.float32).reshape(40, 40, 2)
    for seed in range(8):
        x, y = tdata.augment([a, a.copy()], 24, np.random.default_rng(seed))
        np.testing.assert_array_equal(x, y)
    assert rng is not None


def test_pairs_direction_and_label_snapping(facade_dir):
    files = tdata.list_images(facade_dir / "train")
    ds = tdata.PairDataset(files, 32, direction="BtoA", augment=False)
    x, y = ds[0]
    assert x.shape == y.shape == (3, 32, 32)
    lab_rgb = ((x.transpose(1, 2, 0) + 1) * 127.5).round().astype(np.uint8)
    assert set(map(tuple, lab_rgb.reshape(-1, 3))) <= set(map(tuple, palette.COLORS))
    ab = tdata.PairDataset(files, 32, direction="AtoB", augment=False)
    xa, ya = ab[0]
    np.testing.assert_allclose(xa, y, atol=1e-6)
    np.testing.assert_allclose(ya, x, atol=1e-6)


def test_missing_or_empty_folder_is_clear(tmp_path):
    with pytest.raises(tdata.DataError, match="not found"):
        tdata.list_images(tmp_path / "nope")
    with pytest.raises(tdata.DataError, match="no images"):
        tdata.list_images(tmp_path)


def test_a_photo_emptied_mid_run_is_replaced_not_fatal(tmp_path, photo_dir, caplog):
    """Issue 33, class 9: with cache=false a file emptied mid-epoch aborted the run with no checkpoint."""
    import shutil

    data = tmp_path / "d"
    shutil.copytree(photo_dir, data)
    ds = tdata.PhotoDataset(tdata.list_images(data), 32, cache=False)
    ds.files[0].write_bytes(b"")                                  # emptied after the start
    with caplog.at_level("WARNING"):
        l, ab = ds[(0, 3)]
        ds[(0, 4)]
    assert l.shape == (1, 32, 32)
    np.testing.assert_array_equal(ds.lab(0), ds.lab(1))           # the next photo in its place
    assert sum("unreadable since the run began" in r.getMessage() for r in caplog.records) == 1
    for f in ds.files:
        f.write_bytes(b"")
    with pytest.raises(tdata.DataError, match="none of the 24 training photos can be read"):
        ds.lab(0)
