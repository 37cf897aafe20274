"""ColorStudio speed and memory: one command, one table, every figure measured in this run.

    python -m bench.speed                 # the full table (a few minutes on 2 cores)
    python -m bench.speed --quick         # fewer repeats, smaller batch and scan (a check)
    python -m bench.speed --only 1,3      # some items
    python -m bench.speed --markdown docs/performance.md   # also write the table there

Items (issue 6): 1 network efficiency against a float32 matmul peak, 2 photo file ->
PNG against the published ECCV16 pipeline, 3 interactive edits, 4 a folder of frames,
5 a 108-megapixel scan's peak memory, 6 app start-up, 7 training and data loading; (issue 22)
8 a 1080p H.264 clip through the whole video path; (issue 31) 9 an old print's repair: a
2048x1536 scan's detection + fill, and a 100-megapixel scan's peak memory; (issue 35) 10 ten
hints on the default colorizer's 2048x1536 result, redrawn after the first result.
Times are medians of repeated runs with min and max; a target that is not met gets a
``MISSED`` line.  The load average is printed before and after: figures taken while
other work shares the CPU are slower, ratios within one run stay comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


import numpy as np

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------ measuring

@dataclass
class Stat:
    med: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> "Stat":
        return cls(statistics.median(values), min(values), max(values), len(values))

    def map(self, f: Callable[[float], float]) -> "Stat":
        """Transform (e.g. seconds -> rate); min and max swap when ``f`` decreases."""
        a, b = f(self.lo), f(self.hi)
        return Stat(f(self.med), min(a, b), max(a, b), self.n)


def timeit(fn: Callable[[], object], repeats: int, warmup: int = 1) -> Stat:
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return Stat.of(ts)


@dataclass
class Row:
    item: str
    what: str
    stat: Stat | None = None
    unit: str = ""
    fmt: str = "{:.1f}"
    target: str = ""
    ok: bool | None = None         # None: information only
    value: str = ""                # for rows without a Stat

    def cells(self) -> list[str]:
        if self.stat is not None:
            f = self.fmt.format
            med, lo, hi, n = f(self.stat.med), f(self.stat.lo), f(self.stat.hi), str(self.stat.n)
        else:
            med, lo, hi, n = self.value, "", "", ""
        res = "" if self.ok is None else ("ok" if self.ok else "MISSED")
        return [self.item, self.what, f"{med} {self.unit}".strip(), lo, hi, n, self.target, res]


HEAD = ["#", "measurement", "median", "min", "max", "n", "target", "result"]


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print("  " + " | ".join(c for c in row.cells() if c), flush=True)
        return row

    def missed(self) -> list[Row]:
        return [r for r in self.rows if r.ok is False]

    def text(self) -> str:
        cells = [HEAD] + [r.cells() for r in self.rows]
        widths = [max(len(c[i]) for c in cells) for i in range(len(HEAD))]
        line = lambda c: "  ".join(x.ljust(w) for x, w in zip(c, widths)).rstrip()  # noqa: E731
        out = [line(HEAD), line(["-" * w for w in widths])] + [line(c) for c in cells[1:]]
        out += self._footer()
        return "\n".join(out)

    def markdown(self) -> str:
        esc = lambda s: s.replace("|", "\\|")  # noqa: E731
        out = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
        out += ["| " + " | ".join(esc(c) for c in r.cells()) + " |" for r in self.rows]
        return "\n".join(out + [""] + self._footer())

    def _footer(self) -> list[str]:
        out = [""]
        miss = self.missed()
        if miss:
            out += [f"Targets not met ({len(miss)}):"]
            out += [f"- MISSED [{r.item}] {r.what}: {r.cells()[2]} (target {r.target})" for r in miss]
        else:
            out += ["All targets in this run were met."]
        return out + [f"- {n}" for n in self.notes]


# ------------------------------------------------------------------------ machine

def machine() -> dict[str, str]:
    import cv2
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 2 ** 20:.0f} GiB"
    except (OSError, AttributeError):
        pass
    try:
        import onnxruntime as ort

        ortv = ort.__version__
    except ImportError:
        ortv = "not installed"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "torch": f"{torch.__version__} ({torch.get_num_threads()} threads)",
            "onnxruntime": ortv, "opencv": cv2.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "os": platform.platform()}


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ------------------------------------------------------------------------ test inputs

def _sample_rgb_array(imageio, path) -> np.ndarray:
    """The sample as uint8 RGB (the default sample may be a black-and-white photo)."""
    img = imageio.read_image(path)
    img = img[:, :, :3] if img.ndim == 3 else np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img)


def sample_gray(w: int, h: int, seed: int = 0) -> np.ndarray:
    """A photo-like gray image: a sample photo scaled to w x h plus film grain."""
    import cv2

    from colorstudio.core.io import imageio
    from colorstudio.paths import default_sample

    rgb = _sample_rgb_array(imageio, default_sample())
    img = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (w, h), interpolation=cv2.INTER_CUBIC)
    grain = np.random.default_rng(seed).integers(-6, 7, size=(h, w), dtype=np.int16)
    return np.clip(img.astype(np.int16) + grain, 0, 255).astype(np.uint8)


def sample_rgb(w: int, h: int) -> np.ndarray:
    import cv2

    from colorstudio.core.io import imageio
    from colorstudio.paths import default_sample

    rgb = _sample_rgb_array(imageio, default_sample())
    return cv2.resize(rgb, (w, h), interpolation=cv2.INTER_CUBIC)


# ------------------------------------------------------------------------ 1 network

def matmul_peak(repeats: int) -> Stat:
    """GFLOP/s of a float32 2048x2048 matmul: the machine's practical peak."""
    import torch

    n = 2048
    a, b, c = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
    s = timeit(lambda: torch.mm(a, b, out=c), repeats, warmup=3)
    return s.map(lambda t: 2 * n ** 3 / t / 1e9)


