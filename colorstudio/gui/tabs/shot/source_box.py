"""The Shot tab's "Shot" box: open a video or a folder of frames (in name order) as the
shot, and say what is open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from colorstudio.gui import dialog_folders
from colorstudio.gui.theme import icon


class ShotSource(QGroupBox):
    """The Video… and Frames… buttons (dialogs in the folder last used for shots) and the
    line that describes the open shot."""

    chosen = Signal(str)   # a video file or a folder of frames to open

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Shot", parent)
        self.label = QLabel("Open a video or a folder of frames.")
        self.label.setWordWrap(True)
        open_video = QPushButton(icon("mdi6.video"), "Video…")
        open_video.setToolTip("Open a video file as a shot")
        open_video.clicked.connect(self._video_dialog)
        open_dir = QPushButton(icon("mdi6.folder"), "Frames…")
        open_dir.setToolTip("Open a folder of frames (in name order) as a shot")
        open_dir.clicked.connect(self._folder_dialog)
        orow = QHBoxLayout()
        orow.addWidget(open_video)
        orow.addWidget(open_dir)
        sl = QVBoxLayout(self)
        sl.addLayout(orow)
        sl.addWidget(self.label)

    def describe(self, name: str, frames: int, size: tuple[int, int], fps: float | None) -> None:
        """The open shot: its name, frame count, size (h, w) and frame rate when known."""
        h, w = size
        self.label.setText(f"{name}: {frames} frames, {w}×{h}" + (f", {fps:.3g} fps" if fps else ""))

    def _video_dialog(self) -> None:
        from colorstudio.core.io.formats import video_filter

        f, _ = QFileDialog.getOpenFileName(self, "Open a video as a shot", dialog_folders.start_folder("shot"),
                                           video_filter(all_files=True))
        if f:
            dialog_folders.remember("shot", f)
            self.chosen.emit(f)

    def _folder_dialog(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Open a folder of frames as a shot",
                                             dialog_folders.start_folder("shot"))
        if d:
            dialog_folders.remember("shot", Path(d).parent)   # the next shot is likely beside it
            self.chosen.emit(d)
