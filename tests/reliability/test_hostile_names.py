"""Issue 33, class 1: user-controlled names reach no surface raw.  Every CLI and trainer
message path is swept with names that hold a newline (a forged "FAILED" line), a terminal
escape (ESC[2J clears the screen) and a right-to-left override."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from colorstudio.core.messages import GuardedStream, OneLineLogs, shown

FORGED = "x\nFAILED forged.png"
CLEAR = "e\x1b[2Jclear.png"
BIDI = "bidi\u202egnp.png"


@pytest.fixture
def restore_streams(monkeypatch):
    """The CLI and trainer put a guard over sys.stdout/err: undo it after the test."""
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    root = logging.getLogger()
    handlers = list(root.handlers)
    yield
    root.handlers[:] = handlers


def _clean(out: str) -> None:
    lines = out.splitlines()
    assert not [ln for ln in lines if ln.startswith("FAILED forged") or ln.startswith("FAILED fake")], out
    assert "\x1b[2J" not in out and "\u202e" not in out, out


def test_shown_escapes_controls_and_keeps_scripts():
    assert shown(FORGED) == "x\\nFAILED forged.png"
    assert shown(CLEAR) == "e\\x1b[2Jclear.png"
    assert shown(BIDI) == "bidi\\u202egnp.png"
    assert shown("Zoë 日本 фото.png") == "Zoë 日本 фото.png"
    assert shown("a\udcffb") == "a\\xffb"          # an undecodable byte of a file name
    assert shown("<h1>x</h1>\n", "rich") == "&lt;h1&gt;x&lt;/h1&gt;\\n"


def test_guarded_stream_lets_only_the_line_clear_through():
    import io

    buf = io.StringIO()
    GuardedStream(buf).write("\r\x1b[K[####] 1/2\x1b[2J\u202e\n\tok\n")
    assert buf.getvalue() == "\r\x1b[K[####] 1/2\\x1b[2J\\u202e\n\tok\n"


def test_log_records_are_one_line():
    rec = logging.LogRecord("trainer", logging.WARNING, __file__, 1, "unreadable image skipped: %s", (FORGED,),
                            None)
    OneLineLogs().filter(rec)
    assert rec.getMessage() == "unreadable image skipped: x\\nFAILED forged.png"


def test_cli_batch_paths_with_hostile_names(tmp_path, capfd, restore_streams):
    from colorstudio.cli import main
    from colorstudio.core.io import imageio

    src = tmp_path / "in"
    src.mkdir()
    for name in (FORGED, CLEAR):
        (src / name).write_bytes(b"not an image")               # each fails: its name is printed
    imageio.write_image(src / BIDI, np.full((32, 32), 100, np.uint8))
    missing = tmp_path / "gone\nFAILED fake.png"
    rc = main(["colorize", str(src / FORGED), str(src / CLEAR), str(src / BIDI), str(missing),
               "-o", str(tmp_path / "out\x1b[2J"), "--model", "unet-gan"])
    out, err = capfd.readouterr()
    assert rc == 1
    _clean(out + err)
    assert "x\\nFAILED forged.png" in err and "e\\x1b[2Jclear.png" in err and "gone\\nFAILED fake.png" in err



def test_a_line_break_in_a_name_does_not_cut_its_message(tmp_path, capfd, restore_streams):
    """Issue 33, class 1 (another member): the one-line message was cut at the name's own
    newline -- "FAILED x\\nFAILED forged.png: /tmp/.../x" -- and the reason was lost."""
    from colorstudio.cli import main
    from colorstudio.core.messages import one_line

    names = (FORGED, "y\u2028sep.png", "z\rret.png", "v\x0bvt.png")
    src = tmp_path / "in"
    src.mkdir()
    for name in names:
        (src / name).write_bytes(b"")
    rc = main(["colorize", *[str(src / n) for n in names], "-o", str(tmp_path / "out"), "--model", "unet-gan"])
    out, err = capfd.readouterr()
    assert rc == 1
    _clean(out + err)
    for name in names:
        line = next(ln for ln in err.splitlines() if shown(name) in ln)
        assert line.endswith("the file is empty"), line
    dst = tmp_path / "o" / "x\nFAILED forged.jpg"
    assert one_line(OSError(f"cannot write {dst}: disk full"), src / FORGED) == \
        "cannot write " + shown(str(dst)) + ": disk full"

def test_cli_usage_error_with_a_hostile_name(tmp_path, capfd, restore_streams):
    from colorstudio.cli import main

    rc = main(["colorize", str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--model", "unet-gan",
               "--weights", str(tmp_path / "w\nFAILED fake.png\x1b[2J.safetensors")])
    out, err = capfd.readouterr()
    assert rc == 2
    _clean(out + err)


def test_trainer_messages_with_a_hostile_name(tmp_path, capfd, restore_streams):
    from trainer.__main__ import main

    data = tmp_path / "d\nFAILED fake.png\x1b[2J"
    data.mkdir()
    (data / FORGED).write_bytes(b"not an image")
    rc = main(["unet-gan", "--data", str(data), "--out", str(tmp_path / "run"), "--set", "max_steps=1"])
    out, err = capfd.readouterr()
    assert rc == 2
    _clean(out + err)
    assert "\\x1b[2J" in err


def test_an_ascii_terminal_and_a_closed_stderr_still_get_the_message(tmp_path):
    """Issue 33, class 8: a non-UTF-8 stdout failed after all the work; with stderr closed the
    CLI exited saying nothing."""
    import os
    import subprocess

    from colorstudio.core.io import imageio

    imageio.write_image(tmp_path / "photo_日本.png", np.full((24, 24), 120, np.uint8))
    cli = [str(Path(sys.executable).parent / "colorstudio-cli"), "colorize", str(tmp_path / "photo_日本.png"),
           "-o", str(tmp_path / "out_日本"), "--model", "unet-gan", "--size", "32"]
    res = subprocess.run(cli, env=dict(os.environ, PYTHONIOENCODING="ascii"), capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert b"1 done" in res.stdout and b"out_\\u65e5\\u672c" in res.stdout
    assert (tmp_path / "out_日本" / "photo_日本.png").is_file()
    gone = [cli[0], "colorize", str(tmp_path / "missing.png"), "-o", str(tmp_path)]
    res = subprocess.run(gone, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120,
                         preexec_fn=lambda: os.close(2))
    assert res.returncode == 2 and b"no input images found" in res.stdout, res.stdout
