"""Film scale (issue 36): image sequences through the whole path, every figure measured in this run.

    python -m bench.scale                  # 24 frames of 1080p (about two minutes on 2 cores)
    python -m bench.scale --frames 96      # a longer run
    python -m bench.scale --markdown docs/scale.md   # also write the table there

Rows: (S1) a 1080p 10-bit log DPX sequence -> decode -> the default colorizer -> temporal
smoothing 0.7 -> EXR half (scene-linear ACEScg), through ``core.batch.shards.colorize_range``
(what ``colorstudio-cli colorize 'shot.####.dpx' --format exr`` runs), with the time each stage
spends per frame -- the stages overlap on the batch's threads, so they add up to more than the
wall time; (S2) the lightness round trip of a gray frame where no colour is added (the
default colorizer at saturation 0): EXR half, DPX 10-bit and 16-bit TIFF in and out, each value
compared; (S3) the Dask executor's scheduling overhead: 2,000 tiny frames (a folder of 32x24
PNGs, a small U-Net) in one process against the same shot as shards on a local cluster of 2
worker processes already started (as a farm's scheduler is), wall time each, and the cluster's
start-up apart.  Needs the ``vfx`` extra (OpenImageIO, OpenColorIO) and, for S3, the ``dask``
extra.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.speed import Report, Row, Stat, load, machine, sample_gray, write_markdown

W, H = 1920, 1080
TARGET_FPS = 5.0
STAGES = ("decode", "colour in", "network input", "network", "smoothing", "recombine", "write")


# ------------------------------------------------------------------------ inputs

def film_frames(n: int, w: int = W, h: int = H):
    """``n`` gray frames (sRGB 0-1 float32): a slow pan over a grainy photo, each frame differs."""
    base = sample_gray(w + n * 4, h + n * 2, seed=2).astype(np.float32) / 255.0
    for i in range(n):
        yield base[i * 2:i * 2 + h, i * 4:i * 4 + w]


def write_dpx_sequence(folder: Path, n: int, first: int = 1001) -> Path:
    """A 10-bit log (ADX10, printing density) DPX sequence of ``n`` 1080p film frames: the
    photo's sRGB converted by OpenColorIO, as a scanner would have stored it."""
    import OpenImageIO as oiio

    from colorstudio.core.color import spaces

    to_log = spaces.conversion(spaces.DISPLAY, spaces.FILM_LOG)
    folder.mkdir(parents=True, exist_ok=True)
    spec = oiio.ImageSpec(W, H, 3, "uint16")
    spec.attribute("oiio:BitsPerSample", 10)
    spec.attribute("dpx:Transfer", "Printing density")
    for i, g in enumerate(film_frames(n)):
        gray = np.round(to_log.apply(np.repeat(g[:, :, None], 3, axis=2))[:, :, 1] * 1023.0)
        codes = np.clip(gray, 0, 1023).astype(np.uint16)
        u16 = (codes << 6) | (codes >> 4)   # 10 bits as 16 (OpenImageIO's own scaling)
        path = folder / f"shot.{first + i:04d}.dpx"
        out = oiio.ImageOutput.create(str(path))
        out.open(str(path), spec)
        out.write_image(np.ascontiguousarray(np.repeat(u16[:, :, None], 3, axis=2)))
        out.close()
    return folder / "shot.####.dpx"


# ------------------------------------------------------------------------ S1 the path

