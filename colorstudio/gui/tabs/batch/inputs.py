"""The Batch tab's inputs: image files, folders of frames and video files (coloured one after
another), or one image sequence -- its pattern typed (``/shots/sh010.####.exr``) or found from one of its frames
(Sequence…) -- and the offer of the sequence that picked or dropped frames belong to."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QToolButton, QVBoxLayout, QWidget)

from colorstudio.core.errors import UserError
from colorstudio.core.io.formats import SEQUENCE_FORMATS, dialog_filter, image_filter, sequence_format, video_filter
from colorstudio.core.io.sequence import ImageSequence, is_pattern
from colorstudio.core.messages import one_line, shown
from colorstudio.gui.tabs.batch import sequence_plan
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

    if is_pattern(p):
        return "mdi6.filmstrip-box-multiple"
    return "mdi6.folder" if p.is_dir() else "mdi6.video" if is_video_file(p) else "mdi6.file-image"


def frames_filter() -> str:
    """The file dialog's filter for one frame of an image sequence (EXR, DPX, TIFF, PNG)."""
    return dialog_filter("Image sequence frames", [s for f in SEQUENCE_FORMATS for s in f.suffixes], all_files=True)


class BatchInputs(QGroupBox):
    """The input list and its buttons; ``changed`` after additions, ``cleared`` after Clear;
    ``problem(text)``: why what was given is not added (a pattern that names nothing)."""

    changed = Signal()
    cleared = Signal()
    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Input frames, videos or image sequence", parent)
        self.list = QListWidget()
        self.list.setToolTip("Image files, folders of frames and video files, or one image sequence")
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(70)
        self.list.setMaximumHeight(130)
        row = QHBoxLayout()
        for b in (tool_button("Files…", "mdi6.file-image-plus", "Add image files", self._add_files),
                  tool_button("Folder…", "mdi6.folder-plus", "Add a folder of frames", self._add_folder),
                  tool_button("Videos…", "mdi6.video-plus", "Add video files", self._add_videos),
                  tool_button("Sequence…", "mdi6.filmstrip-box-multiple",
                              "Choose one frame of an image sequence (shot.1001.exr): the whole numbered "
                              "sequence is the input", self._pick_frame)):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(tool_button("", "mdi6.minus", "Remove the selected inputs", self._remove_selected))
        row.addWidget(tool_button("", "mdi6.delete-sweep", "Remove all inputs", self.clear))
        self.pattern = QLineEdit()
        self.pattern.setPlaceholderText("or a sequence pattern: /shots/sh010.####.exr")
        self.pattern.setToolTip("An image sequence by its pattern: one frame-number field, #### (padded to 4 "
                                "digits), %04d, or @ (one digit each); Enter adds it")
        self.pattern.returnPressed.connect(self._pattern_entered)
        prow = QHBoxLayout()
        prow.addWidget(self.pattern, 1)
        prow.addWidget(tool_button("", "mdi6.plus", "Add the sequence of this pattern", self._pattern_entered))
        self.offer_text = QLabel()
        self.offer_text.setWordWrap(True)
        self.offer_text.setTextFormat(Qt.TextFormat.PlainText)
        self.offer_button = QPushButton("Use the sequence")
        self.offer_button.clicked.connect(self._take_offer)
        self._offered: ImageSequence | None = None
        self.offer = QWidget()
        orow = QHBoxLayout(self.offer)
        orow.setContentsMargins(0, 0, 0, 0)
        orow.addWidget(self.offer_text, 1)
        orow.addWidget(self.offer_button)
        self.offer.hide()
        lay = QVBoxLayout(self)
        lay.addWidget(self.list)
        lay.addLayout(row)
        lay.addLayout(prow)
        lay.addWidget(self.offer)

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
        self.withdraw_offer()
        self.list.clear()
        self.cleared.emit()

    def offer_sequence(self, seq: ImageSequence) -> None:
        """Frames of a numbered sequence were added as files: offer the whole sequence instead."""
        self._offered = seq
        self.offer_text.setText(f"These are frames of {seq.pattern.name} ({len(seq)} frames, "
                                f"{seq.first}-{seq.last}).")
        self.offer.show()

    def withdraw_offer(self) -> None:
        self._offered = None
        self.offer.hide()

    def _take_offer(self) -> None:
        if self._offered is not None:
            self.set_sequence(str(self._offered.pattern))

    def _pattern_entered(self) -> None:
        text = self.pattern.text().strip()
        if text and not sequence_plan.is_pattern(text):
            self.problem.emit(f"{shown(text[:80])} is not a sequence pattern: name the frame number with ####, "
                              "%04d or @ (e.g. /shots/sh010.####.exr).")
        elif text:
            self.set_sequence(text)

    def _pick_frame(self) -> None:
        f, _ = QFileDialog.getOpenFileName(self, "Choose one frame of the sequence", self.start_dir(),
                                           frames_filter())
        if f:
            dialog_folders.remember(KIND, f)
            self.frame_picked(f)

    def frame_picked(self, path: str) -> None:
        """Sequence…: the numbered sequence of the frame chosen becomes the input."""
        seq = sequence_plan.sequence_of([path])
        if seq is None:
            self.problem.emit(f"{shown(Path(path).name)} is not a frame of a numbered image sequence (EXR, DPX, "
                              "TIFF or PNG frames named like shot.1001.exr); add it with Files… instead.")
        else:
            self.set_sequence(str(seq.pattern))

    def add_paths(self, paths: list[str | Path]) -> None:
        """Files, folders or videos as they are; a pattern as its sequence; frames of one
        numbered sequence: EXR and DPX ones as their sequence (they are no photos), PNG and
        TIFF ones as files, with the sequence offered."""
        if any(sequence_plan.is_pattern(p) for p in paths):
            if len(paths) > 1:
                self.problem.emit("An image sequence is one shot: add its pattern alone.")
            else:
                self.set_sequence(str(paths[0]))
            return
        seq = sequence_plan.sequence_of(paths)
        if seq is not None and sequence_format(seq.pattern.suffix).vfx:
            self.set_sequence(str(seq.pattern))
            return
        if self.sequence_pattern() is not None:   # a sequence is one shot alone: the new inputs replace it
            self.clear()
        self.add(paths)
        if seq is not None:
            self.offer_sequence(seq)

    def set_sequence(self, pattern: str) -> bool:
        """An image sequence becomes the one input, by its ``####`` pattern; False (and a
        ``problem``) when the pattern names no frame."""
        try:
            seq = sequence_plan.find(pattern)
        except (UserError, OSError) as exc:
            self.problem.emit(sequence_plan.sentence(one_line(exc)))
            return False
        self.clear()
        self.add([str(seq.pattern)])
        self.pattern.clear()
        return True

    def sequence_pattern(self) -> str | None:
        """The image sequence's pattern when it is the input."""
        paths = self.paths()
        return str(paths[0]) if len(paths) == 1 and sequence_plan.is_pattern(paths[0]) else None

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
            self.add_paths(files)   # frames of a numbered sequence: it is offered

    def _add_folder(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Add a folder of frames", self.start_dir())
        if d:
            dialog_folders.remember(KIND, Path(d).parent)
            self.add([d])

    def _add_videos(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add videos", self.start_dir(), video_filter())
        if files:
            dialog_folders.remember(KIND, files[-1])
            self.add_paths(files)   # beside the photos and other videos; a sequence is replaced

    def _remove_selected(self) -> None:
        for it in self.list.selectedItems():
            self.list.takeItem(self.list.row(it))
