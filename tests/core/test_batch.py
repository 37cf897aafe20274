import threading

import numpy as np
import pytest

from colorstudio.core.batch.outputs import MANIFEST
from colorstudio.core import batch, color
from colorstudio.core.io.imageio import read_image, write_image


@pytest.fixture
def photos(tmp_path, textured):
    d = tmp_path / "in"
    d.mkdir()
    for i in (1, 2, 10):
        write_image(d / f"img{i}.png", textured(30 + i, 40, seed=i, channels=1))
    write_image(d / "photo.jpg", textured(24, 24, seed=7))
    (d / "notes.txt").write_text("not an image")
    return d


def _run(gen):
    return list(gen)


def test_collect_inputs(photos, tmp_path):
    problems = []
    empty = tmp_path / "empty"
    empty.mkdir()
    got = batch.collect_inputs([photos, photos / "img1.png", photos / "notes.txt",
                                tmp_path / "missing", empty], problems)
    assert [p.name for p in got] == ["img1.png", "img2.png", "img10.png", "photo.jpg", "notes.txt"]
    assert len(problems) == 2
    assert any("missing" in m and "no such file" in m for m in problems)
    assert any("no image files" in m for m in problems)


def test_plan_keeps_stems_and_deduplicates(tmp_path):
    outs = batch.plan_items([tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.png", tmp_path / "y.tif"],
                            tmp_path / "out", "png")
    assert [p.result.name for p in outs] == ["x.png", "x-2.png", "y.png"]
    with pytest.raises(ValueError, match="unsupported output format"):
        batch.check_format("gifx")


@pytest.mark.slow
def test_colorize_files_done_then_skipped_then_overwrite(photos, tmp_path, tiny_predictor):
    inputs = batch.collect_inputs([photos])
    out = tmp_path / "out"
    evs = _run(batch.colorize_files(inputs, out, tiny_predictor, size=32))
    assert [e.status for e in evs] == ["done"] * 4
    assert sorted(e.index for e in evs) == [0, 1, 2, 3]
    assert [e.done_count for e in evs] == [1, 2, 3, 4] and all(e.total == 4 for e in evs)
    assert evs[-1].eta_s == 0.0 and evs[-1].items_per_s > 0
    for e in evs:
        assert e.dst == out / (e.src.stem + ".png")
        img = read_image(e.dst)
        assert img.shape[:2] == read_image(e.src).shape[:2] and img.ndim == 3
    mtimes = {e.dst: e.dst.stat().st_mtime_ns for e in evs}
    again = _run(batch.colorize_files(inputs, out, tiny_predictor, size=32))
    assert [e.status for e in again] == ["skipped"] * 4
    assert all(e.dst.stat().st_mtime_ns == mtimes[e.dst] for e in again)
    over = _run(batch.colorize_files(inputs, out, tiny_predictor, size=32, overwrite=True))
    assert [e.status for e in over] == ["done"] * 4


def test_resume_after_partial_run(photos, tmp_path, tiny_predictor):
    inputs = batch.collect_inputs([photos])
    out = tmp_path / "out"
    gen = batch.colorize_files(inputs, out, tiny_predictor, size=32)
    first = next(gen)
    gen.close()  # like a crash or the user closing the window
    done_before = {p.name for p in out.glob("*.png")}
    assert first.dst.name in done_before and len(done_before) < 4 + 1
    evs = _run(batch.colorize_files(inputs, out, tiny_predictor, size=32))
    assert sum(e.status == "skipped" for e in evs) == len(done_before)
    assert sum(e.status == "done" for e in evs) == 4 - len(done_before)
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != MANIFEST]  # no temp files


def test_one_failure_does_not_stop_the_batch(photos, tmp_path, fake_predictor):
    inputs = batch.collect_inputs([photos, photos / "notes.txt"]) + [tmp_path / "gone.png"]
    f = fake_predictor(fail_on={2})  # the 2nd network call fails
    evs = _run(batch.colorize_files(inputs, tmp_path / "out", f, size=32))
    by_name = {e.src.name: e for e in evs}
    assert by_name["notes.txt"].status == "failed"
    assert "not an image" in by_name["notes.txt"].error and "notes.txt" not in by_name["notes.txt"].error
    assert by_name["gone.png"].status == "failed" and "not found" in by_name["gone.png"].error
    failed_net = [e for e in evs if e.error == "synthetic failure"]
    assert len(failed_net) == 1  # one line only
    assert sum(e.status == "done" for e in evs) == 3
    assert len(evs) == len(inputs) and max(e.done_count for e in evs) == len(inputs)


