"""Reliability soak: the hostile-input corpus through the CLI, and repeated kills.

    python -m bench.reliability [--kills N] [--frames N]

1. Builds the corpus of tests/reliability/corpus.py, runs ``colorstudio-cli colorize``
   once over all of it (a user's file named like a stale temp waiting in the output
   folder), and prints the counts -- tracebacks, unclear messages, silent wrong results
   (a bad input passed, a one-colour result), lost or torn outputs (inputs changed, that
   user's file gone, a result missing or unreadable), stray files, hangs, raw control
   characters, a library's own lines -- then a table: kind -> what happened.
2. Kills a batch of ``--frames`` images with SIGKILL ``--kills`` times at random
   points, resumes each time, and compares the final outputs with an uninterrupted run
   byte for byte; counts stray temporary files.
"""

from __future__ import annotations

import argparse
import os
import random
import re
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


RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # what must not reach a terminal raw
USER_FILE = ".cs-999998-notes.png"   # a user's file in the output folder, named like a stale temp


def _snapshot(paths) -> dict[str, tuple]:
    """What an input is on disk (kind, size, mtime, inode), to tell it was left untouched."""
    snap = {}
    for p in paths:
        try:
            st = os.lstat(p)
            snap[str(p)] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            snap[str(p)] = None
    return snap


def _judge(expect: str, msg: str, out: Path | None) -> str:
    """'' when the item did what the corpus expects, else the class of what went wrong."""
    if RAW_CONTROL.search(msg):
        return "unclear message"
    if expect != "done":
        if not msg:
            return "silent wrong result"          # a bad input passed for a result
        return "" if expect.lower() in msg.lower() else "unclear message"
    if msg:
        return "unclear message"                  # a good input refused
    if out is None or not out.is_file():
        return "lost or torn output"
    from colorstudio.core.io.imageio import ImageReadError, read_image

    try:
        img = read_image(out, max_pixels=None)
    except ImageReadError:
        return "lost or torn output"
    return "silent wrong result" if img[..., :3].size > 3 and float(img[..., :3].std()) == 0 else ""


def corpus_table(tmp: Path, weights: Path) -> str:
    from colorstudio.core.batch.outputs import MANIFEST, read_manifest
    from colorstudio.core.messages import shown

    items = build(tmp / "corpus")
    out = tmp / "corpus_out"
    out.mkdir()
    (out / USER_FILE).write_bytes(b"a user's file: never ours to delete")
    before = _snapshot(p for _, p, _ in items)
    t0 = time.time()
    hung = 0
    try:
        res = subprocess.run([str(BIN / "colorstudio-cli"), "colorize", *[str(p) for _, p, _ in items], "-o",
                              str(out), "--weights", str(weights), "--device", "cpu", "--size", "32", "-q"],
                             capture_output=True, text=True, env=ENV, timeout=600)
        rc, stdout, stderr = res.returncode, res.stdout, res.stderr
    except subprocess.TimeoutExpired as exc:
        hung, rc = 1, None
        stdout, stderr = (x.decode(errors="replace") if isinstance(x, bytes) else x or "" for x in (exc.stdout,
                                                                                                   exc.stderr))
    lines = stderr.splitlines()
    plan = read_manifest(out)
    counts = dict.fromkeys(("unclear message", "silent wrong result", "lost or torn output"), 0)
    rows = ["| kind | expected | result | message |", "|---|---|---|---|"]
    results = {out / MANIFEST, out / USER_FILE}
    for kind, path, expect in items:
        name = shown(path.name)
        msg = next((ln for ln in lines if name in ln and not ln.startswith(("[", "note:"))), "")
        note = next((ln for ln in lines if name in ln and ln.startswith("note:")), "")
        msg = msg.split(f"{name}: ", 1)[-1] if msg else ""
        result = plan.get(os.path.normcase(os.path.abspath(path)), {}).get("result")
        dst = out / result if result else None
        results.add(dst)
        wrong = _judge(expect, msg, dst)
        if wrong:
            counts[wrong] += 1
        rows.append(f"| {shown(kind)} | {'done' if expect == 'done' else 'one line'} | "
                    f"{'failed' if msg else 'done'}{f' (!: {wrong})' if wrong else ''} | "
                    f"{shown(msg or note).replace('|', '/')[:110]} |")
    changed = [p for p, v in _snapshot(before).items() if v != before[p]]
    counts["lost or torn output"] += len(changed) + (not (out / USER_FILE).is_file())
    stray = [q.name for q in out.iterdir() if q not in results] if out.is_dir() else []
    tracebacks = (stdout + stderr).count("Traceback")
    ours = ("FAILED ", "note:", "[", "colorstudio-cli:", "warning:")
    noise = [ln for ln in lines if ln.strip() and not ln.startswith(ours)]   # a library's own lines
    head = [f"{len(items)} kinds of input in one run: exit status {rc}, {time.time() - t0:.1f} s; "
            f"summary: {shown(stdout.strip())}",
            f"cases {len(items)}; tracebacks {tracebacks}; unclear messages {counts['unclear message']}; "
            f"silent wrong results {counts['silent wrong result']}; lost or torn outputs (inputs changed, the "
            f"user's {USER_FILE} in the output folder removed) {counts['lost or torn output']}; stray files "
            f"{len(stray)}; hangs {hung}; raw control characters printed: "
            f"{'yes' if RAW_CONTROL.search(stdout + stderr) else 'no'}; a library's own lines on stderr: "
            f"{len(noise)}{' (' + shown(' / '.join(noise))[:200] + ')' if noise else ''}", ""]
    return "\n".join(head + rows)


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
