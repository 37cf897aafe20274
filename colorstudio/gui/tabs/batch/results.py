"""The Batch tab's right side: the newest finished frame, progress, a thumbnail strip
(click one to preview it) and the log: each run's start and summary (skipped items are a
count there), a line per failed item."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLayout, QListView, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QProgressBar, QSizePolicy, QToolButton, QVBoxLayout,
                               QWidget)

from colorstudio.gui.tabs.batch.jobs import thumbnail
from colorstudio.gui.theme import icon
from colorstudio.gui.plaintext import tooltip

THUMB_HEIGHT = 96
MAX_THUMBS = 300


class BatchResults(QWidget):
    """Preview, progress bar and rate line, thumbnails and log (no run logic)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.preview = QLabel("Finished frames appear here")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(200, 150)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._preview_image: QImage | None = None
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)  # no "0 / 100" before there is anything to count
        self.rate = QLabel("idle")
        self.open_out = QToolButton()
        self.open_out.setIcon(icon("mdi6.folder-eye"))
        self.open_out.setToolTip("Open the output folder")
        self._prow = QHBoxLayout()
        self._prow.addWidget(self.progress, 1)
        self._prow.addWidget(self.open_out)
        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setFlow(QListView.Flow.LeftToRight)
        self.thumbs.setWrapping(False)
        self.thumbs.setIconSize(QSize(THUMB_HEIGHT * 16 // 9, THUMB_HEIGHT))
        self.thumbs.setFixedHeight(THUMB_HEIGHT + 46)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setToolTip("Finished frames (newest on the right); click one to preview it")
        self.thumbs.currentItemChanged.connect(self._thumb_selected)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(1000)
        self.log.setPlaceholderText("Each run's summary and its failed items are listed here")
        self.log.setMaximumHeight(110)
        rl = QVBoxLayout(self)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.preview, 1)
        rl.addLayout(self._prow)
        rl.addWidget(self.rate)
        rl.addWidget(self.thumbs)
        rl.addWidget(self.log)

    def reset(self) -> None:
        """Forget the last run's results: its preview, thumbnails, progress and count."""
        self._preview_image = None   # a resize must not bring the old frame back
        self.preview.clear()
        self.preview.setText("Finished frames appear here")
        self.thumbs.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)   # no "0 / 1" for a run that has not started
        self.rate.setText("idle")

    def set_buttons(self, row: QLayout) -> None:
        """The run buttons, left of the progress bar."""
        self._prow.insertLayout(0, row)

    def add_frame(self, path: Path, image: QImage) -> None:
        """A finished frame: a thumbnail at the strip's end, and the preview."""
        small = image.scaledToHeight(THUMB_HEIGHT, Qt.TransformationMode.SmoothTransformation)
        it = QListWidgetItem(QIcon(QPixmap.fromImage(small)), path.name)
        it.setData(Qt.ItemDataRole.UserRole, str(path))
        it.setToolTip(tooltip(str(path)))
        self.thumbs.addItem(it)
        while self.thumbs.count() > MAX_THUMBS:
            self.thumbs.takeItem(0)
        self.thumbs.scrollToItem(it)
        self.show_preview(image)

    def _thumb_selected(self, cur: QListWidgetItem | None, _prev=None) -> None:
        if cur is not None:
            img = thumbnail(Path(cur.data(Qt.ItemDataRole.UserRole)))
            if img is not None:
                self.show_preview(img)

    def show_preview(self, img: QImage) -> None:
        self._preview_image = img
        self._scale_preview()

    def _scale_preview(self) -> None:
        if self._preview_image is not None and not self._preview_image.isNull():
            pm = QPixmap.fromImage(self._preview_image).scaled(
                self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
            self.preview.setPixmap(pm)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._scale_preview()
