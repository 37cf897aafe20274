"""Numbers, sizes, memory and names at their limits; damaged videos; concurrent runs."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from colorstudio.core.batch import frames
from colorstudio.core.inference.predictor import Predictor
from colorstudio.models import create

CLI = Path(sys.executable).parent / "colorstudio-cli"


@pytest.fixture(scope="module")
def predictor():
    return Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu", backend="torch")


@pytest.mark.parametrize("args, match", [
    (["--saturation", "nan"], "finite"), (["--saturation", "inf"], "finite"), (["--smooth", "nan"], "finite"),
    (["--smooth=-inf"], "finite"), (["--quality", "0"], "from 1 to 100"), (["--size", "nan"], "whole number"),
])
def test_numeric_options_reject_nan_and_inf(tmp_path, args, match):
    res = subprocess.run([str(CLI), "colorize", str(tmp_path), "-o", str(tmp_path / "o"), *args],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and match in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_trainer_config_rejects_nan():
    from trainer.config import ConfigError, make_config

    with pytest.raises(ConfigError, match="finite"):
        make_config("unet-gan", None, ["lr=NaN"])
    with pytest.raises(ConfigError, match="finite"):
        make_config("unet-gan", None, [], time_budget=float("inf"))


def test_render_size_is_bounded_by_memory(predictor, monkeypatch):
    from colorstudio.core.inference import predictor as pm

    monkeypatch.setattr(pm, "available_memory", lambda: 200 << 20)  # 200 MB free
    x = np.zeros((1, 1, 2048, 2048), np.float32)
    with pytest.raises(MemoryError, match="use a render size of at most") as err:
        predictor.predict_ab(x)
    side = int(str(err.value).rsplit(" ", 1)[-1])
    assert 32 <= side < 2048 and predictor.activation_bytes((1, 1, side, side)) <= 0.8 * (200 << 20)


def _oom_errors() -> list[BaseException]:
    """What running out of memory inside inference raises, by who raises it."""
    import torch
    from onnxruntime.capi.onnxruntime_pybind11_state import RuntimeException

    return [RuntimeError("[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: can't allocate memory: "
                         "you tried to allocate 8589934592 bytes. Error code 12 (Cannot allocate memory)"),
            torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total)"),
            RuntimeException("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while "
                             "running Conv node. Status Message: bfc_arena.cc:376 AllocateRawInternal Failed to "
                             "allocate memory for requested buffer of size 1073741824"),
            MemoryError()]


class _Starved:
    """A back-end (as backends.make_runner builds) whose ``fail``-th run, counting from 1, and
    every one after while ``every`` is set, cannot allocate; the others answer zeros."""

    name, note = "fake", None

    def __init__(self, error: BaseException, fail: int = 1, every: bool = True):
        self.error, self.fail, self.every, self.calls = error, fail, every, 0

    def __call__(self, x, method):
        self.calls += 1
        if self.calls == self.fail or (self.every and self.calls > self.fail):
            raise self.error
        return np.zeros((x.shape[0], 2, x.shape[2], x.shape[3]), np.float32)

    def streams(self, method):
        return 1

    call_stream = __call__


MEMORY_MESSAGE = "not enough memory to run unet-gan at 48x32; try a smaller render size or close other programs"


@pytest.mark.parametrize("error", _oom_errors(), ids=["torch-cpu", "cuda", "onnxruntime", "MemoryError"])
@pytest.mark.parametrize("path", ["run", "run_stream", "confidence"])
def test_every_allocation_failure_in_inference_is_one_message(predictor, monkeypatch, error, path):
    """Issue 33, class 8: torch's "DefaultCPUAllocator: can't allocate memory" reached the user
    raw where a batch ran the network's streams (run_stream), as did ONNX Runtime's, whose
    exceptions are no RuntimeError."""
    monkeypatch.setattr(predictor, "_runner", _Starved(error))
    monkeypatch.setattr(predictor, "_refresh_if_changed", lambda: None)
    x = np.zeros((1, 1, 32, 48), np.float32)
    if path == "confidence":
        monkeypatch.setattr(predictor.model, "confidence", lambda t: (_ for _ in ()).throw(error), raising=False)
        call = predictor.confidence
    else:
        call = getattr(predictor, path)
    with pytest.raises(MemoryError) as got:
        call(x)
    assert str(got.value) == MEMORY_MESSAGE
    assert got.value.__context__ is None   # the failed run's frames (its tensors) are not kept


def test_a_gpu_out_of_memory_twice_is_one_message(monkeypatch):
    """A GPU that runs out falls back to the CPU once; when the CPU runs out too, the same message."""
    import torch

    p = Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu", backend="torch")
    p.device = torch.device("meta")   # as if on an accelerator
    error = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    monkeypatch.setattr(p, "_prepare", lambda device, disk_cache=True: setattr(p, "_runner", _Starved(error)))
    monkeypatch.setattr(p, "_runner", _Starved(error))
    monkeypatch.setattr(p, "_refresh_if_changed", lambda: None)
    with pytest.raises(MemoryError, match="^" + MEMORY_MESSAGE + "$"):
        p.run(np.zeros((1, 1, 32, 48), np.float32))
    assert p.fallback is not None and p.device.type == "cpu"


@pytest.fixture
def restore_streams(monkeypatch):
    """The CLI puts a guard over sys.stdout/err: undo it after the test."""
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)


def test_a_batch_that_runs_out_of_memory_on_one_photo_goes_on(tmp_path, monkeypatch, capfd, restore_streams):
    """The CLI: the starved photo fails in one line, the next is colorized, and the exit
    status says a photo failed (1) -- no traceback."""
    from colorstudio.cli import main
    from colorstudio.core.inference import predictor as pm
    from colorstudio.core.io import imageio

    for name in ("a", "b", "c"):
        imageio.write_image(tmp_path / f"{name}.png", np.full((64, 96), 90, np.uint8))
    error = _oom_errors()[0]
    monkeypatch.setattr(pm, "make_runner", lambda *a, **k: _Starved(error, fail=2, every=False))
    rc = main(["colorize", *(str(tmp_path / f"{n}.png") for n in "abc"), "-o", str(tmp_path / "out"),
               "--model", "unet-gan", "--device", "cpu", "--size", "48"])
    out, err = capfd.readouterr()
    assert rc == 1, err
    assert "Traceback" not in out + err and "DefaultCPUAllocator" not in out + err
    failed = [ln for ln in err.splitlines() if ln.startswith("FAILED")]
    assert failed == ["FAILED b.png: " + MEMORY_MESSAGE.replace("48x32", "64x32")], err   # --size 48: 64x32
    assert "2 done" in out and "1 failed" in out, out
    assert (tmp_path / "out" / "a.png").is_file() and (tmp_path / "out" / "c.png").is_file()


def test_the_app_says_it_in_one_line(qtbot, predictor, monkeypatch):
    """The GUI's single photo: the worker's error is one message, no traceback dialog."""
    from colorstudio.core.colorize import pipeline
    from colorstudio.gui.workers import Worker

    monkeypatch.setattr(predictor, "_runner", _Starved(_oom_errors()[0]))
    monkeypatch.setattr(predictor, "_refresh_if_changed", lambda: None)
    errors: list[str] = []
    w = Worker(pipeline.colorize, np.full((32, 48), 90, np.uint8), predictor, 48)
    w.signals.error.connect(errors.append)
    w.run()
    assert len(errors) == 1 and "\n" not in errors[0] and "memory" in errors[0]
    assert "DefaultCPUAllocator" not in errors[0] and "Traceback" not in errors[0]


def _video(path: Path, n: int = 40) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    rng = np.random.default_rng(0)
    for i in range(n):
        w.write(np.full((48, 64, 3), (i * 6) % 255, np.uint8) + rng.integers(0, 20, (48, 64, 3)).astype(np.uint8))
    w.release()
    return path


def test_truncated_video_is_reported_not_shortened(tmp_path, predictor):
    src = _video(tmp_path / "clip.avi")
    data = src.read_bytes()
    bad = tmp_path / "cut.avi"
    bad.write_bytes(data[: len(data) // 2])
    if frames.video_info(bad).frame_count != 40:
        pytest.skip("this OpenCV build does not report the declared count of a cut AVI")
    events = list(frames.colorize_video(bad, tmp_path / "out", predictor, size=32))
    last = events[-1]
    assert last.status == "failed" and "of the 40 frames" in last.error
    assert not (tmp_path / "out" / "cut.avi").exists()


def test_two_video_runs_into_one_folder(tmp_path, predictor):
    src = _video(tmp_path / "clip.avi", 12)
    errors: list[str] = []

    def run(out):
        for ev in frames.colorize_video(src, out, predictor, size=32):
            if ev.status == "failed":
                errors.append(ev.error)

    out = tmp_path / "out"
    ts = [threading.Thread(target=run, args=(out / "clip.avi",)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not errors, errors
    assert frames.video_info(out / "clip.avi").frame_count == 12
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_output_names_are_unique_by_construction(tmp_path):
    from colorstudio.core.batch import plan_items

    inputs = [Path("a.png"), Path("a.jpg"), Path("a-2.png"), Path("A.tif")]
    names = [p.result.name for p in plan_items(inputs, tmp_path, "png")]
    assert names == ["a.png", "a-3.png", "a-2.png", "A-4.png"]
    assert len({n.lower() for n in names}) == 4


def test_resume_with_another_architecture_is_one_message(tmp_path, photo_dir):
    from helpers import tiny_config
    from trainer.engine.loop import Trainer, TrainError, train

    run = tmp_path / "r"
    train(tiny_config("unet-gan", photo_dir, "max_steps=1"), run)
    with pytest.raises(TrainError, match="cannot resume: .* holds a unet-gan model") as err:
        Trainer(tiny_config("unet-gan", photo_dir, "model.base=16"), run, resume=True)
    assert len(str(err.value).splitlines()) == 1


def test_a_read_only_mount_is_named_as_such(tmp_path, monkeypatch):
    """Issue 33, class 10: a read-only mount was reported as 'permission denied'."""
    import os

    from colorstudio.core.batch.inputs import OutputFolderError, check_output_folder

    class RO:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda p: RO())
    with pytest.raises(OutputFolderError, match="is on a read-only file system"):
        check_output_folder(tmp_path / "out")


def test_the_memory_guard_honours_the_address_space_limit():
    """Issue 33, class 5: the guard looked at the machine's free memory only; under
    ``ulimit -v`` a big render failed inside torch instead of a message with a size that fits."""
    import subprocess
    import sys

    code = (
        "import resource, numpy as np\n"
        "from colorstudio.core.inference.devices import available_memory\n"
        "from colorstudio.core.inference.predictor import Predictor\n"
        "from colorstudio.models import create\n"
        "p = Predictor(create('unet-gan', weights=False, base=8, depth=2), device='cpu', backend='torch')\n"
        "used = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (used + (600 << 20), resource.RLIM_INFINITY))\n"
        "print('left', available_memory() < (700 << 20))\n"
        "try:\n"
        "    p.run(np.zeros((1, 1, 4096, 4096), np.float32))\n"
        "    print('ran')\n"
        "except MemoryError as e:\n"
        "    print('refused', e)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert "left True" in res.stdout, res.stdout + res.stderr
    assert "refused running" in res.stdout and "use a render size of at most" in res.stdout, res.stdout + res.stderr


def _traced_peak(fn) -> int:
    """Bytes allocated at the peak of ``fn()`` beyond what was held before (numpy's arrays,
    OpenCV's outputs and Python's objects are traced; no timing is involved)."""
    import tracemalloc

    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_a_16_bit_rgba_png_is_read_and_written_without_a_second_full_copy(tmp_path):
    """Issue 33, class 5: a 196 MP RGBA16 PNG peaked at 5.26 GB.  Reading it held OpenCV's
    BGRA array and its RGBA conversion at once, and the PNG writer made a big-endian copy of
    the whole image before compressing it: each a full-size copy (2x and 1.7x its size)."""
    from colorstudio.core.io import imageio

    img = np.random.default_rng(0).integers(0, 65536, (2000, 3000, 4)).astype(np.uint16)   # 48 MB
    path = tmp_path / "rgba16.png"
    # the writer's segments in flight: about a third of the image on 2 cores, two thirds on 4+
    assert _traced_peak(lambda: imageio.write_image(path, img)) < 0.9 * img.nbytes
    data = path.read_bytes()
    box = {}
    assert _traced_peak(lambda: box.setdefault("img", imageio.decode_image(data, "rgba16.png"))) < 1.5 * img.nbytes
    assert np.array_equal(box["img"], img)


def test_reading_a_16_bit_rgba_png_holds_one_image(tmp_path):
    """The read's own peak, in a fresh process (OpenCV's C++ copies are no numpy arrays, so
    tracemalloc cannot see them): imdecode's image was copied into numpy and then converted
    to RGBA into a third array -- 3x the image beside the file's bytes, now 1x."""
    import os

    from colorstudio.core.io import imageio

    y, x = np.mgrid[0:3000, 0:4000].astype(np.float32)
    ramp = (np.sin(x / 97) * np.cos(y / 61) * 30000 + 32768).astype(np.uint16)
    img = np.dstack([ramp, ramp[::-1], ramp[:, ::-1], np.full_like(ramp, 40000)])   # 96 MB, a 46 MB file
    del x, y
    path = imageio.write_image(tmp_path / "rgba16.png", img)
    code = ("import sys\n"
            "from colorstudio.core.io import imageio\n"
            "kb = lambda key: int(open('/proc/self/status').read().split(key)[1].split()[0])\n"
            "open('/proc/self/clear_refs', 'w').write('5')   # the peak (VmHWM) starts from here\n"
            "rss = kb('VmRSS:')\n"
            "a = imageio.read_image(sys.argv[1])\n"
            "print(a.shape, (kb('VmHWM:') - rss) * 1024)\n")
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr
    shape, peak = res.stdout.rsplit(" ", 1)
    assert shape == "(3000, 4000, 4)"
    # the file's bytes, the image, and some 20 MB of the decoder's own (2.25x the image before)
    assert int(peak) < path.stat().st_size + 1.5 * img.nbytes, (int(peak) / img.nbytes, path.stat().st_size)
