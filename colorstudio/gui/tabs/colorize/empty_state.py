"""The Colorize tab's view before any photo: how to open one, and the samples to try."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from colorstudio.gui.theme import icon


class EmptyState(QWidget):
    """What the view shows before any image: how to open one, and the samples."""

    openRequested = Signal()
    sampleRequested = Signal(Path)

    def __init__(self, samples: list[Path] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        if samples is None:
            from colorstudio.paths import sample_images

            samples = sample_images(black_and_white=True)   # the colour originals: File ▸ Samples
        title = QLabel("Open a black-and-white photo to colorize it")
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.4)
        title.setFont(f)
        hint = QLabel("Ctrl+O, File ▸ Open, or drop an image file anywhere on the window.")
        open_button = QPushButton(icon("mdi6.folder-open"), "Open image…")
        open_button.setToolTip("Open an image file (Ctrl+O)")
        open_button.clicked.connect(self.openRequested)
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        for w in (title, hint):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(open_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.sample_buttons: list[QToolButton] = []
        if samples:
            lab = QLabel("… or try a sample:")
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addSpacing(12)
            lay.addWidget(lab)
            srow = QHBoxLayout()
            srow.addStretch(1)
            for p in samples:
                b = QToolButton()
                b.setText(p.stem.replace("_", " "))
                b.setToolTip(f"Open the sample {p.name}")
                b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
                b.setIconSize(QSize(96, 96))
                b.setAutoRaise(True)
                b.clicked.connect(lambda _=False, p=p: self.sampleRequested.emit(p))
                srow.addWidget(b)
                self.sample_buttons.append(b)
            srow.addStretch(1)
            lay.addLayout(srow)
            QTimer.singleShot(0, lambda: self._thumbnails(samples))
        lay.addStretch(3)

    def _thumbnails(self, samples: list[Path]) -> None:
        for b, p in zip(self.sample_buttons, samples):
            r = QImageReader(str(p))
            s = r.size()
            if s.isValid() and s.width() > 0:
                r.setScaledSize(s.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio))
            img = r.read()
            if not img.isNull():
                b.setIcon(QIcon(QPixmap.fromImage(img)))
