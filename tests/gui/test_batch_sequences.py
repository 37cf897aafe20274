"""The Batch tab on image sequences (issue 36, item 4): real EXR and 16-bit TIFF frames made by
OpenImageIO, a pattern typed, picked from one frame or dropped, a frame range by the
sequence's own numbers, colour spaces, each mistake one message with nothing run, and a run
sent to a real local Dask scheduler (2 worker processes)."""

from __future__ import annotations

import functools
import json
import os
import socket
import sys

import numpy as np
import pytest

from colorstudio.gui.predictors import PredictorCache
from colorstudio.gui.tabs.batch.page import BatchPanel
from guitest_helpers import tiny_loader

pytest.importorskip("OpenImageIO")
pytest.importorskip("PyOpenColorIO")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "core"))
from sequence_files import make_sequence, native  # noqa: E402

NUMBERS = (1001, 1002, 1003, 1005, 1006)   # 1004 missing: a gap, shown and kept
# The frames are compared bit for bit with the core's: every network runs on torch (with 'auto'
# each predictor times ONNX Runtime against torch and may pick either, a few ulps apart).
BACKEND = {"COLORSTUDIO_BACKEND": "torch"}


@pytest.fixture(autouse=True)
def _one_backend(monkeypatch):
    for k, v in BACKEND.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def panel(qtbot, entries):
    p = BatchPanel(PredictorCache(loader=tiny_loader))
    qtbot.addWidget(p)
    p.set_entries(*entries, model="unet-gan")
    p.resize(1100, 800)
    p.show()
    yield p
    p.shutdown()


@pytest.fixture
def messages(panel):
    said: list[tuple[str, str]] = []
    panel.message.connect(lambda text, level: said.append((text, level)))
    return said


def _run(qtbot, panel, timeout: int = 60000) -> dict:
    with qtbot.waitSignal(panel.runFinished, timeout=timeout) as b:
        assert panel.start() is not None
    return b.args[0]


def _frames(folder, suffix: str) -> dict:
    return {p.name: native(p) for p in sorted(folder.glob("shot.*" + suffix))}


def _core_run(folder, pattern: str, out, frames=None, smooth: float = 0.0) -> dict:
    """The same range through the core calls the CLI makes, with the same tiny network."""
    from colorstudio.core.batch import ranges, sequences, shards
    from colorstudio.core.io import sequence

    seq = sequence.find(folder / pattern)
    shot = shards.Shot(sequence=seq, colour=sequences.plan_colour(seq))
    plan = shards.plan_range(shot, frames=ranges.parse_frames(frames, 0) if frames else None, smooth=smooth)
    for _ in shards.colorize_range(shot, out, tiny_loader("unet-gan"), plan, smooth=smooth):
        pass
    return _frames(out, "." + sequence.parse(pattern).suffix.lstrip("."))


def test_an_exr_sequence_typed_runs_here_with_its_numbers_kept(qtbot, panel, messages, tmp_path):
    make_sequence(tmp_path / "plates", "exr-half", NUMBERS)
    panel.input_box.pattern.setText(str(tmp_path / "plates" / "shot.%04d.exr"))
    panel.input_box.pattern.returnPressed.emit()
    assert panel.input_paths() == [tmp_path / "plates" / "shot.####.exr"] and not messages
    box = panel.sequence_box
    assert box.isVisible() and box.info.text() == "shot.####.exr: 5 frames, 1001-1006"
    assert box.gaps.text() == "1 missing: 1004" and box.frames.placeholderText() == "all (1001-1006)"
    assert panel.fmt.currentText() == "exr" and [panel.fmt.itemText(i) for i in range(panel.fmt.count())] == \
        ["exr", "dpx", "tif", "png"]
    assert box.space_in.findText("ACEScg") > 0 and box.space_in.value() is None
    panel.set_output_dir(tmp_path / "out")
    counts = _run(qtbot, panel)
    assert counts["done"] == 5 and counts["failed"] == 0 and not counts["cancelled"]
    got = _frames(tmp_path / "out", ".exr")
    assert sorted(got) == [f"shot.{n}.exr" for n in NUMBERS] and all(a.dtype == np.float16 for a in got.values())
    want = _core_run(tmp_path / "plates", "shot.####.exr", tmp_path / "core")
    assert all(np.array_equal(got[k], want[k]) for k in want)   # what `colorize PATTERN` writes, bit for bit
    log = panel.log.toPlainText()
    assert "warning: shot.####.exr: 1 frame missing (1004); the others keep their numbers" in log
    assert "shot.####.exr: 5 frames (1001-1006), ACEScg -> ACEScg, written as EXR" in log
    assert panel.thumbs.count() >= 1 and panel.progress.value() == panel.progress.maximum() == 5


