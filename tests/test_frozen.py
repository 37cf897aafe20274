"""The frozen build's stand-in for ``python -m``: what the Train tab and torchrun launch."""

from __future__ import annotations

import sys

import pytest

from colorstudio import frozen


@pytest.mark.parametrize("argv, expected", [
    (["-m", "trainer", "recipes"], ("trainer", ["recipes"], False)),
    (["-u", "-m", "trainer", "unet-gan-cpu", "--nproc", "2"], ("trainer", ["unet-gan-cpu", "--nproc", "2"], True)),
    (["-m", "torch.distributed.run", "--standalone", "-m", "trainer"],
     ("torch.distributed.run", ["--standalone", "-m", "trainer"], False)),
    (["photo.png"], None),
    (["-m"], None),
    ([], None),
])
def test_module_call(argv, expected):
    assert frozen.module_call(argv) == expected


def test_does_nothing_outside_a_frozen_build(monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert frozen.run_module_if_asked(["-m", "trainer", "recipes"]) is None


def test_runs_the_trainer_like_python_m(monkeypatch, capsys):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.delitem(sys.modules, "trainer.__main__", raising=False)  # as in a fresh process
    assert frozen.run_module_if_asked(["photo.png"]) is None      # the app's own arguments
    with pytest.raises(SystemExit) as ei:
        frozen.run_module_if_asked(["-u", "-m", "trainer", "recipes"])
    assert ei.value.code in (0, None)
    assert "pix2pix-facades" in capsys.readouterr().out   # the recipe list
    with pytest.raises(SystemExit) as ei:
        frozen.run_module_if_asked(["-m", "http.server"])
    assert "runs only trainer" in str(ei.value.code)
