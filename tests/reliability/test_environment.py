"""Issue 33, class 8: environment variables with values ColorStudio cannot use are refused
in one line, before any work, by the CLI and the trainer (core.environment)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from colorstudio.core import environment


@pytest.mark.parametrize("name,value", [("COLORSTUDIO_MAX_PIXELS", "abc"), ("COLORSTUDIO_MAX_PIXELS", "1e9"),
                                        ("COLORSTUDIO_MAX_PIXELS", "-5"), ("COLORSTUDIO_BACKEND", "bogus"),
                                        ("COLORSTUDIO_DDP_TIMEOUT", "soon")])
def test_cli_refuses_unusable_settings_in_one_line(tmp_path, capfd, monkeypatch, name, value):
    from colorstudio.cli import main

    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setenv(name, value)
    rc = main(["colorize", str(tmp_path / "x.png"), "-o", str(tmp_path / "out")])
    err = capfd.readouterr().err.strip()
    assert rc == 2 and err.count("\n") == 0 and err.startswith(f"colorstudio-cli: error: {name}="), err
    assert not (tmp_path / "out").exists()


def test_good_values_pass_and_set_the_limit(monkeypatch):
    assert environment.problems({"COLORSTUDIO_MAX_PIXELS": "400_000_000", "COLORSTUDIO_BACKEND": "ORT"}) == []
    monkeypatch.setenv("COLORSTUDIO_MAX_PIXELS", "0")
    assert environment.max_pixels() is None
    monkeypatch.setenv("COLORSTUDIO_MAX_PIXELS", "abc")
    assert environment.max_pixels(7) == 7


def test_a_bad_value_does_not_break_imports():
    env = dict(os.environ, COLORSTUDIO_MAX_PIXELS="abc")
    res = subprocess.run([sys.executable, "-c", "import colorstudio.core.io.imageio as m; print(m.DEFAULT_MAX_PIXELS)"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "200000000", res.stderr


def test_trainer_refuses_a_stale_world_size(tmp_path, capsys, monkeypatch):
    from trainer.__main__ import main

    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    for k in ("RANK", "LOCAL_RANK", "MASTER_ADDR"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    rc = main(["unet-gan", "--data", str(tmp_path), "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "WORLD_SIZE='2' is set, but this is not a torchrun launch" in err, err
    assert not (tmp_path / "r").exists()


def test_trainer_refuses_thousands_of_threads(tmp_path, capsys):
    from trainer.__main__ import main

    rc = main(["unet-gan", "--data", str(tmp_path), "--out", str(tmp_path / "r"), "--threads", "4096"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "threads" in err, err
