"""The Batch tab's "Output" box: the output folder (proposed beside the first input until
the user chooses one), the format of the written frames -- of the videos, when every input is one;
EXR, DPX, TIFF or PNG for an image sequence -- whether existing outputs are overwritten
(off: a rerun resumes), and where the run goes: here, or a Dask scheduler's address."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit,
                               QWidget)

from colorstudio.core.io.formats import OUTPUT_FORMATS, SEQUENCE_OUTPUT_FORMATS, VIDEO_OUTPUT_FORMATS
from colorstudio.gui import dialog_folders
from colorstudio.gui.tabs.batch.inputs import tool_button

IMAGE_FORMATS = OUTPUT_FORMATS      # the one table's (core.io.formats), as the CLI's --format
VIDEO_FORMATS = VIDEO_OUTPUT_FORMATS
SEQUENCE_FORMATS = SEQUENCE_OUTPUT_FORMATS   # exr dpx tif png: EXR half/float, DPX 10-bit, TIFF/PNG 16-bit
FORMATS = {"images": IMAGE_FORMATS, "video": VIDEO_FORMATS, "sequence": SEQUENCE_FORMATS}
SCHEDULER_TIP = ("Empty: the batch runs on this computer.  A Dask scheduler's address (tcp://HOST:8786): one shot --\n"
                 "an image sequence, a video, or frames in order -- is cut into shards that its workers colour,\n"
                 "each retried when a worker dies.  The inputs and the output folder must be reachable by every\n"
                 "worker under the same path (a shared folder); the workers need ColorStudio of this version.")


class BatchOutput(QGroupBox):
    """See the module docstring; ``start_dir()`` is where the folder dialog opens without one."""

    def __init__(self, start_dir: Callable[[], str | None], parent: QWidget | None = None):
        super().__init__("Output", parent)
        self._start_dir = start_dir
        self._suggested = ""      # the folder we proposed (follows the inputs until edited)
        self.outdir = QLineEdit()
        self.outdir.setPlaceholderText("output folder")
        self.outdir.setToolTip("Colorized frames (and the video) are written here")
        browse = tool_button("", "mdi6.folder-open", "Choose the output folder", self._choose)
        orow = QHBoxLayout()
        orow.addWidget(self.outdir, 1)
        orow.addWidget(browse)
        self.fmt = QComboBox()
        self.fmt.setToolTip("Format of the written frames (16-bit inputs stay 16-bit in PNG/TIFF); "
                            "when every input is a video, the container of the output videos (beside photos, "
                            "a video keeps its source's: avi stays avi, else mp4)")
        self.overwrite = QCheckBox("Overwrite existing outputs")
        self.overwrite.setToolTip("Off: outputs that already exist are skipped, so a rerun resumes")
        self.scheduler = QLineEdit()
        self.scheduler.setPlaceholderText("this computer  (or a Dask scheduler: tcp://HOST:8786)")
        self.scheduler.setToolTip(SCHEDULER_TIP)
        self.scheduler.setClearButtonEnabled(True)
        of = QFormLayout(self)
        of.addRow("Folder", orow)
        of.addRow("Format", self.fmt)
        of.addRow(self.overwrite)
        of.addRow("Run on", self.scheduler)

    def folder(self) -> str:
        return self.outdir.text()

    def follow(self, first: Path) -> None:
        """The output folder follows the first input while the user has not chosen one:
        outputs of clip B must not land in clip A's folder."""
        if self.outdir.text() and self.outdir.text() != self._suggested:
            return  # the user's own choice stays
        base = first if first.is_dir() else first.parent
        self._suggested = str(base / (f"{first.stem}_colorized" if first.is_file() else "colorized"))
        self.outdir.setText(self._suggested)

    def forget_suggestion(self) -> None:
        """The inputs were cleared: our proposal for them goes (the next ones get their own)."""
        if self.outdir.text() == self._suggested:
            self.outdir.clear()

    def set_formats(self, kind: str, default: str | None = None) -> None:
        """Offer the formats of ``kind`` (``images``, ``video``: the containers of video
        inputs, ``sequence``: an image sequence's), the choice kept when it is offered again,
        else ``default``."""
        wanted = FORMATS[kind]
        if tuple(self.fmt.itemText(i) for i in range(self.fmt.count())) != wanted:
            cur = self.fmt.currentText()
            self.fmt.clear()
            self.fmt.addItems(wanted)
            if default in wanted:
                self.fmt.setCurrentText(default)
            elif cur in wanted:
                self.fmt.setCurrentText(cur)
        elif default in wanted:
            self.fmt.setCurrentText(default)

    def scheduler_text(self) -> str:
        """The "Run on" field: empty for this computer, else a scheduler's address."""
        return self.scheduler.text()

    def set_format(self, fmt: str) -> None:
        i = self.fmt.findText(fmt)
        if i < 0:
            raise ValueError(f"format {fmt!r} is not offered here")
        self.fmt.setCurrentIndex(i)

    def _choose(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Output folder", dialog_folders.start_folder(
            "batch-output", current=self.outdir.text(), fallback=self._start_dir()))
        if d:
            dialog_folders.remember("batch-output", Path(d).parent)
            self.outdir.setText(d)

    def open_folder(self) -> None:
        """Show the output folder in the desktop's file manager."""
        if self.outdir.text():
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.outdir.text()))

    def save_settings(self, s: QSettings) -> None:
        s.setValue("batch/outdir", self.outdir.text())
        s.setValue("batch/format", self.fmt.currentText())
        s.setValue("batch/scheduler", self.scheduler.text().strip())

    def restore_settings(self, s: QSettings) -> None:
        self.outdir.setText(str(s.value("batch/outdir", "") or ""))
        self.scheduler.setText(str(s.value("batch/scheduler", "") or ""))
        fmt = s.value("batch/format", "")
        if fmt and self.fmt.findText(str(fmt)) >= 0:
            self.fmt.setCurrentText(str(fmt))