def test_output_never_overwrites_input(tmp_path, fake_predictor, textured):
    src = write_image(tmp_path / "a.png", textured(16, 16, channels=1))
    before = src.read_bytes()
    evs = _run(batch.colorize_files([src], tmp_path, fake_predictor(), size=32, overwrite=True))
    assert evs[0].status == "done" and evs[0].dst.name == "a-2.png"   # named around the input
    assert src.read_bytes() == before
    evs = _run(batch.colorize_files([src], tmp_path, fake_predictor(), size=32, overwrite=True,
                                    plan=[batch.ItemOutputs(src, src)]))   # a caller's plan onto it
    assert evs[0].status == "failed" and "overwrite an input" in evs[0].error
    assert src.read_bytes() == before


def test_cancel_between_items(photos, tmp_path, fake_predictor):
    inputs = batch.collect_inputs([photos]) * 1
    stop = threading.Event()
    seen = []
    for e in batch.colorize_files(inputs, tmp_path / "out", fake_predictor(), size=32, cancel=stop):
        seen.append(e)
        stop.set()
    assert 1 <= len(seen) < len(inputs)
    # a callable works too
    seen2 = _run(batch.colorize_files(inputs, tmp_path / "out2", fake_predictor(), size=32,
                                      cancel=lambda: True))
    assert seen2 == []


def test_formats_saturation_and_16bit(tmp_path, fake_predictor, textured):
    g16 = write_image(tmp_path / "in16.png", textured(20, 20, seed=3, channels=1, dtype=np.uint16))
    evs = _run(batch.colorize_files([g16], tmp_path / "o", fake_predictor(ab=(15, 15)), size=32, fmt="tif"))
    out = read_image(evs[0].dst)
    assert evs[0].dst.suffix == ".tif" and out.dtype == np.uint16
    evs = _run(batch.colorize_files([g16], tmp_path / "o", fake_predictor(ab=(15, 15)), size=32, fmt="jpg",
                                    saturation=0.0))
    out = read_image(evs[0].dst)
    assert out.dtype == np.uint8 and np.abs(color.rgb_to_lab(out)[..., 1:]).max() < 3
    with pytest.raises(ValueError):
        batch.colorize_files([g16], tmp_path / "o", fake_predictor(), saturation=-1)


def test_unwritable_output_reported_per_item(tmp_path, fake_predictor, textured):
    src = write_image(tmp_path / "a.png", textured(16, 16, channels=1))
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be")
    evs = _run(batch.colorize_files([src], blocker / "out", fake_predictor(), size=32))
    assert evs[0].status == "failed" and "cannot write" in evs[0].error


def test_translate_files(tmp_path):
    import torch

    from colorstudio.core.color.palette import labels_to_rgb
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models.layers import Translator

    class Tiny(Translator):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return torch.tanh(self.conv(x))

    rng = np.random.default_rng(0)
    srcs = [write_image(tmp_path / f"lab{i}.png", labels_to_rgb(rng.integers(0, 12, (40, 30)))) for i in range(3)]
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    p = Predictor(Tiny(), "cpu")
    evs = _run(batch.translate_files(srcs + [tmp_path / "bad.png"], tmp_path / "out", p, size=32, fmt="jpg"))
    assert [e.status for e in evs].count("done") == 3
    bad = [e for e in evs if e.status == "failed"][0]
    assert "damaged or truncated PNG" in bad.error
    assert read_image(tmp_path / "out" / "lab0.jpg").shape == (40, 30, 3)
    assert [e.status for e in _run(batch.translate_files(srcs, tmp_path / "out", p, size=32, fmt="jpg"))] \
        == ["skipped"] * 3