def test_a_frame_range_of_a_tiff_sequence_is_honoured_and_resumes(qtbot, panel, tmp_path):
    make_sequence(tmp_path / "scans", "tif-16", NUMBERS)
    assert panel.set_sequence(str(tmp_path / "scans" / "shot.####.tif"))
    assert panel.fmt.currentText() == "tif"
    panel.set_output_dir(tmp_path / "out")
    panel.smooth.setChecked(True)
    panel.sequence_box.set_frames("1003-1005")
    counts = _run(qtbot, panel)
    assert counts["done"] == 2 and panel.progress.maximum() == 2
    got = _frames(tmp_path / "out", ".tif")
    assert sorted(got) == ["shot.1003.tif", "shot.1005.tif"] and got["shot.1003.tif"].dtype == np.uint16
    manifest = json.loads((tmp_path / "out" / ".colorstudio-frames-001003-001005.json").read_text())
    assert manifest["frames"] == [1003, 1005] and manifest["overlap"] == [1001, 1002] and manifest["complete"]
    want = _core_run(tmp_path / "scans", "shot.####.tif", tmp_path / "core", "1003-1005", smooth=0.7)
    assert all(np.array_equal(got[k], want[k]) for k in want)   # the overlap computed as the CLI does
    assert "frames 1003-1005 (2 of 5) (after frames 1001-1002, computed" in panel.log.toPlainText()
    # The whole sequence next: the range's frames are kept (a rerun resumes), the others written.
    panel.sequence_box.set_frames("")
    counts = _run(qtbot, panel)
    assert counts["skipped"] == 2 and counts["done"] == 3
    assert sorted(_frames(tmp_path / "out", ".tif")) == [f"shot.{n}.tif" for n in NUMBERS]


def test_picked_or_dropped_frames_offer_their_sequence(qtbot, panel, messages, tmp_path):
    exr = make_sequence(tmp_path / "exr", "exr-half", NUMBERS)
    panel.input_box.frame_picked(str(exr[1]))            # Sequence…: one frame chosen
    assert panel.sequence_pattern() == str(tmp_path / "exr" / "shot.####.exr")
    panel.clear_inputs()
    assert panel.takes_paths([exr[0]], shown=False)       # an EXR frame dropped on another tab comes here
    panel.add_inputs(exr[:2])                             # EXR frames are no photos: the sequence is meant
    assert panel.sequence_pattern() == str(tmp_path / "exr" / "shot.####.exr")
    tif = make_sequence(tmp_path / "tif", "tif-16", NUMBERS)
    panel.add_inputs(tif[2:3])                            # a 16-bit TIFF frame: added, the sequence offered
    assert panel.input_paths() == [tif[2]] and panel.input_box.offer.isVisible()
    assert "shot.####.tif (5 frames, 1001-1006)" in panel.input_box.offer_text.text()
    panel.input_box.offer_button.click()
    assert panel.sequence_pattern() == str(tmp_path / "tif" / "shot.####.tif")
    assert not panel.input_box.offer.isVisible() and panel.fmt.currentText() == "tif"
    lone = tmp_path / "lone" / "plate.exr"
    lone.parent.mkdir()
    lone.write_bytes(exr[0].read_bytes())
    panel.input_box.frame_picked(str(lone))
    assert "plate.exr is not a frame of a numbered image sequence" in messages[-1][0]


def test_bad_sequence_input_is_one_message_and_nothing_runs(qtbot, panel, messages, tmp_path, monkeypatch):
    make_sequence(tmp_path / "plates", "exr-half", NUMBERS)
    out = tmp_path / "out"
    panel.set_output_dir(out)
    panel.input_box.pattern.setText(str(tmp_path / "plates" / "take.####.exr"))
    panel.input_box.pattern.returnPressed.emit()
    assert messages[-1][0].endswith("take.####.exr: no file matches this pattern in " + str(tmp_path / "plates") + ".")
    assert panel.input_paths() == []
    assert panel.set_sequence(str(tmp_path / "plates" / "shot.####.exr"))

    def refused(contains: str) -> None:
        n = len(messages)
        assert panel.start() is None
        assert len(messages) == n + 1 and contains in messages[-1][0], messages[-1]
        assert not panel.is_busy() and not out.exists()

    panel.sequence_box.set_frames("990-1002")
    refused("Frames 990-1002 are outside the sequence: it has frames 1001-1006.")
    panel.sequence_box.set_frames("1004")
    refused("Frames 1004-1004 are all missing from the sequence")
    panel.sequence_box.set_frames("1003-1001")
    refused("Frame range 1003-1001 ends before it starts.")
    panel.sequence_box.set_frames("1001-1003")
    panel.sequence_box.space_in.set_value("Kodak 5219")
    refused("Unknown colour space 'Kodak 5219'; valid names include 'ACEScg'")
    panel.sequence_box.space_in.set_value(None)
    panel.output_box.scheduler.setText("my farm")
    refused("'my farm' is not a Dask scheduler's address: give tcp://HOST:PORT")
    panel.output_box.scheduler.clear()
    panel.repair.setEnabled(True)
    panel.repair.setChecked(True)
    panel.options.detector = "damage-unet"
    refused("Repair damage mends photos, videos and frame folders, not image sequences")
    panel.repair.setChecked(False)
    monkeypatch.setitem(sys.modules, "OpenImageIO", None)   # the vfx extra missing: EXR needs OpenImageIO
    refused("EXR sequences (shot.####.exr) need OpenImageIO, which is not installed: pip install 'colorstudio[vfx]'")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_one_message_and_nothing_runs(qtbot, panel, messages, tmp_path):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    make_sequence(tmp_path / "plates", "exr-half", NUMBERS[:2])
    panel.set_sequence(str(tmp_path / "plates" / "shot.####.exr"))
    out = tmp_path / "out"
    panel.set_output_dir(out)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    panel.output_box.scheduler.setText(address)
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        counts = _run(qtbot, panel, timeout=60000)
    assert counts.get("refused") and counts["done"] == 0
    assert messages[-1][1] == "warning" and messages[-1][0].startswith(f"Cannot reach the Dask scheduler at {address}")
    assert panel.rate.text() == "refused · nothing ran" and not out.exists()


