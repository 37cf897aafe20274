"""The damage mask saved beside a hint file mends a photo in ``colorize --hints`` as in the app
(issue 35): the same pixels as ``pipeline.colorize(repair_mask=)``, checked before any work."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.cli import main
from colorstudio.core import batch
from colorstudio.core.colorize.hintfile import read_hints, write_points
from colorstudio.core.io.imageio import read_image, write_image
from colorstudio.core.restore.maskfile import read_beside, write_mask
from repair_stand_ins import Gray, WhiteIsDamage

H, W = 40, 56


@pytest.fixture(scope="module")
def weights(tiny_weights):
    """A tiny random unet-gan checkpoint with its config in the metadata (conftest)."""
    return tiny_weights


@pytest.fixture
def scan(tmp_path):
    """A scratched print (a white line on a gradient), its hints and the damage mask saved with them."""
    img = np.tile(np.linspace(80, 150, W).astype(np.uint8), (H, 1))
    img[:, 20:22] = 255
    photo = write_image(tmp_path / "in" / "scan.png", img)
    hints = tmp_path / "h.json"
    write_points(hints, [(0.7, 0.5, (200, 60, 40))])
    mask = np.zeros((H, W), bool)
    mask[:, 19:23] = True
    write_mask(tmp_path / "h.repair-mask.png", mask)
    return photo, hints, mask


def cli(*args) -> int:
    return main([str(a) for a in args])


def test_the_cli_mends_with_the_saved_mask_as_the_app_does(tmp_path, weights, scan):
    """With --repair auto (the app's "Repair damage" ticked) the saved mask is mended with --
    the detector never runs on it, as in the app -- and the result is the app's to the pixel."""
    from colorstudio.cli.common import build_predictor
    from colorstudio.core.colorize import pipeline
    from colorstudio.models import spec

    if not spec("damage-unet").has_weights:
        pytest.skip("--repair auto needs the trained damage-unet weights")
    photo, hints, mask = scan
    out = tmp_path / "out"
    assert cli("colorize", photo, "-o", out, "--hints", hints, "--weights", weights, "--device", "cpu",
               "--size", "32", "-q", "--repair", "auto") == 0
    got = read_image(out / "scan.png")
    image = read_image(photo)
    app = pipeline.colorize(image, build_predictor("unet-gan", str(weights), "cpu"), 32, 1.0, read_hints(hints),
                            repair_mask=read_beside(hints, image.shape))
    np.testing.assert_array_equal(got, app.rgb)
    gray = got.astype(int).mean(axis=2)
    assert gray[:, 20:22].max() < 200   # the scratch is mended, not coloured


def test_without_repair_the_saved_mask_is_named_not_used(tmp_path, weights, scan, capsys):
    """As in the app with "Repair damage" unticked: the photo is coloured as it is, and one note
    says how to use the mask."""
    from colorstudio.cli.common import build_predictor
    from colorstudio.core.colorize import pipeline

    photo, hints, _ = scan
    out = tmp_path / "out"
    assert cli("colorize", photo, "-o", out, "--hints", hints, "--weights", weights, "--device", "cpu",
               "--size", "32", "-q") == 0
    assert "h.repair-mask.png beside the hints is not used: add --repair auto" in capsys.readouterr().err
    image = read_image(photo)
    app = pipeline.colorize(image, build_predictor("unet-gan", str(weights), "cpu"), 32, 1.0, read_hints(hints))
    np.testing.assert_array_equal(read_image(out / "scan.png"), app.rgb)


def test_a_damage_mask_of_another_size_is_a_usage_error(tmp_path, scan, capsys):
    photo, hints, _ = scan
    write_mask(tmp_path / "h.repair-mask.png", np.ones((30, 30), bool))
    assert cli("colorize", photo, "-o", tmp_path / "o1", "--hints", hints, "--repair", "auto") == 2
    err = capsys.readouterr().err
    assert "scan.png is 56x40 px, but h.repair-mask.png is 30x30" in err and len(err.strip().splitlines()) == 1
    write_mask(tmp_path / "h.repair-mask.png", np.ones((H, W), bool))
    assert cli("colorize", photo, "-o", tmp_path / "o2", "--hints", hints, "--smooth", "0.5", "--repair", "auto") == 2
    assert "h.repair-mask.png beside h.json" in capsys.readouterr().err
    (tmp_path / "h.repair-mask.png").write_bytes(b"not a png")
    assert cli("colorize", photo, "-o", tmp_path / "o3", "--hints", hints, "--repair", "auto") == 2
    assert "h.repair-mask.png" in capsys.readouterr().err
    assert not any((tmp_path / f"o{i}").exists() for i in (1, 2, 3))


def test_also_repair_mask_writes_the_saved_mask(tmp_path, weights, scan):
    """With --repair auto the repair-mask view is the saved mask, not the detector's."""
    from colorstudio.models import spec

    if not spec("damage-unet").has_weights:
        pytest.skip("--repair auto needs the trained damage-unet weights")
    photo, hints, mask = scan
    out = tmp_path / "out"
    assert cli("colorize", photo, "-o", out, "--hints", hints, "--weights", weights, "--device", "cpu",
               "--size", "32", "-q", "--repair", "auto", "--also", "repair-mask,before-after") == 0
    np.testing.assert_array_equal(read_image(out / "scan_repair_mask.png"), np.where(mask, 255, 0))
    before = read_image(out / "scan_before_after.png")[:, :W]
    assert before[:, 20:22].min() >= 250   # "before" is the scan with its damage
    assert cli("colorize", photo, "-o", tmp_path / "o2", "--hints", hints, "--also", "repair-mask") == 2


def test_the_batch_takes_the_given_mask_over_the_detector(tmp_path):
    """A detector beside a given mask lends its fill only: the mask mended is the one given."""
    img = np.full((64, 80), 110, np.uint8)
    img[:, 40:42] = 255                       # the detector would flag this scratch
    img[10:14, 10:14] = 60                    # the user marked this blot instead
    path = write_image(tmp_path / "scan.png", img)
    given = np.zeros((64, 80), bool)
    given[8:16, 8:16] = True
    events = list(batch.colorize_files([path], tmp_path / "out", Gray(), size=64, repairer=WhiteIsDamage(),
                                       repair_mask=given, extras=("repair-mask",)))
    assert [e.status for e in events] == ["done"]
    np.testing.assert_array_equal(read_image(tmp_path / "out" / "scan_repair_mask.png") > 0, given)
    out = read_image(tmp_path / "out" / "scan.png").astype(int)
    assert out[:, 40:42].min() >= 250 and np.abs(out[10:14, 10:14] - 110).max() <= 3
