"""Files from the user's side read safely (issue 21, items 1, 15, 16): JSON the parser
cannot hold, malformed scores, huge cards, names that look like HTML."""

from __future__ import annotations

import subprocess
import sys

import pytest

from colorstudio.core.io import textfiles
from colorstudio.core.colorize.hintfile import HintFileError, read_points, read_shot

DEEP = "[" * 200_000 + "]" * 200_000
BIG_INT = '[{"x": 0.5, "y": 0.5, "rgb": [' + "9" * 5000 + ', 1, 1]}]'


@pytest.mark.parametrize("text,word", [(DEEP, "nested too deeply"), (BIG_INT, "not valid JSON"),
                                       ('[{"x": 0.5,', "not valid JSON"), ("\udcff", "not UTF-8")])
def test_hint_and_shot_files_the_parser_cannot_hold(tmp_path, text, word):
    f = tmp_path / "h.json"
    f.write_bytes(text.encode("utf-8", "surrogateescape"))
    for reader in (read_points, read_shot):
        with pytest.raises(HintFileError, match=word):
            reader(f)


def test_cli_says_one_line_for_a_deep_hint_file(tmp_path):
    from PIL import Image

    Image.new("L", (16, 16)).save(tmp_path / "a.png")
    f = tmp_path / "h.json"
    f.write_text(DEEP)
    cli = [sys.executable, "-c", "import sys; from colorstudio.cli import main; sys.exit(main())"]
    p = subprocess.run([*cli, "colorize", str(tmp_path / "a.png"), "-o",
                        str(tmp_path / "o"), "--model", "unet-hints", "--hints", str(f)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "nested too deeply" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_gui_load_hints_shows_a_message_for_a_deep_file(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from colorstudio.gui.widgets.hints_editor import HintsEditor

    f = tmp_path / "h.json"
    f.write_text(DEEP)
    panel = HintsEditor()
    qtbot.addWidget(panel)
    shown = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(f), "")))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    panel.load_dialog()
    assert shown and "nested too deeply" in shown[0]


def test_bounded_reads(tmp_path):
    card = tmp_path / "c.md"
    card.write_bytes(b"x" * (3 * textfiles.MAX_CARD_BYTES))
    text = textfiles.read_text(card)
    assert len(text) < textfiles.MAX_CARD_BYTES + 100 and text.endswith("KB]")
    big = tmp_path / "b.json"
    big.write_bytes(b"[" + b"1," * (5 * 2 ** 20) + b"1]")
    with pytest.raises(textfiles.BadTextFile, match="too large"):
        textfiles.read_json(big, max_bytes=2 ** 20)
    assert textfiles.read_json_object(big, max_bytes=2 ** 20) == {}


@pytest.mark.parametrize("scores", [{"groups": 5}, {"groups": {"people": {"gain_db": "high"}}},
                                    {"groups": {"people": []}}, {"model": {"l1": None}}])
def test_a_malformed_eval_json_costs_its_own_lines(qtbot, scores):
    from colorstudio.gui.tabs.colorize.model_checklist import ModelChecklist
    from colorstudio.models.catalogue import ModelEntry

    bad = ModelEntry("unet-gan", "colorize", True, "d", "", 192, False, False, {"epochs": "many"}, scores)
    good = ModelEntry("zhang-bins", "colorize", True, "d2", "", 256, False, False, {}, {})
    assert "d" in bad.summary
    box = ModelChecklist()
    qtbot.addWidget(box)
    box.set_entries([bad, good])   # no exception: both listed
    assert box.list.count() == 2


def test_names_that_look_like_html_are_shown_as_text(qtbot, tmp_path):
    from colorstudio.gui.tabs.train.runs_list import RunsList

    run = tmp_path / "<h1 style=color:red>HUGE"
    run.mkdir()
    (run / "metrics.jsonl").write_text("")
    lst = RunsList()
    qtbot.addWidget(lst)
    lst.refresh(tmp_path)
    tip = lst.item(0).toolTip()
    assert "&lt;h1" in tip and "<h1" not in tip


@pytest.mark.parametrize("rgb", ["#+1-2+3", "# 12345", "#1_2345", "#12345g", "+0x1234"])
def test_hint_colours_are_strict_hex(tmp_path, rgb):
    """Issue 33, class 10: '#+1-2+3' was read as rgb (1, -2, 3)."""
    from colorstudio.core.colorize.hintfile import HintFileError, parse_points

    with pytest.raises(HintFileError, match="is not '#rrggbb'"):
        parse_points([{"x": 0.5, "y": 0.5, "rgb": rgb}])


@pytest.mark.parametrize("key", ["1_0", "+1", "\u0661", " 1e1", "0x1"])
def test_shot_frame_keys_are_plain_numbers(key):
    """Issue 33, class 10: frame key '1_0' was read as frame 10."""
    from colorstudio.core.colorize.hintfile import HintFileError, parse_shot

    with pytest.raises(HintFileError, match="is not a frame number"):
        parse_shot({"frames": {key: [{"x": 0.5, "y": 0.5, "rgb": [1, 2, 3]}]}})