@pytest.fixture(scope="module")
def scheduler():
    """A real LocalCluster of 2 worker processes on this machine; its address is what a user types."""
    import cloudpickle
    from distributed import LocalCluster

    import guitest_helpers

    cloudpickle.register_pickle_by_value(guitest_helpers)   # the tiny network's loader, sent to the workers
    with pytest.MonkeyPatch.context() as mp:
        for k, v in BACKEND.items():   # the worker processes inherit it
            mp.setenv(k, v)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
            yield c.scheduler_address


@pytest.mark.slow
def test_a_sequence_range_sent_to_a_dask_scheduler(qtbot, panel, tmp_path, scheduler):
    from colorstudio.core.batch.dask_exec import Loader

    make_sequence(tmp_path / "plates", "exr-half", NUMBERS)
    panel.remote_loader = lambda name, device: Loader(("tiny", name), functools.partial(tiny_loader, name, "cpu"))
    panel.set_sequence(str(tmp_path / "plates" / "shot.####.exr"))
    panel.sequence_box.set_frames("1002-1006")
    panel.set_output_dir(tmp_path / "out")
    panel.output_box.scheduler.setText(scheduler)
    # Cancelled before a shard could start: nothing written, and the same Start then resumes.
    with qtbot.waitSignal(panel.runFinished, timeout=120000) as b:
        assert panel.start() is not None
        assert not panel.pause_button.isEnabled() and panel.cancel_button.isEnabled()
        panel.cancel()
    assert b.args[0]["cancelled"]
    counts = _run(qtbot, panel, timeout=240000)
    assert counts["done"] + counts["skipped"] == 4 and counts["failed"] == 0 and not counts["cancelled"]
    got = _frames(tmp_path / "out", ".exr")
    assert sorted(got) == [f"shot.{n}.exr" for n in (1002, 1003, 1005, 1006)]
    want = _core_run(tmp_path / "plates", "shot.####.exr", tmp_path / "core", "1002-1006")
    assert all(np.array_equal(got[k], want[k]) for k in got)   # as coloured here, bit for bit
    log = panel.log.toPlainText()
    assert f"running on {scheduler} (2 worker threads)" in log and "dask: shot.####.exr in" in log
    assert panel.progress.value() == panel.progress.maximum() == 4 and panel.thumbs.count() >= 1


@pytest.mark.slow
def test_cancel_stops_a_run_on_the_scheduler_and_the_next_start_resumes(qtbot, panel, tmp_path, scheduler):
    from colorstudio.core.batch.dask_exec import Loader

    make_sequence(tmp_path / "plates", "exr-half", NUMBERS)
    slow = functools.partial(tiny_loader, "unet-gan", "cpu", delay=1.5)   # 1.5 s a frame in the workers
    panel.remote_loader = lambda name, device: Loader(("tiny-slow", name), slow)
    panel.set_sequence(str(tmp_path / "plates" / "shot.####.exr"))
    panel.set_output_dir(tmp_path / "out")
    panel.output_box.scheduler.setText(scheduler)
    panel.eventReceived.connect(lambda ev: panel.cancel())   # Cancel as the first frames come in
    with qtbot.waitSignal(panel.runFinished, timeout=120000) as b:
        assert panel.start() is not None
    first = b.args[0]
    assert first["cancelled"] and 1 <= first["done"] < 5 and panel.rate.text().startswith("cancelled")
    panel.eventReceived.disconnect()
    counts = _run(qtbot, panel, timeout=240000)   # the shards that ran on are kept, the rest coloured now
    assert not counts["cancelled"] and counts["failed"] == 0 and counts["done"] + counts["skipped"] == 5
    assert counts["skipped"] >= first["done"]
    assert sorted(_frames(tmp_path / "out", ".exr")) == [f"shot.{n}.exr" for n in NUMBERS]