def test_many_items_pipeline_keeps_order_of_counts(tmp_path, fake_predictor, textured):
    srcs = [write_image(tmp_path / "in" / f"f{i}.png", textured(20, 20, seed=i, channels=1)) for i in range(12)]
    evs = _run(batch.colorize_files(srcs, tmp_path / "out", fake_predictor(), size=32, workers=3))
    assert [e.index for e in evs] == list(range(12))  # writes are reported in order
    assert [e.done_count for e in evs] == list(range(1, 13))
    assert all(e.status == "done" for e in evs)


def test_several_frames_in_the_network_at_once(tmp_path, fake_predictor, textured):
    """With streams=2 two items are predicted at the same time (the barrier needs both),
    written items are still reported in order, and one failing item fails alone."""
    meet = threading.Barrier(2, timeout=10)  # broken (-> failed items) if calls never overlap
    srcs = [write_image(tmp_path / "in" / f"f{i}.png", textured(20, 20, seed=i, channels=1)) for i in range(8)]
    f = fake_predictor(streams=2, on_stream=lambda: meet.wait() if f.stream_calls <= 2 else None,
                       fail_on={5})
    evs = _run(batch.colorize_files(srcs, tmp_path / "out", f, size=32))
    assert f.stream_calls == 8 and f.calls == 8
    done = [e.index for e in evs if e.ok]
    assert done == sorted(done) and sorted(e.index for e in evs) == list(range(8))
    assert [e.done_count for e in evs] == list(range(1, 9))
    assert [e.error for e in evs if not e.ok] == ["synthetic failure"]


def test_ordered_step_sees_items_in_order_while_predictions_overlap(tmp_path):
    """``predict`` runs on two threads and finishes out of order; ``ordered`` (where
    temporal smoothing lives), ``skipped`` and ``failed`` still see the items in order."""
    import time

    seen: list[tuple[str, int]] = []

    class Recorder(batch.Stage):
        def streams(self):
            return 2

        def predict(self, image, prepared):
            time.sleep(0.02 if int(image[0, 0]) % 2 == 0 else 0.0)  # even items finish late
            if int(image[0, 0]) == 5:
                raise RuntimeError("bad frame")
            return image

        def ordered(self, image, predicted):
            seen.append(("ordered", int(image[0, 0])))
            return predicted

        def skipped(self, job):
            seen.append(("skipped", job.index))

        def failed(self, job):
            seen.append(("failed", job.index))

    jobs = [batch.Job(i, tmp_path / f"in{i}.png", tmp_path / f"out{i}.png",
                      None if i == 3 else (lambda i=i: np.full((4, 4), i, np.uint8)))
            for i in range(8)]
    evs = _run(batch.run_batch(jobs, len(jobs), Recorder()))
    assert [i for _, i in seen] == list(range(8))
    assert seen[3] == ("skipped", 3) and seen[5] == ("failed", 5)
    assert sorted(e.index for e in evs) == list(range(8)) and sum(e.status == "done" for e in evs) == 6


def test_smoothing_runs_with_streams_and_matches_one_at_a_time(tmp_path, fake_predictor, textured):
    srcs = [write_image(tmp_path / "in" / f"f{i}.png", textured(24, 32, seed=i % 3, channels=1))
            for i in range(6)]
    outs = {}
    for n in (1, 2):
        f = fake_predictor(streams=n)
        assert batch.ColorizeStage(f, smooth=0.5).streams() == n
        _run(batch.colorize_files(srcs, tmp_path / f"s{n}", f, size=32, smooth=0.5))
        outs[n] = [read_image(tmp_path / f"s{n}" / s.name) for s in srcs]
    for a, b in zip(outs[1], outs[2]):
        np.testing.assert_array_equal(a, b)


