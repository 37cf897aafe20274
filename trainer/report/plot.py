"""Plot a run's metrics.jsonl to a PNG (no matplotlib needed: drawn with OpenCV).

    python -m trainer.report.plot RUN/metrics.jsonl -o docs/curve_NAME.png [--keys loss/total,val/psnr_rgb]

One panel per metric group: training losses, then each validation metric family, x = step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from colorstudio.core.io import atomic
from colorstudio.core.io.runs import RunLayout, read_metrics

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127)]


def _panel(series: dict[str, tuple[list[float], list[float]]], title: str, w: int = 640, h: int = 300) -> np.ndarray:
    img = np.full((h, w, 3), 255, np.uint8)
    l, r, t, b = 70, 20, 30, 40
    xs = [x for xv, _ in series.values() for x in xv]
    ys = [y for _, yv in series.values() for y in yv if y is not None and np.isfinite(y)]
    cv2.putText(img, title, (l, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    if not xs or not ys:
        return img
    x0, x1 = min(xs), max(xs) or 1
    y0, y1 = min(ys), max(ys)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 1, y1 + 1
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad
    X = lambda v: int(l + (v - x0) / max(1e-12, x1 - x0) * (w - l - r))  # noqa: E731
    Y = lambda v: int(h - b - (v - y0) / (y1 - y0) * (h - t - b))  # noqa: E731
    cv2.rectangle(img, (l, t), (w - r, h - b), (0, 0, 0), 1)
    for i in range(5):
        yv = y0 + (y1 - y0) * i / 4
        cv2.line(img, (l, Y(yv)), (w - r, Y(yv)), (225, 225, 225), 1)
        cv2.putText(img, f"{yv:.4g}", (2, Y(yv) + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (60, 60, 60), 1, cv2.LINE_AA)
    for i in range(5):
        xv = x0 + (x1 - x0) * i / 4
        cv2.putText(img, f"{xv:.0f}", (X(xv) - 12, h - b + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (60, 60, 60), 1,
                    cv2.LINE_AA)
    cv2.putText(img, "step", (w // 2, h - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    for k, (name, (xv, yv)) in enumerate(series.items()):
        c = (232, 199, 174) if name == "raw" else COLOURS[k % len(COLOURS)][::-1]
        pts = np.array([(X(x), Y(y)) for x, y in zip(xv, yv) if y is not None and np.isfinite(y)], np.int32)
        if len(pts) > 1:
            cv2.polylines(img, [pts], False, c, 2, cv2.LINE_AA)
        elif len(pts) == 1:
            cv2.circle(img, tuple(int(v) for v in pts[0]), 3, c, -1)
        cv2.putText(img, name, (l + 8, t + 16 + 16 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.42, c, 1, cv2.LINE_AA)
    return img


def _smooth(ys: list, alpha: float = 0.1) -> list:
    out, m = [], None
    for y in ys:
        if y is None:
            out.append(m)
            continue
        m = y if m is None else (1 - alpha) * m + alpha * y
        out.append(m)
    return out


def plot(metrics: str | Path, out: str | Path, title: str = "") -> Path:
    train: dict[str, tuple[list, list]] = {}
    val: dict[str, tuple[list, list]] = {}
    for d in read_metrics(metrics):
        kind = d.get("kind")
        for k, v in d.items():
            if kind == "train" and k.startswith("loss/"):
                train.setdefault(k[5:], ([], []))
                train[k[5:]][0].append(d["step"]); train[k[5:]][1].append(v)  # noqa: E702
            elif kind == "val" and k.startswith("val/"):
                val.setdefault(k[4:], ([], []))
                val[k[4:]][0].append(d["step"]); val[k[4:]][1].append(v)  # noqa: E702
    groups: dict[str, dict] = {}
    for k, (xs, ys) in train.items():  # one panel per loss term: raw (light) and smoothed
        groups[f"train loss/{k}"] = {"raw": (xs, ys), "smoothed": (xs, _smooth(ys))}
    for k, v in val.items():
        fam = ("psnr" if k.startswith("psnr") else "colourfulness" if k.startswith("colourfulness")
               and not k.endswith("ratio") else k)
        groups.setdefault(f"val {fam}", {})[k] = v
    panels = [_panel(s, name) for name, s in groups.items()]
    if not panels:
        raise ValueError(f"{metrics}: no train or val lines to plot")
    if len(panels) % 2:
        panels.append(np.full_like(panels[0], 255))
    rows = [np.concatenate(panels[i:i + 2], 1) for i in range(0, len(panels), 2)]
    img = np.concatenate(rows, 0)
    if title:
        band = np.full((28, img.shape[1], 3), 255, np.uint8)
        cv2.putText(band, title, (10, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
        img = np.concatenate([band, img], 0)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok, png = cv2.imencode(out.suffix or ".png", np.ascontiguousarray(img[:, :, ::-1]))
    if not ok:
        raise ValueError(f"cannot encode the plot for {out}")
    atomic.write_bytes(out, png.tobytes())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m trainer.report.plot")
    ap.add_argument("metrics", help="RUN folder or its metrics.jsonl")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--title", default="")
    a = ap.parse_args(argv)
    m = Path(a.metrics)
    if m.is_dir():
        m = RunLayout(m).metrics
    print(plot(m, a.output, a.title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