@contextlib.contextmanager
def stage_clock(totals: dict[str, float]):
    """Time every call of each stage of ``SequenceStage`` (and the decode inside its load),
    summed into ``totals`` (seconds) -- the instruments are removed on exit."""
    from colorstudio.core.batch import sequences
    from colorstudio.core.io import vfx

    cls = sequences.SequenceStage
    wrapped = {"load": "colour in", "prepare_job": "network input", "predict": "network", "ordered": "smoothing",
               "finish_job": "recombine", "write": "write"}
    saved = {name: cls.__dict__.get(name) for name in wrapped}
    read = vfx.read_frame

    def clocked(fn, key):
        @functools.wraps(fn)
        def run(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                totals[key] = totals.get(key, 0.0) + time.perf_counter() - t
        return run

    try:
        for name, key in wrapped.items():
            setattr(cls, name, clocked(getattr(cls, name), key))
        vfx.read_frame = clocked(read, "decode")
        yield
    finally:
        vfx.read_frame = read
        for name, fn in saved.items():
            if fn is None:
                delattr(cls, name)
            else:
                setattr(cls, name, fn)


def s1_dpx_to_exr(rep: Report, tmp: Path, n: int) -> None:
    from colorstudio.core.batch import sequences, shards
    from colorstudio.core.io import sequence
    from colorstudio.models import default_model
    from colorstudio.models.loading import load_predictor

    pattern = write_dpx_sequence(tmp / "scan", n)
    seq = sequence.find(pattern)
    colour = sequences.plan_colour(seq, fmt="exr")
    shot = shards.Shot(sequence=seq, colour=colour)
    name = default_model("colorize")
    pred = load_predictor(name, device="cpu")
    plan = shards.plan_range(shot, smooth=0.7)
    colour.frame_colour().tables("int")   # the code tables: built once per process, before the clock
    totals: dict[str, float] = {}
    failed: list[str] = []
    stamps: list[float] = []
    with stage_clock(totals):
        t0, c0 = time.perf_counter(), time.process_time()
        for ev in shards.colorize_range(shot, tmp / "out", pred, plan, smooth=0.7, overwrite=True):
            stamps.append(time.perf_counter() - t0)
            if not ev.ok:
                failed.append(ev.error)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    totals["colour in"] = totals.get("colour in", 0.0) - totals.get("decode", 0.0)   # load = decode + colour in
    win = max(4, n // 4)
    rates = [win / (stamps[i + win - 1] - (stamps[i - 1] if i else 0.0)) for i in range(0, n - win + 1, win)]
    fps = Stat(n / total, min(rates, default=n / total), max(rates, default=n / total), 1)
    rep.add(Row("S1", f"1080p 10-bit DPX ({colour.space_in}) x {n} -> {name} [{pred.backend}] -> smooth 0.7 -> "
                f"EXR half ({colour.space_out}); min/max over {win}-frame windows ({total:.1f} s)", fps,
                "frames/s", "{:.2f}", f">= {TARGET_FPS:g} frames/s", fps.med >= TARGET_FPS and not failed))
    split = ", ".join(f"{k} {1000 * totals.get(k, 0.0) / n:.0f}" for k in STAGES)
    rep.add(Row("S1", f"time per frame in each stage, ms (overlapping on {os.cpu_count()} cores): {split}",
                value=f"{1000 * sum(totals.values()) / n:.0f} ms"))
    cores = os.cpu_count() or 1
    rep.add(Row("S1", f"CPU time per frame, every thread (what other work on the machine does not inflate): "
                f"at most {cores / (cpu / n):.1f} frames/s on {cores} free cores", value=f"{1000 * cpu / n:.0f} ms"))
    if failed:
        rep.notes.append(f"S1: {len(failed)} frames failed, first: {failed[0]}")


# ------------------------------------------------------------------------ S2 round trips

def s2_round_trips(rep: Report, tmp: Path) -> None:
    """Gray frames with values a studio's files hold (EXR: below 0 and above 1) through the
    default colorizer at saturation 0: every stored value compared, and the lightness."""
    import OpenImageIO as oiio

    from colorstudio.core.batch import sequences, shards
    from colorstudio.core.io import sequence, vfx
    from colorstudio.models import default_model
    from colorstudio.models.loading import load_predictor

    pred = load_predictor(default_model("colorize"), device="cpu")
    w, h, n = 512, 288, 3
    kinds = {"EXR half": (".exr", "half", {}, -0.02, 4.0), "DPX 10-bit": (".dpx", "uint16",
             {"oiio:BitsPerSample": 10, "dpx:Transfer": "Printing density"}, 0.0, 1.0),
             "TIFF 16-bit": (".tif", "uint16", {}, 0.0, 1.0)}
    for label, (ext, fmt, attrs, lo, hi) in kinds.items():
        folder = tmp / f"rt{ext}"
        folder.mkdir()
        for i, g in enumerate(film_frames(n, w, h)):
            v = lo + (hi - lo) * g
            v[0, :8], v[-1, :8] = lo, hi   # the extremes in every frame
            spec = oiio.ImageSpec(w, h, 3, fmt)
            for k, a in attrs.items():
                spec.attribute(k, a)
            out = oiio.ImageOutput.create(str(folder / f"rt.{i + 1:04d}{ext}"))
            out.open(str(folder / f"rt.{i + 1:04d}{ext}"), spec)
            out.write_image(np.ascontiguousarray(np.repeat(v[:, :, None], 3, axis=2)))
            out.close()
        seq = sequence.find(folder / f"rt.####{ext}")
        shot = shards.Shot(sequence=seq, colour=sequences.plan_colour(seq))
        fc = shot.colour.frame_colour()
        list(shards.colorize_range(shot, tmp / f"rt_out{ext}", pred, shards.plan_range(shot, smooth=0.7),
                                   smooth=0.7, saturation=0.0))
        worst, changed, clipped, values = 0.0, 0, 0, 0
        for p in seq.paths:
            a, b = _native(p), _native(tmp / f"rt_out{ext}" / p.name)
            changed += int(np.count_nonzero(a != b))
            clipped += int(np.count_nonzero((b != a) & ((b == b.min()) | (b == b.max()))))
            values += a.size
            fa, fb = vfx.read_frame(p), vfx.read_frame(tmp / f"rt_out{ext}" / p.name)
            la = fc.prepare(fa.pixels, fa.codes, fa.code_kind, fa.gray).L
            lb = fc.prepare(fb.pixels, fb.codes, fb.code_kind, fb.gray).L
            worst = max(worst, float(np.abs(la - lb).max()))
        rep.add(Row("S2", f"{label} round trip of a gray frame, no colour added ({n} frames {w}x{h}, "
                    f"{values} values: {changed} changed, {clipped} clipped); max |delta L|",
                    value=f"{worst:g}", target="0 (bit-identical)", ok=worst == 0.0 and changed == 0))


def _native(path: Path) -> np.ndarray:
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(str(path))
    arr = inp.read_image(inp.spec().format)
    inp.close()
    return np.asarray(arr)


# ------------------------------------------------------------------------ S3 Dask overhead

DASK_OVERHEAD_TARGET = 0.10   # Dask may take this much more wall time than one process


def _tiny_model(folder: Path) -> Path:
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    cfg = {"base": 8, "depth": 2}
    return save_weights(folder / "tiny.safetensors", create("unet-gan", weights=False, **cfg).state_dict(),
                        {"family": "unet-gan", "config": cfg})


def _load_tiny(weights: str):
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    return Predictor(create("unet-gan", weights=weights), device="cpu", backend="torch")


def s3_dask_overhead(rep: Report, tmp: Path, n: int) -> None:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        rep.notes.append("S3: the dask extra is missing (pip install 'colorstudio[dask]')")
        return
    from colorstudio.core.batch import dask_exec, shards
    from colorstudio.core.io.imageio import write_image

    folder = tmp / "tiny"
    rng = np.random.default_rng(5)
    for i in range(n):
        write_image(folder / f"tiny.{1001 + i}.png", (60 + 120 * rng.random((24, 32))).astype(np.uint8))
    weights = str(_tiny_model(tmp))
    files = tuple(sorted(folder.glob("*.png")))
    shot = shards.Shot(files=files)
    pred = _load_tiny(weights)
    t0 = time.perf_counter()
    done = sum(ev.ok for ev in shards.colorize_range(shot, tmp / "one", pred, shards.plan_range(shot),
                                                     size=32, overwrite=True))
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
            Client(lc) as client:
        start = time.perf_counter() - t0
        cluster = dask_exec.Cluster(client)
        loader = dask_exec.Loader(("bench-tiny", weights), functools.partial(_load_tiny, weights))
        t0 = time.perf_counter()
        done_d = sum(ev.ok for ev in dask_exec.colorize_shot(shot, tmp / "dask", loader, size=32, overwrite=True,
                                                             cluster=cluster) if ev.kind != "video")
        dask_t = time.perf_counter() - t0
    ratio = dask_t / one - 1.0
    rep.add(Row("S3", f"{n} tiny frames (32x24 PNG, a 0.03 M U-Net): one process {one:.1f} s ({done} written), "
                f"a local Dask cluster of 2 worker processes {dask_t:.1f} s ({done_d} written; the cluster's "
                f"start-up {start:.1f} s apart): Dask's extra wall time",
                Stat(100 * ratio, 100 * ratio, 100 * ratio, 1), "%", "{:+.0f}",
                f"<= +{100 * DASK_OVERHEAD_TARGET:.0f}%", ratio <= DASK_OVERHEAD_TARGET and done_d == done == n))


# ------------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=24, help="frames of the 1080p DPX sequence (default 24)")
    ap.add_argument("--tiny", type=int, default=2000, help="tiny frames for the Dask overhead (S3; 0: skip)")
    ap.add_argument("--markdown", type=Path, help="write the table into this markdown file "
                    "(between <!-- bench:start --> and <!-- bench:end -->, else appended)")
    args = ap.parse_args(argv)
    try:
        import OpenImageIO  # noqa: F401
        import PyOpenColorIO  # noqa: F401
    except ImportError as exc:
        print(f"bench.scale needs the vfx extra ({exc.name} is missing): pip install 'colorstudio[vfx]'",
              file=sys.stderr)
        return 2
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load0, info = load(), machine()
    print(f"ColorStudio film-scale benchmark, {started}")
    for k, v in info.items():
        print(f"  {k}: {v}")
    print(f"  load average at start: {load0}", flush=True)
    rep = Report()
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="colorstudio-scale-") as d:
        s1_dpx_to_exr(rep, Path(d), max(4, args.frames))
        s2_round_trips(rep, Path(d))
        if args.tiny:
            s3_dask_overhead(rep, Path(d), args.tiny)
    rep.notes.append(f"load average at start {load0}, at end {load()}; benchmark took "
                     f"{time.perf_counter() - t_start:.0f} s")
    print()
    print(rep.text())
    if args.markdown:
        write_markdown(args.markdown, f"Measured {started} on {info['cpu']} ({info['cores']} cores, "
                       f"{info['memory']}); torch {info['torch']}.\n\n" + rep.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
