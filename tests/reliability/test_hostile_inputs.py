"""The batch engine and the CLI against a corpus of hostile and odd inputs.

Every input is either colorized or reported in one line; the good ones are always
done; nothing hangs (a FIFO, a device), nothing reads a 3 GB file, nothing prints a
traceback, and output names never collide.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from colorstudio.core.batch.outputs import MANIFEST
from colorstudio.core import batch
from colorstudio.core.inference.predictor import Predictor
from colorstudio.core.messages import shown
from colorstudio.models import create
from reliability.corpus import KINDS, build

CLI = Path(sys.executable).parent / "colorstudio-cli"
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # all but tab and newline


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("corpus") / "in")


@pytest.fixture(scope="module")
def predictor():
    return Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu", backend="torch")


def test_corpus_is_large_and_varied():
    assert len(KINDS) >= 60
    assert sum(e == "done" for *_, e in KINDS) >= 15 and sum(e != "done" for *_, e in KINDS) >= 25


def _run_in_thread(fn, timeout: float = 120.0):
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "the batch hung (a FIFO or device was read?)"
    return box["value"]


def test_every_input_is_done_or_reported_in_one_line(corpus, predictor, tmp_path):
    problems: list[str] = []
    inputs = batch.collect_inputs([p for _, p, _ in corpus], problems)
    events = _run_in_thread(lambda: list(batch.colorize_files(inputs, tmp_path / "out", predictor, size=32)))
    by_src = {ev.src: ev for ev in events}
    for kind, path, expect in corpus:
        reported = [m for m in problems if m.startswith(f"{path}:")]
        if reported:
            assert expect != "done" and expect in reported[0], (kind, reported)
            continue
        ev = by_src[path]
        if expect == "done":
            assert ev.status == "done", (kind, ev.error)
            assert ev.dst.is_file()
        else:
            assert ev.status == "failed" and "\n" not in ev.error, (kind, ev.status, ev.error)
            assert expect.lower() in ev.error.lower(), (kind, ev.error)
    outs = [ev.dst for ev in events if ev.status == "done"]
    assert len(set(outs)) == len(outs)  # plain.bmp and plain.webp do not share an output
    stray = [p for p in (tmp_path / "out").iterdir() if p not in outs and p.name != MANIFEST]
    assert not stray   # no temporary files (a result named ".cs-999999-holiday.png" is no temp)


@pytest.mark.slow
def test_cli_over_the_corpus(corpus, tmp_path):
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: install the package (pip install -e .)")
    from colorstudio.core.io.checkpoint import save_weights

    m = create("unet-gan", weights=False, base=8, depth=2)
    w = save_weights(tmp_path / "w.safetensors", m.state_dict(), {"family": "unet-gan",
                                                                  "config": {"base": 8, "depth": 2}})
    out = tmp_path / "out"
    res = subprocess.run([str(CLI), "colorize", *[str(p) for _, p, _ in corpus], "-o", str(out),
                          "--weights", str(w), "--device", "cpu", "--size", "32", "-q"],
                         capture_output=True, text=True, timeout=180, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 1, res.stderr[-2000:]
    assert "Traceback" not in res.stderr + res.stdout
    good = sum(e == "done" for *_, e in corpus)
    assert f"{good} done, 0 skipped" in res.stdout
    for kind, path, expect in corpus:
        if expect != "done":
            assert any(shown(path.name) in line and expect.lower() in line.lower()
                       for line in res.stderr.splitlines()), kind
    assert not RAW_CONTROL.search(res.stderr + res.stdout)   # hostile names reach the terminal escaped


def test_multi_frame_inputs_say_only_the_first_is_used(corpus, predictor, tmp_path):
    paths = [p for kind, p, _ in corpus if kind == "multi-page TIFF"]
    from PIL import Image

    gif = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (16, 16), (i * 40, 0, 0)) for i in range(3)]
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    events = list(batch.colorize_files([*paths, gif], tmp_path / "out", predictor, size=32))
    notes = {ev.src.name: ev.note for ev in events}
    assert events[0].status == "done" and "has 3 pages: only the first" in notes["multipage.tif"]
    assert "has 3 frames: only the first" in notes["anim.gif"]