def item1(rep: Report, quick: bool, peak: Stat) -> None:
    import torch

    from colorstudio.core.inference.backends import input_channels
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import available, create, default_model
    from colorstudio.models.flops import count_macs

    from bench.reference_eccv16 import eccv16

    defaults = {default_model("colorize"), default_model("translate")}
    rep.add(Row("1", "float32 matmul 2048^2 (torch/MKL): practical peak", peak, "GFLOP/s", "{:.0f}"))
    rng = np.random.default_rng(0)
    for s in available():
        model = create(s.name)
        method = "predict_ab" if s.task == "colorize" else "forward"
        cin = input_channels(model)
        macs = count_macs(model, (1, cin, s.input_size, s.input_size), method).macs
        pred = Predictor(model, device="cpu")
        pred.warm_up(method)
        weights = "trained" if s.has_weights else "random"
        for bs in (1, 8):
            x = rng.uniform(-0.5, 0.5, (bs, cin, s.input_size, s.input_size)).astype(np.float32)
            t = timeit(lambda: pred.run(x, method), 3 if quick else (7 if bs == 1 else 5))
            g = t.map(lambda v: 2 * macs * bs / v / 1e9)
            star = s.name in defaults and bs == 8
            what = (f"{s.name} {s.input_size}^2 b{bs} [{pred.backend}, {weights} weights, "
                    f"{2 * macs / 1e9:.2f} GFLOP/img]")
            rep.add(Row("1", what + " time", t.map(lambda v: v * 1e3), "ms"))
            rep.add(Row("1", f"{s.name} b{bs} achieved = {100 * g.med / peak.med:.0f}% of peak", g,
                        "GFLOP/s", "{:.0f}", ">= 60% of peak" if star else "",
                        (g.med >= 0.6 * peak.med) if star else None))
        if pred.backend_note:
            rep.notes.append(pred.backend_note)
        if s.name in defaults:  # before: how the Predictor ran it before (eager, channels_last)
            import copy

            before = copy.deepcopy(model).to(memory_format=torch.channels_last)
            x = rng.uniform(-0.5, 0.5, (8, cin, s.input_size, s.input_size)).astype(np.float32)
            xt = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                t = timeit(lambda: getattr(before, method)(xt), 2 if quick else 3)
            rep.add(Row("1", f"{s.name} b8 before: eager torch, channels_last, no fusion = "
                        f"{100 * 2 * macs * 8 / t.med / 1e9 / peak.med:.0f}% of peak",
                        t.map(lambda v: 2 * macs * 8 / v / 1e9), "GFLOP/s", "{:.0f}"))
            del before
        config = dict(getattr(model, "config", None) or {})
        ngf = config.get("ngf") if s.task == "translate" else None
        if ngf and ngf < 64:  # the same U-Net at wider widths: how efficiency grows with width
            for wide in (32, 64):
                m = create(s.name, weights=False, **{**config, "ngf": wide})
                wmacs = count_macs(m, (1, cin, s.input_size, s.input_size), method).macs
                wp = Predictor(m, device="cpu")
                x = rng.uniform(-0.5, 0.5, (8, cin, s.input_size, s.input_size)).astype(np.float32)
                wp.run(x, method)
                t = timeit(lambda: wp.run(x, method), 2 if quick else 3)
                g = t.map(lambda v: 2 * wmacs * 8 / v / 1e9)
                rep.add(Row("1", f"{s.name} b8 at width ngf {wide} instead of {ngf} [{wp.backend}, random "
                            f"weights, {2 * wmacs / 1e9:.2f} GFLOP/img] = {100 * g.med / peak.med:.0f}% of peak",
                            g, "GFLOP/s", "{:.0f}"))
                del wp, m
        pred = model = None   # free them before the next family
    net = eccv16()
    macs = count_macs(net, (1, 1, 256, 256)).macs
    x = torch.from_numpy(rng.uniform(0, 100, (1, 1, 256, 256)).astype(np.float32))
    with torch.no_grad():
        t = timeit(lambda: net(x), 2 if quick else 3)
    rep.add(Row("1", f"reference ECCV16 256^2 b1 eager torch [{2 * macs / 1e9:.1f} GFLOP/img]",
                t.map(lambda v: v * 1e3), "ms"))


