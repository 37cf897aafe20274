"""Issue 32, item 13: file dialogs open in the folder last used for their kind, else the
user's Pictures folder, else home -- never the working directory (a checkout's source tree)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from colorstudio.gui import dialog_folders

GUI = Path(dialog_folders.__file__).parent


@pytest.fixture
def remembered(settings):
    dialog_folders.use_settings(settings)
    yield settings
    dialog_folders.use_settings(None)


def test_a_first_dialog_opens_in_pictures_or_home_never_the_working_directory(remembered):
    start = dialog_folders.start_folder("hints")
    assert start == dialog_folders.default_folder() and Path(start).is_dir()
    assert Path(start) != Path.cwd()
    assert dialog_folders.start_folder("hints", current="relative/folder") == start   # no cwd by the back door


def test_the_last_folder_of_a_kind_is_remembered_and_a_gone_one_left_for_its_parent(remembered, tmp_path):
    photos, other = tmp_path / "photos", tmp_path / "other"
    photos.mkdir()
    other.mkdir()
    (photos / "a.json").write_text("[]")
    dialog_folders.remember("hints", photos / "a.json")          # a file: its folder
    assert dialog_folders.start_folder("hints") == str(photos)
    assert dialog_folders.start_folder("export") == dialog_folders.default_folder()   # per kind
    assert dialog_folders.start_folder("export", fallback=other) == str(other)
    assert dialog_folders.start_folder("hints", current=other / "not-yet") == str(other)  # the field's own
    assert dialog_folders.start_path("hints", "b.json") == str(photos / "b.json")
    assert remembered.value("paths/hints") == str(photos)        # "paths/open", "paths/export" as before
    (photos / "a.json").unlink()
    photos.rmdir()
    assert dialog_folders.start_folder("hints") == str(tmp_path)


def test_the_hints_dialog_opens_where_the_last_hint_file_was(remembered, tmp_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from colorstudio.gui.widgets.hints_editor import HintsEditor

    editor = HintsEditor()
    qtbot.addWidget(editor)
    asked: list[str] = []
    chosen = tmp_path / "hints.json"
    chosen.write_text("[]")

    def dialog(_parent, _title, start, *_args, **_kw):
        asked.append(start)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(dialog))
    editor.load_dialog()
    editor.load_dialog()
    assert asked == [dialog_folders.default_folder(), str(tmp_path)]


def _dialog_calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "QFileDialog"
                and node.func.attr.startswith("get")):
            yield node


def test_every_file_dialog_of_the_app_is_given_a_start_folder():
    """A dialog without one (or with "") opens in the working directory."""
    calls = 0
    for path in GUI.rglob("*.py"):
        for call in _dialog_calls(path):
            calls += 1
            where = f"{path.relative_to(GUI)}:{call.lineno}"
            assert len(call.args) >= 3, f"{where}: no start folder"
            start = call.args[2]
            assert not isinstance(start, ast.Constant), f"{where}: a fixed start folder {start.value!r}"
    assert calls >= 15, calls
