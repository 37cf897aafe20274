"""Reliability soak: the hostile-input corpus through the CLI, and repeated kills.

    python -m bench.reliability [--kills N] [--frames N]

1. Builds the corpus of tests/reliability/corpus.py, runs ``colorstudio-cli colorize``
   once over all of it, and prints a table: kind -> what happened (exit status of the
   run, the one-line message of each input).
2. Kills a batch of ``--frames`` images with SIGKILL ``--kills`` times at random
   points, resumes each time, and compares the final outputs with an uninterrupted run
   byte for byte; counts stray temporary files.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.reliability.corpus import build   # the corpus the reliability tests use

ROOT = Path(__file__).resolve().parents[1]

BIN = Path(sys.executable).parent
# One back-end for every run: auto-tuning under load could pick ORT for one run and torch
# for another, whose outputs may differ by one level.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "COLORSTUDIO_BACKEND": "onnxruntime"}


def _weights(folder: Path) -> Path:
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    m = create("unet-gan", weights=False, base=8, depth=2)
    return save_weights(folder / "w.safetensors", m.state_dict(), {"family": "unet-gan",
                                                                   "config": {"base": 8, "depth": 2}})


def corpus_table(tmp: Path, weights: Path) -> str:
    items = build(tmp / "corpus")
    out = tmp / "corpus_out"
    t0 = time.time()
    res = subprocess.run([str(BIN / "colorstudio-cli"), "colorize", *[str(p) for _, p, _ in items], "-o", str(out),
                          "--weights", str(weights), "--device", "cpu", "--size", "32", "-q"],
                         capture_output=True, text=True, env=ENV, timeout=600)
    lines = res.stderr.splitlines()
    rows = [f"{len(items)} kinds of input in one run: exit status {res.returncode}, {time.time() - t0:.1f} s; "
            f"traceback printed: {'yes' if 'Traceback' in res.stderr else 'no'}; summary: {res.stdout.strip()}", "",
            "| kind | expected | result | message |", "|---|---|---|---|"]
    for kind, path, expect in items:
        msg = next((ln for ln in lines if path.name in ln and not ln.startswith(("[", "note:"))), "")
        note = next((ln for ln in lines if path.name in ln and ln.startswith("note:")), "")
        msg = msg.split(f"{path.name}: ", 1)[-1] if msg else ""
        result = "failed" if msg else "done"
        ok = (result == "done") == (expect == "done") and (expect == "done" or expect.lower() in msg.lower())
        rows.append(f"| {kind} | {'done' if expect == 'done' else 'one line'} | {result}{'' if ok else ' (!)'} | "
                    f"{(msg or note).replace('|', '/')[:110]} |")
    return "\n".join(rows)


def kill_soak(tmp: Path, weights: Path, kills: int, frames: int) -> str:
    import numpy as np

    from colorstudio.core.io.atomic import PREFIX
    from colorstudio.core.io.imageio import write_image

    src = tmp / "frames"
    rng = np.random.default_rng(0)
    for i in range(frames):
        write_image(src / f"f{i:04d}.png", (rng.random((240, 320)) * 255).astype(np.uint8))
    cmd = [str(BIN / "colorstudio-cli"), "colorize", str(src), "--weights", str(weights), "--device", "cpu",
           "--size", "128", "-q", "-o"]
    subprocess.run(cmd + [str(tmp / "ref")], check=True, capture_output=True, env=ENV)
    out = tmp / "soak"
    r = random.Random(1)
    stray_seen = 0
    done_kills = 0
    for _ in range(kills):
        p = subprocess.Popen(cmd + [str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        time.sleep(r.uniform(0.8, 3.0))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            done_kills += 1
        p.wait()
        stray_seen += len([q for q in out.glob(f"{PREFIX}*")])
    subprocess.run(cmd + [str(out)], check=True, capture_output=True, env=ENV)
    names = sorted(q.name for q in (tmp / "ref").glob("*.png"))
    same = sum((out / n).is_file() and (out / n).read_bytes() == (tmp / "ref" / n).read_bytes() for n in names)
    left = len(list(out.glob(f"{PREFIX}*")))
    return (f"{done_kills} SIGKILLs of a {frames}-image batch, each followed by a rerun: {same}/{len(names)} outputs "
            f"byte-identical to an uninterrupted run; temp files seen after kills: {stray_seen}; "
            f"left after the final run: {left}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=12)
    ap.add_argument("--frames", type=int, default=150)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        w = _weights(tmp)
        print(corpus_table(tmp, w))
        if a.kills > 0:
            print()
            print(kill_soak(tmp, w, a.kills, a.frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
