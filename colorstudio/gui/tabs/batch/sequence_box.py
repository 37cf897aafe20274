"""The Batch tab's "Image sequence" box, shown while the input is a pattern (``shot.####.exr``):
its frames (how many, their numbers, the gaps), the frame range to colour -- by the
sequence's own numbers, as the CLI's ``--frames`` -- and the input and output colour spaces,
OpenColorIO's built-in config's names, each defaulting as the CLI does (the input: what the
file says, else by its format; the output: the input's when the format stays, else the
format's).  Widgets only: the checks are :mod:`.sequence_plan`'s, the run the page's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from colorstudio.core.io.sequence import ImageSequence
from colorstudio.gui.plaintext import tooltip
from colorstudio.gui.tabs.batch.sequence_plan import gaps_text

DEFAULT_IN = "As the file says"
DEFAULT_OUT = "The input's, else the format's"
IN_TIP = ("The frames' colour space.  Default: what the file says (an EXR's header), else by format --\n"
          "EXR scene-linear ACEScg, DPX by its transfer (log: ADX10), TIFF and PNG sRGB.\n"
          "Type any name or alias of OpenColorIO's built-in ACES config (e.g. lin_rec709).")
OUT_TIP = ("The written frames' colour space.  Default: the input's when the format stays the same,\n"
           "else EXR ACEScg, DPX ADX10, TIFF and PNG sRGB.")
FRAMES_TIP = ("Frames to colour, by the sequence's own numbers: 1001-1100, 1001- (to the end) or 1050.\n"
              "Empty: every frame.  With Reduce flicker, the frames just before the range are computed\n"
              "(not written), so its first frame comes out as in one run.")


def space_names() -> list[str]:
    """The colour spaces of OpenColorIO's built-in config (``core.color.spaces``), or none
    when OpenColorIO is missing (a run then says how to install it)."""
    from colorstudio.core.color import spaces

    try:
        return list(spaces.config().getColorSpaceNames())
    except spaces.VfxMissing:
        return []


class SpaceCombo(QComboBox):
    """An editable combo of colour-space names whose first item is the default (``value()``:
    None there; a typed name is taken as typed, and checked when the run starts)."""

    def __init__(self, default: str, tip: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMinimumContentsLength(14)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setToolTip(tip)
        self.default = default
        self.addItem(default)
        self._filled = False

    def fill(self) -> None:
        """The config's names, once (OpenColorIO is loaded only when a sequence is shown)."""
        if not self._filled:
            self._filled = True
            self.addItems(space_names())

    def value(self) -> str | None:
        text = self.currentText().strip()
        return None if not text or text == self.default else text

    def set_value(self, name: str | None) -> None:
        self.fill()
        if not name:
            self.setCurrentIndex(0)
            return
        i = self.findText(name)
        if i >= 0:
            self.setCurrentIndex(i)
        else:
            self.setEditText(name)


class SequenceBox(QGroupBox):
    """See the module docstring; hidden until :meth:`set_sequence` gets one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Image sequence", parent)
        self.info = QLabel()
        self.gaps = QLabel()
        for label in (self.info, self.gaps):   # file names are shown as they are, never as markup
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.gaps.setToolTip("Numbers missing between the first frame and the last: the others keep their "
                             "numbers, and the smoothing runs over the frames that exist")
        self.frames = QLineEdit()
        self.frames.setToolTip(FRAMES_TIP)
        self.space_in = SpaceCombo(DEFAULT_IN, IN_TIP)
        self.space_out = SpaceCombo(DEFAULT_OUT, OUT_TIP)
        form = QFormLayout(self)
        form.addRow(self.info)
        form.addRow(self.gaps)
        form.addRow("Frames", self.frames)
        form.addRow("Colour in", self.space_in)
        form.addRow("Colour out", self.space_out)
        self.sequence: ImageSequence | None = None
        self.hide()

    def set_sequence(self, seq: ImageSequence | None) -> None:
        """Show ``seq``'s frames (a new sequence: its whole range, the default spaces), or hide."""
        if seq is None:
            self.sequence = None
            self.hide()
            return
        new = self.sequence is None or seq.pattern != self.sequence.pattern
        self.sequence = seq
        n = len(seq)
        self.info.setText(f"{seq.pattern.name}: {n} frame{'s' if n != 1 else ''}, {seq.first}-{seq.last}")
        self.info.setToolTip(tooltip(str(seq.pattern)))
        gaps = gaps_text(seq)
        self.gaps.setText(gaps)
        self.gaps.setVisible(bool(gaps))
        self.frames.setPlaceholderText(f"all ({seq.first}-{seq.last})")
        if new:
            self.frames.clear()
        self.space_in.fill()
        self.space_out.fill()
        self.show()

    def frames_text(self) -> str:
        return self.frames.text()

    def set_frames(self, text: str) -> None:
        self.frames.setText(text)
