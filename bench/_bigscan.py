"""Child process of the big-scan benchmark (its peak memory is measured on its own).

    python -m bench._bigscan make   SRC W H          write a synthetic W x H gray scan (PNG)
    python -m bench._bigscan strips SRC DST AB.npy   colorize as the app does (strips), write PNG
    python -m bench._bigscan whole  SRC AB.npy       the same recombination done on the whole image
    python -m bench._bigscan gui    SRC              the app's Colorize tab opens and colorizes it
    python -m bench._bigscan repair SRC [WEIGHTS]    detect and fill the scan's damage (issue 31)

``strips`` and ``whole`` print one JSON line: seconds per stage, a hash of the output
pixels, and the process's own peak RSS (``getrusage``).  ``whole`` reuses the strips
run's network output, so the two outputs differ only by how the recombination ran.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time

import numpy as np


def peak_rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024.0 if sys.platform != "darwin" else r / 2 ** 20


def make(src: str, w: int, h: int) -> None:
    """A smooth scene (a sample photo scaled up) with film grain, so the PNG is realistic."""
    import cv2

    from colorstudio.core.io import imageio
    from colorstudio.paths import default_sample

    base = imageio.read_image(default_sample())
    if base.ndim == 3:   # the sample may be gray already
        base = cv2.cvtColor(base[:, :, :3], cv2.COLOR_RGB2GRAY)
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(0)
    grain = rng.integers(-4, 5, size=(h // 4, w // 4), dtype=np.int16)
    img = np.clip(img.astype(np.int16) + cv2.resize(grain, (w, h), interpolation=cv2.INTER_NEAREST),
                  0, 255).astype(np.uint8)
    cv2.imwrite(src, img)


def strips(src: str, dst: str, ab_path: str) -> None:
    from colorstudio.core.io import imageio
    from colorstudio.core.colorize import pipeline
    from colorstudio.models.loading import load_predictor
    from colorstudio.models import default_model

    t0 = time.perf_counter()
    predictor = load_predictor(default_model("colorize"), device="cpu")
    predictor.warm_up("predict_ab")  # ONNX export/load: part of loading the model
    t1 = time.perf_counter()
    img = imageio.read_image(src, max_pixels=None)
    t2 = time.perf_counter()
    res = pipeline.colorize(img, predictor)
    t3 = time.perf_counter()
    imageio.write_image(dst, res.rgb)
    t4 = time.perf_counter()
    np.save(ab_path, res.ab_small)
    print(json.dumps({"load_model": t1 - t0, "read": t2 - t1, "predict": res.timings["predict"],
                      "compose": res.timings["compose"], "write": t4 - t3, "total": t4 - t1,
                      "shape": list(res.rgb.shape), "sha": hashlib.sha256(res.rgb).hexdigest(),
                      "backend": predictor.backend, "peak_rss_mb": peak_rss_mb()}))


def compose_whole(image: np.ndarray, ab_small: np.ndarray) -> np.ndarray:
    """The recombination in one piece: full-size L, full-size ab, one Lab -> RGB."""
    from colorstudio.core import color
    from colorstudio.core.colorize.pipeline import _linear_weights

    H, W = image.shape[:2]
    hs, ws = ab_small.shape[:2]
    x0, x1, wx = _linear_weights(W, ws)
    abw = ab_small[:, x0] * (1 - wx)[None, :, None] + ab_small[:, x1] * wx[None, :, None]
    y0, y1, wy = _linear_weights(H, hs)
    ab = abw[y0] * (1 - wy)[:, None, None] + abw[y1] * wy[:, None, None]
    return color.from_float01(color.lab_compose(color.luminance(image), ab), image.dtype)


def whole(src: str, ab_path: str) -> None:
    from colorstudio.core.io import imageio

    img = imageio.read_image(src, max_pixels=None)
    t0 = time.perf_counter()
    rgb = compose_whole(img, np.load(ab_path))
    t1 = time.perf_counter()
    print(json.dumps({"compose": t1 - t0, "sha": hashlib.sha256(rgb).hexdigest(),
                      "peak_rss_mb": peak_rss_mb()}))


def gui(src: str) -> None:
    """Open SRC in the Colorize tab (offscreen) and wait for the result: the process's
    peak RSS, and the longest the event loop went without turning (a 10 ms timer's gaps)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["COLORSTUDIO_MAX_PIXELS"] = "0"
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from colorstudio.gui.predictors import PredictorCache
    from colorstudio.gui.tabs.colorize.page import ColorizePage
    from colorstudio.gui.widgets.model_picker import load_entries
    from colorstudio.models import default_model

    from colorstudio.gui import gc_guard

    app = QApplication.instance() or QApplication([])
    gc_guard.install(app)   # as the app does
    entries, devices = load_entries()
    page = ColorizePage(PredictorCache(), samples=[])
    page.resize(1400, 900)
    page.show()
    page.set_entries(entries, devices, default_model("colorize"))
    page.cache.preload(default_model("colorize"), "cpu")
    clock, gaps = QElapsedTimer(), [0]
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps[0] = max(gaps[0], now - last[0] - 10)
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    done = []
    page.resultReady.connect(lambda out: done.append(out))
    t0 = time.perf_counter()
    last[0] = clock.elapsed()
    page.open_path(src)
    while not done and time.perf_counter() - t0 < 600:
        app.processEvents()
        time.sleep(0.002)
    for _ in range(50):   # a few more turns: the result's first paint
        app.processEvents()
        time.sleep(0.01)
    page.shutdown()
    print(json.dumps({"seconds": time.perf_counter() - t0, "done": bool(done), "max_stall_ms": gaps[0],
                      "peak_rss_mb": peak_rss_mb()}))


def repair_scan(src: str, weights: str = "") -> None:
    """Read the scan, find its damage (damage-unet, tiled) and fill it; seconds and peak RSS.
    Without shipped or given weights the detector has random weights: the memory and the
    time of the detection are the same, the fill's depend on how much is flagged."""
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.core.io import imageio
    from colorstudio.core.restore import repair
    from colorstudio.models import create, spec

    t0 = time.perf_counter()
    img = imageio.read_image(src, max_pixels=None)
    t1 = time.perf_counter()
    w = weights or (True if spec("damage-unet").has_weights else False)
    runner = Predictor(create("damage-unet", weights=w), device="cpu")
    out, r = repair.repair_image(runner, img)
    t2 = time.perf_counter()
    print(json.dumps({"read": t1 - t0, "repair": t2 - t1, "flagged": float(r.mask.mean()),
                      "trained": bool(w), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "make":
        make(args[0], int(args[1]), int(args[2]))
    elif cmd == "strips":
        strips(*args)
    elif cmd == "whole":
        whole(*args)
    elif cmd == "gui":
        gui(*args)
    elif cmd == "repair":
        repair_scan(*args)
    else:
        raise SystemExit(f"unknown command {cmd!r}")
