"""The Shot tab's "Keyframes" box: the frames with hints of their own (click one to go
there) and the shot's hint file -- every keyframe's hints in one JSON file, which the
CLI's ``--hints`` reads too -- saved and loaded through its dialogs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from colorstudio.gui import dialog_folders
from colorstudio.gui.theme import icon


class KeyframesBox(QGroupBox):
    """The keyframe list and its Save… / Load… buttons (the panel reads and writes the files)."""

    frameClicked = Signal(int)   # a keyframe's index (0-based): go there
    saveTo = Signal(str)         # the user chose where to save the shot's hints
    loadFrom = Signal(str)       # the user chose a hint file to load

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Keyframes", parent)
        self.source: Path | None = None   # the shot's file or folder: hint files start beside it
        self.keys_list = QListWidget()
        self.keys_list.setToolTip("Frames with hints of their own; click one to go there")
        self.keys_list.setMaximumHeight(120)
        self.keys_list.itemClicked.connect(lambda it: self.frameClicked.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.save_button = QPushButton(icon("mdi6.content-save-outline"), "Save…")
        self.save_button.setToolTip("Save every keyframe's hints as one shot file (the CLI's --hints reads it)")
        self.save_button.clicked.connect(self._save_dialog)
        self.load_button = QPushButton(icon("mdi6.folder-open-outline"), "Load…")
        self.load_button.setToolTip("Load a shot file (or a still-hints file: its hints go on this frame)")
        self.load_button.clicked.connect(self._load_dialog)
        krow = QHBoxLayout()
        krow.addWidget(self.save_button)
        krow.addWidget(self.load_button)
        kl = QVBoxLayout(self)
        kl.addWidget(self.keys_list)
        kl.addLayout(krow)

    def set_keyframes(self, keyframes: dict[int, list]) -> None:
        """List the frames that have hints of their own, in frame order."""
        self.keys_list.clear()
        for k in sorted(keyframes):
            n = len(keyframes[k])
            it = QListWidgetItem(f"frame {k + 1} · {n} hint{'s' if n != 1 else ''}")
            it.setData(Qt.ItemDataRole.UserRole, k)
            self.keys_list.addItem(it)

    def _start(self, name: str) -> str:
        """Hint files: the folder last used for them, else the shot's own folder."""
        near = Path(self.source).parent if self.source is not None else None
        return dialog_folders.start_path("hints", name, fallback=near)

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the shot's hints", self._start("shot-hints.json"),
                                              "Hint files (*.json)")
        if path:
            dialog_folders.remember("hints", path)
            self.saveTo.emit(path)

    def _load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load shot hints", self._start(""),
                                              "Hint files (*.json);;All files (*)")
        if path:
            dialog_folders.remember("hints", path)
            self.loadFrom.emit(path)
