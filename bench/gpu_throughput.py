"""Frames per second of the default colorizer on 1080p frames, by batch size (issue 36, item 5).

    python -m bench.gpu_throughput [--device cuda] [--frames 64] [--batches 1,2,4,8,16,32,64]
                                   [--size 1920x1080] [--model NAME]

For a lent GPU machine (``scripts/gpu_round.sh --throughput``), tried here on the CPU with
small frames (``--device cpu --size 320x180 --frames 4 --batches 1,2``).  Per batch size:
the network alone (render-size inputs already on the device) and the whole frame step as a
batch of frames runs it -- each frame's lightness at render size (CPU), one forward for the
batch, each frame's full-resolution colour composed (CPU, the pipeline's strip pool).  The
batch size that fills the GPU is the smallest whose network rate is within 5% of the best;
the frame step shows how much of it reaches a shot when the CPU work is not hidden (the batch
engine overlaps it with the next forward through its streams).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def _sync(torch, device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _frames(n: int, w: int, h: int, seed: int = 0) -> list[np.ndarray]:
    """Gray 8-bit 3-channel frames with structure (a gradient, shapes, noise): not constant,
    so no path can shortcut them."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = []
    for i in range(n):
        g = 96 + 60 * np.sin(xx / (37 + i) + yy / 53) + rng.normal(0, 6, (h, w))
        g[h // 4: h // 2, w // 3: w // 2] += 50
        out.append(np.repeat(np.clip(g, 0, 255).astype(np.uint8)[:, :, None], 3, 2))
    return out


def measure(model: str, device_name: str, frames: int, batches: list[int], w: int, h: int) -> list[dict]:
    import torch

    from colorstudio.core.colorize import pipeline
    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    pred = Predictor(create(model), device=device_name, backend="torch")
    dev = pred.device
    net = pred.model.to(dev)
    imgs = _frames(frames, w, h)
    x1 = pipeline.net_input(pred, imgs[0])
    rows = []
    for bs in batches:
        try:
            xb = torch.from_numpy(np.repeat(x1, bs, 0)).to(dev)
            with torch.inference_mode():
                net.predict_ab(xb) if hasattr(net, "predict_ab") else net(xb)   # warm-up (cudnn choice)
                _sync(torch, dev)
                t0 = time.perf_counter()
                reps = max(1, frames // bs)
                for _ in range(reps):
                    net.predict_ab(xb) if hasattr(net, "predict_ab") else net(xb)
                _sync(torch, dev)
                t_net = (time.perf_counter() - t0) / (reps * bs)
            t0 = time.perf_counter()
            done = 0
            for i in range(0, frames - bs + 1, bs):
                chunk = imgs[i:i + bs]
                xs = np.concatenate([pipeline.net_input(pred, im) for im in chunk], 0)
                with torch.inference_mode():
                    y = net.predict_ab(torch.from_numpy(xs).to(dev)) if hasattr(net, "predict_ab") \
                        else net(torch.from_numpy(xs).to(dev))
                    y = y.float().cpu().numpy()
                for k, im in enumerate(chunk):
                    pipeline.compose(im, pipeline.ab_from_output(y[k:k + 1]))
                done += len(chunk)
            t_step = (time.perf_counter() - t0) / max(done, 1)
            mem = torch.cuda.max_memory_allocated(dev) / 2 ** 20 if dev.type == "cuda" else float("nan")
            rows.append({"batch": bs, "net_fps": 1 / t_net, "step_fps": 1 / t_step, "gpu_mb": mem})
        except torch.OutOfMemoryError:
            rows.append({"batch": bs, "net_fps": float("nan"), "step_fps": float("nan"), "gpu_mb": float("nan"),
                         "note": "out of memory"})
            break
        finally:
            if dev.type == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats(dev)
    return rows


def table(rows: list[dict], model: str, device: str, w: int, h: int) -> str:
    ok = [r for r in rows if r["net_fps"] == r["net_fps"]]
    best = max((r["net_fps"] for r in ok), default=0.0)
    fills = next((r["batch"] for r in ok if r["net_fps"] >= 0.95 * best), None)
    lines = [f"{model} on {device}, {w}x{h} frames", "",
             "| batch | network alone, frames/s | frame step (L in, forward, compose), frames/s | GPU memory, MB |",
             "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['batch']} | {r['net_fps']:.1f} | {r['step_fps']:.1f} | {r['gpu_mb']:.0f} |"
                     + (f" {r['note']}" if r.get("note") else ""))
    lines += ["", f"the batch that fills it: {fills} (network within 5% of its best, {best:.1f} frames/s)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.gpu_throughput", description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--frames", type=int, default=64)
    ap.add_argument("--batches", default="1,2,4,8,16,32,64")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--model", default="")
    a = ap.parse_args(argv)
    from colorstudio.models import default_model

    w, h = (int(v) for v in a.size.lower().split("x"))
    batches = [int(b) for b in a.batches.split(",") if b.strip()]
    model = a.model or default_model("colorize")
    rows = measure(model, a.device, max(a.frames, max(batches)), batches, w, h)
    print(table(rows, model, a.device, w, h))
    return 0


if __name__ == "__main__":
    sys.exit(main())