# ------------------------------------------------------------------------ 2 + 3 photo

def item2_3(rep: Report, quick: bool, tmp: Path, items: set[str]) -> None:
    from colorstudio.core.io import imageio
    from colorstudio.core.colorize import pipeline
    from colorstudio.models.loading import load_predictor
    from colorstudio.models import default_model

    from bench.reference_eccv16 import colorize_reference, eccv16

    src, src_rgb, dst = tmp / "photo.jpg", tmp / "photo_rgb.jpg", tmp / "photo_out.png"
    imageio.write_image(src, sample_gray(2048, 1536), quality=92)
    imageio.write_image(src_rgb, sample_rgb(2048, 1536), quality=92)
    name = default_model("colorize")
    pred = load_predictor(name, device="cpu")
    pred.warm_up("predict_ab")
    parts: list[tuple[float, ...]] = []

    def ours(path: Path = src) -> None:
        t0 = time.perf_counter()
        img = imageio.read_image(path)
        t1 = time.perf_counter()
        res = pipeline.colorize(img, pred)
        t2 = time.perf_counter()
        imageio.write_image(dst, res.rgb)
        parts.append((t1 - t0, res.timings["predict"], res.timings["compose"], time.perf_counter() - t2))

    if "2" in items:
        t_ours = timeit(ours, 3 if quick else 7)
        p = np.median(np.array(parts[1:]), axis=0) * 1e3
        net = eccv16()

        def ref() -> None:
            imageio.write_image(dst, colorize_reference(imageio.read_image(src), net))

        t_ref = timeit(ref, 2 if quick else 3)
        rep.add(Row("2", f"2048x1536 gray JPEG -> PNG, {name} [{pred.backend}] (read {p[0]:.0f} "
                    f"+ net {p[1]:.0f} + recombine {p[2]:.0f} + write {p[3]:.0f} ms)",
                    t_ours.map(lambda v: v * 1e3), "ms", "{:.0f}", "< 500 ms", t_ours.med < 0.5))
        rep.add(Row("2", "same photo, reference ECCV16 pipeline (eager torch)",
                    t_ref.map(lambda v: v * 1e3), "ms", "{:.0f}"))
        speedup = Stat(t_ref.med / t_ours.med, t_ref.lo / t_ours.hi, t_ref.hi / t_ours.lo, t_ours.n)
        rep.add(Row("2", "speed-up over the ECCV16 reference", speedup, "x", "{:.1f}", ">= 3x",
                    speedup.med >= 3.0))
        import cv2

        from colorstudio.core.io import png

        rgb_out = pipeline.colorize(imageio.read_image(src), pred).rgb
        bgr = cv2.cvtColor(rgb_out, cv2.COLOR_RGB2BGR)
        reps = 3 if quick else 5
        t_cv = timeit(lambda: cv2.imencode(".png", bgr), reps)
        isal, png._isal = png._isal, None   # the same writer on plain zlib
        try:
            t_zlib = timeit(lambda: png.encode_png(rgb_out, level=1), reps)
        finally:
            png._isal = isal
        t_png = timeit(lambda: png.encode_png(rgb_out), reps)
        size_cv, size_png = len(cv2.imencode(".png", bgr)[1]), len(png.encode_png(rgb_out))
        rep.add(Row("2", f"PNG encoding of that result, {size_png / 1e6:.1f} MB [{png.engine()} deflate, "
                    f"parallel segments]; before: OpenCV's encoder {t_cv.med * 1e3:.0f} ms, "
                    f"{size_cv / 1e6:.1f} MB; with zlib level 1 {t_zlib.med * 1e3:.0f} ms",
                    t_png.map(lambda v: v * 1e3), "ms", "{:.0f}"))
        t_rgb = timeit(lambda: ours(src_rgb), 2 if quick else 5)
        rep.add(Row("2", "2048x1536 colour JPEG -> PNG (its lightness colorized)",
                    t_rgb.map(lambda v: v * 1e3), "ms", "{:.0f}"))

    if "3" in items:
        img = imageio.read_image(src)
        res = pipeline.colorize(img, pred)
        sats = iter(np.linspace(0.5, 1.8, 64))
        t = timeit(lambda: pipeline.compose(img, res.ab_small, float(next(sats))), 5 if quick else 9)
        rep.add(Row("3", "saturation edit on the 2048x1536 photo (no network rerun)",
                    t.map(lambda v: v * 1e3), "ms", "{:.0f}", "< 100 ms", t.med < 0.1))
        rgb = imageio.read_image(src_rgb)
        ab = pipeline.predict_ab(pred, rgb)
        t = timeit(lambda: pipeline.compose(rgb, ab, float(next(sats))), 3 if quick else 7)
        rep.add(Row("3", "saturation edit, colour photo", t.map(lambda v: v * 1e3), "ms", "{:.0f}",
                    "< 100 ms", t.med < 0.1))
        L = pipeline.lightness(rgb)
        t = timeit(lambda: pipeline.compose(rgb, ab, float(next(sats)), lightness_full=L), 3 if quick else 7)
        rep.add(Row("3", "saturation edit, colour photo, L kept (lightness_full=)",
                    t.map(lambda v: v * 1e3), "ms", "{:.0f}"))
        hint_edit(rep, quick, img)