def test_streams_give_the_same_files_as_one_at_a_time(tmp_path, textured, monkeypatch):
    pytest.importorskip("onnxruntime")
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    monkeypatch.setenv("COLORSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    # ORT explicitly: with "auto" a tiny net may be timed faster on torch (no streams then).
    pred = Predictor(create("unet-gan", weights=False, base=8, depth=2), "cpu", backend="onnxruntime")
    srcs = [write_image(tmp_path / "in" / f"f{i}.png", textured(48, 64, seed=i, channels=1)) for i in range(5)]
    runner = pred._runner
    monkeypatch.setattr(runner, "threads", 2)   # two streams whatever this machine's core count
    assert pred.streams("predict_ab") == 2
    _run(batch.colorize_files(srcs, tmp_path / "two", pred, size=64))
    monkeypatch.setattr(runner, "threads", 1)   # one frame at a time, on the shared session
    assert pred.streams("predict_ab") == 1
    _run(batch.colorize_files(srcs, tmp_path / "one", pred, size=64))
    for s in srcs:
        a = read_image(tmp_path / "two" / s.name).astype(int)
        b = read_image(tmp_path / "one" / s.name).astype(int)
        assert np.abs(a - b).max() <= 1   # single- vs multi-threaded sums may round differently


def test_a_full_disk_stops_the_batch_once_and_keeps_what_was_written(tmp_path, fake_predictor, textured,
                                                                    monkeypatch):
    """Issue 21, item 14: the first write that fails for a reason every later write shares
    (disk full, read-only) stops the batch with one message; written files stay."""
    import errno

    from colorstudio.core.io import imageio
    from colorstudio.core.batch.engine import BatchStopped

    srcs = [write_image(tmp_path / "in" / f"{i:02d}.png", textured(16, 16, seed=i, channels=1)) for i in range(30)]
    real = imageio.atomic_write
    writes = []

    def filling(path, fn):
        writes.append(1)
        if len(writes) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, fn)

    monkeypatch.setattr(imageio, "atomic_write", filling)
    evs = []
    with pytest.raises(BatchStopped, match="No space left on device.*3 result\\(s\\) written are kept"):
        for e in batch.colorize_files(srcs, tmp_path / "out", fake_predictor(), size=32):
            evs.append(e)
    done = [e for e in evs if e.status == "done"]
    assert len(done) == 3 and all(e.dst.is_file() for e in done)
    assert len(evs) < 12          # not 27 more decode, colorize and fail lines
    assert len(writes) < 12


@pytest.mark.slow
def test_eta_leaves_out_the_first_items_warm_up(tmp_path, fake_predictor, textured):
    """Issue 19, item 16: a slow first item (model warm-up, an ONNX export) does not
    inflate the rate and the ETA of the rest."""
    import time as _time

    srcs = [write_image(tmp_path / "in" / f"{i}.png", textured(16, 16, seed=i, channels=1)) for i in range(6)]
    f = fake_predictor()
    real = f.predict_ab

    def slow_first(x):
        if f.calls == 0:
            _time.sleep(1.0)
        return real(x)

    f.predict_ab = slow_first
    evs = _run(batch.colorize_files(srcs, tmp_path / "out", f, size=32, workers=1))
    assert evs[-1].items_per_s > 8        # six items in about a second: not 6/1.x


@pytest.mark.slow
def test_a_burst_after_the_first_item_does_not_promise_a_fast_rate(tmp_path, fake_predictor, textured):
    """Issue 32, item 11: items prepared ahead finish in a burst right after the slow first
    one; the rate shown then (CLI it/s, ETA) must not be that burst's (7-12 it/s, ETA 0:00,
    while the batch ran at 1 image/s)."""
    import time as _time

    srcs = [write_image(tmp_path / "in" / f"{i}.png", textured(16, 16, seed=i, channels=1)) for i in range(16)]
    f = fake_predictor()
    real = f.predict_ab

    def steady(x):   # the first with its warm-up; three more ready at once (a burst); then 0.3 s each
        _time.sleep(1.0 if f.calls == 0 else 0.01 if f.calls < 4 else 0.3)
        return real(x)

    f.predict_ab = steady
    evs = _run(batch.colorize_files(srcs, tmp_path / "out", f, size=32, workers=1))
    true_rate = 1 / 0.3
    assert all(e.items_per_s <= 1.5 * true_rate for e in evs[:-1]), [round(e.items_per_s, 1) for e in evs]
    assert 0.5 * true_rate < evs[-2].items_per_s
