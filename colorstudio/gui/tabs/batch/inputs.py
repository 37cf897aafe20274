"""The Batch tab's inputs: image files, folders of frames, or one video file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QListWidget, QListWidgetItem,
                               QToolButton, QVBoxLayout, QWidget)

from colorstudio.core.io.formats import image_filter, video_filter
from colorstudio.gui import dialog_folders
from colorstudio.gui.theme import icon
from colorstudio.gui.plaintext import tooltip


KIND = "batch-inputs"   # the input dialogs' kind (dialog_folders)


def tool_button(text: str, ic: str, tip: str, slot) -> QToolButton:
    """A flat button with an icon (and text when given)."""
    b = QToolButton()
    b.setText(text)
    b.setIcon(icon(ic))
    b.setToolTip(tip)
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if text
                         else Qt.ToolButtonStyle.ToolButtonIconOnly)
    b.clicked.connect(slot)
    return b


def kind_icon(p: Path) -> str:
    from colorstudio.core.io.formats import is_video_file

    return "mdi6.folder" if p.is_dir() else "mdi6.video" if is_video_file(p) else "mdi6.file-image"


class BatchInputs(QGroupBox):
    """The input list and its buttons; ``changed`` after additions, ``cleared`` after Clear."""

    changed = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Input frames or video", parent)
        self.list = QListWidget()
        self.list.setToolTip("Image files, folders of frames, or one video file")
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(70)
        self.list.setMaximumHeight(130)
        row = QHBoxLayout()
        for b in (tool_button("Files…", "mdi6.file-image-plus", "Add image files", self._add_files),
                  tool_button("Folder…", "mdi6.folder-plus", "Add a folder of frames", self._add_folder),
                  tool_button("Video…", "mdi6.video-plus", "Choose a video file", self._add_video)):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(tool_button("", "mdi6.minus", "Remove the selected inputs", self._remove_selected))
        row.addWidget(tool_button("", "mdi6.delete-sweep", "Remove all inputs", self.clear))
        lay = QVBoxLayout(self)
        lay.addWidget(self.list)
        lay.addLayout(row)

    def paths(self) -> list[Path]:
        return [Path(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]

    def add(self, paths: list[str | Path]) -> None:
        existing = set(self.paths())
        for p in map(Path, paths):
            if p not in existing:
                it = QListWidgetItem(icon(kind_icon(p)), str(p))
                it.setData(Qt.ItemDataRole.UserRole, str(p))
                it.setToolTip(tooltip(str(p)))
                self.list.addItem(it)
                existing.add(p)
        self.changed.emit()

    def clear(self) -> None:
        self.list.clear()
        self.cleared.emit()

    def start_dir(self) -> str:
        """Beside the last input, else the folder last used for the batch's inputs
        (dialog_folders: never the working directory)."""
        paths = self.paths()
        return dialog_folders.start_folder(KIND, current=paths[-1].parent if paths else None)

    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add frames", self.start_dir(),
                                                image_filter())
        if files:
            dialog_folders.remember(KIND, files[-1])
            self.add(files)

    def _add_folder(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Add a folder of frames", self.start_dir())
        if d:
            dialog_folders.remember(KIND, Path(d).parent)
            self.add([d])

    def _add_video(self) -> None:
        f, _ = QFileDialog.getOpenFileName(self, "Choose a video", self.start_dir(),
                                           video_filter())
        if f:
            dialog_folders.remember(KIND, f)
            self.clear()
            self.add([f])

    def _remove_selected(self) -> None:
        for it in self.list.selectedItems():
            self.list.takeItem(self.list.row(it))