def hint_edit(rep: Report, quick: bool, img: np.ndarray) -> None:
    from colorstudio.core.colorize import pipeline
    from colorstudio.models.loading import load_predictor
    from colorstudio.models import available

    if "unet-hints" not in {s.name for s in available()}:
        rep.add(Row("3", "hint edit", value="unet-hints not registered"))
        return
    pred = load_predictor("unet-hints", device="cpu")
    pred.warm_up("predict_ab")
    calls = [0]
    run = pred.run

    def counting(x, method="forward"):
        calls[0] += 1
        return run(x, method)

    pred.run = counting  # count network passes per edit
    xs = iter(np.linspace(0.2, 0.8, 64))
    reps = 3 if quick else 7
    t = timeit(lambda: pipeline.colorize(img, pred, hints=[pipeline.Hint(float(next(xs)), 0.5, 40.0, 25.0)]),
               reps)
    passes = calls[0] / (reps + 1)
    rep.add(Row("3", f"move one hint on the photo (unet-hints) [{pred.backend}]: "
                f"{passes:g} net pass(es) per edit + recombine",
                t.map(lambda v: v * 1e3), "ms", "{:.0f}", "1 network pass", passes == 1))


# ------------------------------------------------------------------------ 4 batch

def item4(rep: Report, quick: bool, tmp: Path) -> None:
    import cv2

    from colorstudio.core.colorize import pipeline
    from colorstudio.models.loading import load_predictor
    from colorstudio.models import default_model

    try:
        from colorstudio.core.batch import colorize_files
    except ImportError:
        rep.add(Row("4", "batch of frames", value="colorstudio.core.batch.colorize_files not available"))
        return
    n = 60 if quick else 500
    src, out = tmp / "frames", tmp / "frames_out"
    src.mkdir()
    base = sample_gray(1024, 1024, seed=1)
    files = []
    for i in range(n):  # a slow pan over the scene: each frame differs
        y, x = (i * 3) % 512, (i * 5) % 512
        f = src / f"frame_{i:04d}.png"
        cv2.imwrite(str(f), base[y:y + 512, x:x + 512])
        files.append(f)
    name = default_model("colorize")
    pred = load_predictor(name, device="cpu")
    pred.warm_up("predict_ab")
    size = pred.spec.input_size
    frame = cv2.imread(str(files[0]), cv2.IMREAD_GRAYSCALE)
    x = pipeline.net_input_l(frame, pipeline.net_size(frame.shape, size, pred.spec.fixed_size))
    net = timeit(lambda: pred.predict_ab(x), 10 if quick else 30, warmup=3).map(lambda v: 1.0 / v)
    # The network's best throughput on many frames: one frame per core at once, each on
    # a single-threaded session (what the batch runs; see Predictor.run_stream).
    streams = pred.streams("predict_ab")
    per = 4 if quick else 12

    def concurrent() -> None:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(streams) as ex:
            for _ in ex.map(lambda _i: pred.run_stream(x, "predict_ab"), range(streams * per)):
                pass

    net_streams = timeit(concurrent, 3 if quick else 5, warmup=1).map(lambda v: streams * per / v)
    best = max(net.med, net_streams.med)
    t0, c0 = time.perf_counter(), time.process_time()
    stamps, failed = [], []
    for ev in colorize_files(files, out, pred, overwrite=True):
        stamps.append(time.perf_counter() - t0)
        if not ev.ok:
            failed.append(ev.error)
    total = time.perf_counter() - t0
    cores = (time.process_time() - c0) / total
    win = max(10, n // 5)
    rates = [win / (stamps[i + win - 1] - (stamps[i - 1] if i else 0.0)) for i in range(0, n - win + 1, win)]
    fps = Stat(n / total, min(rates), max(rates), 1)
    rep.add(Row("4", f"network only, {name} on a 512x512 frame ({x.shape[2]}x{x.shape[3]} net input), "
                f"one at a time on all threads [{pred.backend}]", net, "frames/s", "{:.2f}"))
    rep.add(Row("4", f"network only, {streams} frames at once, one thread each "
                f"({streams * per} frames per run)", net_streams, "frames/s", "{:.2f}"))
    rep.add(Row("4", f"{n} frames 512x512 PNG folder -> PNGs (colorize_files; min/max over "
                f"{win}-frame windows; {cores:.2f} of {os.cpu_count()} cores busy)", fps, "frames/s", "{:.2f}"))
    rep.add(Row("4", "batch throughput / network-only one at a time", value=f"{100 * fps.med / net.med:.0f} %"))
    # Where the time goes: CPU per frame of each step alone (one thread, quiet), and the
    # best ratio the cores allow when every step must share them with the network.
    from colorstudio.core.io import imageio

    def cpu_ms(fn, k: int = 10) -> float:
        fn()
        c = time.thread_time()
        for _ in range(k):
            fn()
        return (time.thread_time() - c) / k * 1e3

    img = imageio.read_image(files[0])
    ab = pipeline.predict_ab(pred, img)
    rgb = pipeline.compose(img, ab)
    parts = {"decode": cpu_ms(lambda: imageio.read_image(files[0])),
             "net input": cpu_ms(lambda: pipeline.net_input(pred, img)),
             "recombine": cpu_ms(lambda: pipeline.compose(img, ab)),
             "encode+write": cpu_ms(lambda: imageio.write_image(tmp / "probe.png", rgb))}
    net_cpu = cpu_ms(lambda: pred.run_stream(x, "predict_ab"))
    other = sum(parts.values())
    rep.add(Row("4", "CPU per frame, each step alone: network (1 thread) " + f"{net_cpu:.1f} ms; "
                + ", ".join(f"{k} {v:.1f}" for k, v in parts.items())
                + f" ms -> at most {100 * net_cpu / (net_cpu + other):.0f}% of the network's best "
                f"when all share {os.cpu_count()} cores", value=f"{other:.1f} ms"))
    ratio = fps.med / best
    rep.add(Row("4", "batch throughput / network-only at its best", value=f"{100 * ratio:.0f} %",
                target=">= 85%", ok=ratio >= 0.85 and not failed))
    if failed:
        rep.notes.append(f"batch: {len(failed)} frames failed, first: {failed[0]}")


# ------------------------------------------------------------------------ 5 big scan

def _child(args: list[str], timeout: float) -> tuple[dict, float | None]:
    """Run ``python -m bench._bigscan ARGS`` (under /usr/bin/time -v when present)."""
    cmd = [sys.executable, "-m", "bench._bigscan", *args]
    tv = Path("/usr/bin/time")
    if tv.exists():
        cmd = [str(tv), "-v", *cmd]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:1])} failed: {proc.stderr.strip().splitlines()[-1:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return data, (int(m.group(1)) / 1024.0 if m else None)


def item5(rep: Report, quick: bool, tmp: Path) -> None:
    w, h = (3000, 2250) if quick else (12000, 9000)
    src, dst, ab = tmp / "scan.png", tmp / "scan_out.png", tmp / "scan_ab.npy"
    subprocess.run([sys.executable, "-m", "bench._bigscan", "make", str(src), str(w), str(h)],
                   cwd=ROOT, check=True)
    ours, rss = _child(["strips", str(src), str(dst), str(ab)], 600)
    peak_mb = rss if rss is not None else ours["peak_rss_mb"]
    how = "/usr/bin/time -v" if rss is not None else "getrusage"
    rep.add(Row("5", f"{w}x{h} ({w * h / 1e6:.0f} MP) gray PNG -> colour PNG, full resolution "
                f"(read {ours['read']:.1f} + net {ours['predict']:.2f} + recombine {ours['compose']:.1f} "
                f"+ write {ours['write']:.1f} s)", Stat(ours["total"], ours["total"], ours["total"], 1),
                "s", "{:.1f}"))
    rep.add(Row("5", f"peak memory of that process ({how}, incl. torch + ORT)",
                Stat(peak_mb, peak_mb, peak_mb, 1), "MB", "{:.0f}", "< 2500 MB", peak_mb * 2 ** 20 < 2.5e9))
    try:
        g, rss_g = _child(["gui", str(src)], 900)
    except Exception as exc:  # noqa: BLE001 -- no Qt here: the row says so
        rep.add(Row("5", "the app on that scan", value=f"not measured ({exc})"))
    else:
        g_mb = rss_g if rss_g is not None else g["peak_rss_mb"]
        rep.add(Row("5", f"the app's Colorize tab on that scan: peak memory ({g['seconds']:.1f} s to the result)",
                    Stat(g_mb, g_mb, g_mb, 1), "MB", "{:.0f}", f"<= 1.5x the CLI's ({1.5 * peak_mb:.0f} MB)",
                    g_mb <= 1.5 * peak_mb))
        stall = float(g["max_stall_ms"])
        rep.add(Row("5", "the app's longest freeze meanwhile (event-loop stall)", Stat(stall, stall, stall, 1),
                    "ms", "{:.0f}", "<= 100 ms", stall <= 100))
    whole, rss_w = _child(["whole", str(src), str(ab)], 600)
    same = whole["sha"] == ours["sha"]
    w_mb = rss_w if rss_w is not None else whole["peak_rss_mb"]
    rep.add(Row("5", f"strips vs recombining the whole image at once (that needs {w_mb:.0f} MB): "
                "pixel-identical", value="identical" if same else "DIFFERENT",
                target="no quality loss", ok=same))


# ------------------------------------------------------------------------ 9 repair (issue 31)

def item9(rep: Report, quick: bool, tmp: Path) -> None:
    """Detection + fill of an old print's damage: a 2048x1536 scan with synthetic damage (in
    this process), and a 100-megapixel scan's peak memory (a child process)."""
    from colorstudio.core import color
    from colorstudio.core.colorize import damage
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.core.restore import repair
    from colorstudio.models import create, spec

    trained = spec("damage-unet").has_weights
    runner = Predictor(create("damage-unet", weights=trained), device="cpu")   # the backend the app picks
    L = damage.damage(color.u8_to_l(sample_gray(2048, 1536)), np.random.default_rng(0),
                      damage.HELD_OUT_MIX).L
    gray = color.l_to_u8(L)
    s = timeit(lambda: repair.repair_image(runner, gray), 2 if quick else 5)
    note = "" if trained else " (UNTRAINED detector: random weights)"
    rep.add(Row("9", f"2048x1536 scan with damage: detection (damage-unet, tiles of 1024) + fill (Telea){note}",
                s, "s", "{:.2f}", "<= 1 s", s.med <= 1.0))
    w, h = (4000, 3000) if quick else (12000, 8400)
    src = tmp / "repair_scan.png"
    subprocess.run([sys.executable, "-m", "bench._bigscan", "make", str(src), str(w), str(h)], cwd=ROOT, check=True)
    data, rss = _child(["repair", str(src)], 900)
    mb = rss if rss is not None else data["peak_rss_mb"]
    rep.add(Row("9", f"{w}x{h} ({w * h / 1e6:.0f} MP) scan: read + detection + fill, peak memory "
                f"({data['repair']:.0f} s, {data['flagged']:.1%} flagged){note}",
                Stat(mb, mb, mb, 1), "MB", "{:.0f}", "< 2500 MB", mb * 2 ** 20 < 2.5e9))


# ------------------------------------------------------------------------ 10 hints (issue 35)

def item10(rep: Report, quick: bool) -> None:
    """Ten hints on the default colorizer's 2048x1536 result: the network's answer is kept
    (``pipeline.NetworkMemo``), so a hint edit costs the hint step and the compose only."""
    from colorstudio.core.colorize import pipeline
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create, default_model

    name = default_model("colorize")
    pred = Predictor(create(name, weights=True), device="cpu")
    img = sample_gray(2048, 1536)
    memo = pipeline.NetworkMemo()
    pipeline.colorize(img, pred, memo=memo)
    rng = np.random.default_rng(0)

    def edit() -> None:
        hints = [pipeline.Hint(*rng.uniform(0.05, 0.95, 2), *rng.uniform(-40, 40, 2)) for _ in range(10)]
        pipeline.colorize(img, pred, hints=hints, memo=memo)

    s = timeit(edit, 3 if quick else 10)
    rep.add(Row("10", f"10 hints on {name}'s 2048x1536 result: hint step + compose (after the first result)",
                s, "s", "{:.3f}", "<= 0.15 s", s.med <= 0.15))


# ------------------------------------------------------------------------ 6 start-up

def item6(rep: Report, quick: bool) -> None:
    try:
        import colorstudio.gui.app  # noqa: F401
    except ImportError as exc:
        rep.add(Row("6", "start-up", value=f"GUI not importable ({exc})"))
        return
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    ts, why, torch_early = [], "", False
    for _ in range(2 if quick else 5):
        t0 = time.time()
        proc = subprocess.run([sys.executable, "-m", "bench._startup"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        m = re.search(r"^SHOWN ([\d.]+)$", proc.stdout, re.M)
        if not m:
            why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            break
        ts.append(float(m.group(1)) - t0)
        torch_early |= "TORCH_LOADED True" in proc.stdout
    if not ts:
        rep.add(Row("6", "start-up", value=f"probe failed: {why}", target="< 2 s", ok=False))
        return
    s = Stat.of(ts)
    rep.add(Row("6", "launch `colorstudio` -> main window painted (offscreen, new process each time; "
                f"torch {'imported BEFORE' if torch_early else 'loaded after'} the window was shown)",
                s, "s", "{:.2f}", "< 2 s", s.med < 2.0))


# ------------------------------------------------------------------------ 7 training

def item7(rep: Report, quick: bool, tmp: Path) -> None:
    try:
        from bench.train_speed import measure_training
    except ImportError as exc:
        rep.add(Row("7", "training", value=f"not measured ({exc})"))
        return
    measure_training(rep, quick, tmp)


# ------------------------------------------------------------------------ 8 video clip

def make_clip(path: Path, frames: int, w: int = 1920, h: int = 1080, fps: float = 24.0) -> Path:
    """A gray H.264 clip: a slow pan over a grainy photo (each frame differs, as in a shot)."""
    from colorstudio.core.io import video_io

    base = sample_gray(w + frames * 4, h + frames * 2, seed=2)

    def gen():
        for i in range(frames):
            f = base[i * 2:i * 2 + h, i * 4:i * 4 + w]
            yield np.repeat(f[:, :, None], 3, axis=2)

    video_io.write_video(gen(), path, fps)
    return path


def item8(rep: Report, quick: bool, tmp: Path) -> None:
    """The issue's clip: decode -> colorize -> temporal smoothing 0.7 -> frames and .mp4,
    end to end through ``colorize_video`` (what the CLI and the Batch tab run)."""
    from colorstudio.core.batch.frames import colorize_video
    from colorstudio.models import default_model
    from colorstudio.models.loading import load_predictor

    n = 24 if quick else 72
    clip = make_clip(tmp / "clip1080.mp4", n)
    fast = "unet-gan"
    for name in dict.fromkeys([default_model("colorize"), fast]):
        pred = load_predictor(name, device="cpu")
        pred.warm_up("predict_ab")
        out = tmp / f"clip_{name}"
        t0 = time.perf_counter()
        failed = [ev.error for ev in colorize_video(clip, out, pred, smooth=0.7, overwrite=True)
                  if ev.status == "failed"]
        total = time.perf_counter() - t0
        rate = n / total
        rep.add(Row("8", f"1080p H.264 clip, {n} frames: decode -> {name} [{pred.backend}] -> smooth 0.7 -> "
                    f"PNG frames + .mp4 ({total:.1f} s)", Stat(rate, rate, rate, 1), "frames/s", "{:.1f}",
                    ">= 6 frames/s", rate >= 6.0 and not failed))
        if failed:
            rep.notes.append(f"clip with {name}: {len(failed)} frames failed, first: {failed[0]}")


# ------------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, 60 frames, a 7 MP scan")
    ap.add_argument("--only", default="1,2,3,4,5,6,7,8,9,10", help="comma-separated items to run")
    ap.add_argument("--markdown", type=Path, help="write the table into this markdown file "
                    "(between <!-- bench:start --> and <!-- bench:end -->, else appended)")
    args = ap.parse_args(argv)
    items = {s.strip() for s in args.only.split(",") if s.strip()}
    bad = items - {str(i) for i in range(1, 11)}
    if bad:
        ap.error(f"unknown items {', '.join(sorted(bad))}; choose from 1-10")

    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load0 = load()
    info = machine()
    print(f"ColorStudio speed benchmark, {started}" + (" (quick)" if args.quick else ""))
    for k, v in info.items():
        print(f"  {k}: {v}")
    print(f"  load average at start: {load0}", flush=True)
    rep = Report()
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="colorstudio-bench-") as d:
        tmp = Path(d)
        if "1" in items:
            peak = matmul_peak(5 if args.quick else 10)
            item1(rep, args.quick, peak)
        if items & {"2", "3"}:
            item2_3(rep, args.quick, tmp, items)
        if "4" in items:
            item4(rep, args.quick, tmp)
        if "5" in items:
            item5(rep, args.quick, tmp)
        if "6" in items:
            item6(rep, args.quick)
        if "7" in items:
            item7(rep, args.quick, tmp)
        if "8" in items:
            item8(rep, args.quick, tmp)
        if "9" in items:
            item9(rep, args.quick, tmp)
        if "10" in items:
            item10(rep, args.quick)
    elapsed = time.perf_counter() - t_start
    load1 = load()
    rep.notes.append(f"load average at start {load0}, at end {load1}; benchmark took {elapsed:.0f} s")
    print()
    print(rep.text())
    if args.markdown:
        md = (f"Measured {started} on {info['cpu']} ({info['cores']} cores, {info['memory']}); "
              f"torch {info['torch']}, onnxruntime {info['onnxruntime']}, OpenCV {info['opencv']}, "
              f"Python {info['python']}" + (" -- quick mode" if args.quick else "") + ".\n\n"
              + rep.markdown())
        write_markdown(args.markdown, md)
    return 0


def write_markdown(path: Path, table: str) -> None:
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    block = f"{start}\n{table}\n{end}"
    text = path.read_text() if path.exists() else ""
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text + ("\n" if text else "") + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
