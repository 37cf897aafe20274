"""The batch mends each scan before colouring it when given a damage detector (issue 31)."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core import batch
from colorstudio.core.io import imageio
from repair_stand_ins import Gray, WhiteIsDamage




def test_repair_mends_the_result_and_writes_the_mask(tmp_path):
    img = np.full((64, 80), 110, np.uint8)
    img[:, 40:42] = 255
    imageio.write_image(tmp_path / "scan.png", img)
    events = list(batch.colorize_files([tmp_path / "scan.png"], tmp_path / "out", Gray(), size=64,
                                       repairer=WhiteIsDamage(), extras=("repair-mask",)))
    assert [e.status for e in events] == ["done"]
    out = imageio.read_image(tmp_path / "out" / "scan.png")
    mask = imageio.read_image(tmp_path / "out" / "scan_repair_mask.png")
    assert mask[:, 40:42].min() == 255 and mask[:, :38].max() == 0
    assert np.abs(out[:, 40:42].astype(int) - 110).max() <= 3          # the scratch is gone
    assert np.abs(out[:, :38].astype(int) - 110).max() <= 1            # the rest is the scan's


def test_a_mask_view_without_the_repair_is_refused():
    with pytest.raises(ValueError, match="repair-mask view needs the repair on"):
        list(batch.colorize_files([], "out", Gray(), extras=("repair-mask",)))


def test_before_after_shows_the_damaged_scan_beside_the_mended_result(tmp_path):
    img = np.full((64, 80), 110, np.uint8)
    img[:, 40:42] = 255
    imageio.write_image(tmp_path / "scan.png", img)
    list(batch.colorize_files([tmp_path / "scan.png"], tmp_path / "out", Gray(), size=64,
                              repairer=WhiteIsDamage(), extras=("before-after",)))
    pair = imageio.read_image(tmp_path / "out" / "scan_before_after.png")
    before, after = pair[:, :80], pair[:, -80:]
    assert before[:, 40:42].min() >= 250                 # the scratch, as scanned
    assert np.abs(after[:, 40:42].astype(int) - 110).max() <= 3   # mended


def test_every_frame_of_a_video_is_mended(tmp_path):
    from colorstudio.core.batch import frames

    clip = []
    for i in range(4):
        f = np.full((64, 96, 3), 110, np.uint8)
        f[:, 40 + i:42 + i] = 255                     # a scratch that wanders along the film
        clip.append(f)
    src = frames.write_video(clip, tmp_path / "scan.mp4", 12.0)
    events = list(frames.colorize_video(src, tmp_path / "out" / "scan.mp4", Gray(), size=64,
                                        repairer=WhiteIsDamage()))
    assert events[-1].kind == "video" and events[-1].status == "done"
    done = sorted((tmp_path / "out" / "scan_frames").glob("*.png"))
    assert len(done) == 4
    for i, path in enumerate(done):
        out = imageio.read_image(path)
        gray = out if out.ndim == 2 else out[:, :, 0]
        assert gray[:, 40 + i:42 + i].max() < 200, i      # no white line left (H.264 softens it a little)
