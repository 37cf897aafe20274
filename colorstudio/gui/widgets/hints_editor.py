"""Colour hints for every colorizer: click to add, drag to move, undo/redo.

The model (:class:`HintsModel`) keeps points in image fractions and changes only
through QUndoStack commands, so every edit -- add, move, recolour, delete, clear -- can
be undone.  :class:`HintsTool` edits them on an image canvas, :class:`EyedropperTool`
picks a colour from the result (both in :mod:`.hint_tools`), :class:`HintsEditor` is
the side panel.  Points become ``core.colorize.pipeline.Hint`` (Lab ab) only when a run
needs them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QHBoxLayout, QLabel, QSlider, QToolButton,
                               QVBoxLayout, QWidget)

from colorstudio.core.messages import shown
from colorstudio.gui import dialog_folders
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.hint_tools import EyedropperTool, HintsTool
from colorstudio.gui.widgets.hints_model import RGB, HintsModel


class HintsEditor(QWidget):
    """Side panel for hints: current colour, eyedropper, delete/clear, undo/redo."""

    hintsChanged = Signal()           # the set of hints changed (rerun)
    reachChanged = Signal(float)      # how far hints spread (a fraction of the long side; rerun)
    eyedropperToggled = Signal(bool)  # arm/disarm the eyedropper on the result
    referenceRequested = Signal(str)  # a colour reference photo was chosen: derive hints from it
    savedTo = Signal(str)             # the hints were written to this file (what is kept with them follows)
    loadedFrom = Signal(str)          # the hints were read from this file
    balanceLoaded = Signal(float, float)   # the colour balance kept with loaded hints (temperature, tint)
    suggestRequested = Signal(float, float)  # the selected hint's point (fractions): which colours are likely there

    PALETTE_SIZE = 6

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = HintsModel(self)
        self.tool = HintsTool(self)
        self.eyedropper = EyedropperTool(self)
        self._rgb: RGB = (220, 60, 40)
        self._dialog: QColorDialog | None = None
        self._dragging = False
        self._index = 0                  # the undo stack's index last announced
        self._more_to_save = False       # something saved with the hints exists (a mask)

        self.color_button = QToolButton()
        self.color_button.setToolTip("Colour for new hints (and the selected one)")
        self.color_button.clicked.connect(self.choose_color)
        self.color_button.setFixedSize(QSize(36, 26))
        self.drop_button = self._button("mdi6.eyedropper", "Pick a colour from the result", True)
        self.drop_button.toggled.connect(self.eyedropperToggled)
        self.delete_button = self._button("mdi6.delete", "Delete the selected hint (Del)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.clear_button = self._button("mdi6.delete-sweep", "Remove all hints")
        self.clear_button.clicked.connect(self.model.clear)
        self.undo_button = self._button("mdi6.undo", "Undo hint edit (Ctrl+Z)")
        self.undo_button.clicked.connect(self.model.undo_stack.undo)
        self.redo_button = self._button("mdi6.redo", "Redo hint edit (Ctrl+Shift+Z)")
        self.redo_button.clicked.connect(self.model.undo_stack.redo)
        self.save_button = self._button("mdi6.content-save-outline", "Save the hints to a file (JSON)")
        self.save_button.clicked.connect(self.save_dialog)
        self.load_button = self._button("mdi6.folder-open-outline", "Load hints from a file (JSON)")
        self.load_button.clicked.connect(self.load_dialog)
        self.reference_button = self._button("mdi6.image-filter-center-focus",
                                             "Hints from a colour reference photo: the same picture coloured "
                                             "elsewhere (colours by position) or a similar photo (by lightness)")
        self.reference_button.clicked.connect(self.reference_dialog)
        self.model.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.model.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)

        self.reach_slider = QSlider(Qt.Orientation.Horizontal)
        self.reach_slider.setRange(2, 50)          # percent of the long side (pipeline.HINT_REACH_RANGE)
        self.reach_slider.setValue(30)             # pipeline.HINT_REACH
        self.reach_slider.setToolTip("How far each hint pulls the colours around it on flat ground; edges of "
                                     "the photo and of the model's own colours stop it sooner. Lower it when "
                                     "a hint tints the region next to it")
        self.reach_label = QLabel()
        self.reach_slider.valueChanged.connect(self._on_reach)
        self.show_reach = QCheckBox("Show")
        self.show_reach.setToolTip("Show on the input where each hint's colour went in the last result "
                                   "(tinted in its colour)")
        self.show_reach.toggled.connect(lambda _on: self._refresh())
        reach_row = QHBoxLayout()
        reach_row.setContentsMargins(0, 0, 0, 0)
        reach_row.addWidget(QLabel("Reach"))
        reach_row.addWidget(self.reach_slider, 1)
        reach_row.addWidget(self.reach_label)
        reach_row.addWidget(self.show_reach)
        self._on_reach(self.reach_slider.value(), emit=False)

        # The suggested colours at the selected hint: the model's most likely colours there,
        # most probable first (core.colorize.suggest); a click gives the hint that colour.
        self.palette_label = QLabel("Likely")
        self.palette_label.setToolTip("The colours the model finds most likely at the selected hint, most "
                                      "probable first; click one to give the hint that colour")
        self.swatches: list[QToolButton] = []
        palette_row = QHBoxLayout()
        palette_row.setContentsMargins(0, 0, 0, 0)
        palette_row.addWidget(self.palette_label)
        for _ in range(self.PALETTE_SIZE):
            b = QToolButton()
            b.setFixedSize(QSize(26, 22))
            b.setVisible(False)
            b.clicked.connect(lambda _c=False, b=b: self._use_swatch(b))
            self.swatches.append(b)
            palette_row.addWidget(b)
        palette_row.addStretch(1)
        self.palette_note = QLabel()
        self.palette_note.setWordWrap(True)
        self._suggested_for: tuple[float, float] | None = None
        self.palette_label.setVisible(False)
        self.palette_note.setVisible(False)

        self.info = QLabel()
        self.info.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.color_button, self.drop_button, self.delete_button, self.clear_button,
                  self.undo_button, self.redo_button, self.save_button, self.load_button,
                  self.reference_button):
            row.addWidget(w)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addLayout(reach_row)
        lay.addLayout(palette_row)
        lay.addWidget(self.palette_note)
        lay.addWidget(self.info)

        self.model.undo_stack.indexChanged.connect(self._announce)
        self.model.changed.connect(self._refresh)
        self.model.selectionChanged.connect(lambda *_: self._refresh())
        self.model.selectionChanged.connect(lambda *_: self._ask_suggestions())
        self.model.undo_stack.indexChanged.connect(lambda *_: self._ask_suggestions())
        self._paint_swatch()
        self.set_available(False, "")

    def reach(self) -> float:
        """Hints' reach as a fraction of the long side (core.colorize.pipeline.propagate_hints)."""
        return self.reach_slider.value() / 100.0

    def set_reach(self, fraction: float) -> None:
        self.reach_slider.setValue(int(round(fraction * 100)))

    def _on_reach(self, value: int, emit: bool = True) -> None:
        self.reach_label.setText(f"{value}%")
        self._refresh() if hasattr(self, "info") else None
        if emit:
            self.reachChanged.emit(value / 100.0)

    def delete_selected(self) -> None:
        if self.model.selected is not None:
            self.model.delete(self.model.selected)

    def _announce(self, index: int) -> None:
        """Steps of the undo stack that changed the hints ask for a rerun; the stack is shared
        with other edits of the photo (the damage mask's: commands with ``hints_unchanged``),
        which rerun on their own, debounced."""
        stack = self.model.undo_stack
        lo, hi = sorted((self._index, index))
        self._index = index
        steps = [stack.command(i) for i in range(lo, hi)]
        if not steps or any(c is None or not getattr(c, "hints_unchanged", False) for c in steps):
            self.hintsChanged.emit()

    def set_more_to_save(self, more: bool) -> None:
        """Whether something is saved with the hints besides them (the page's masks: damage,
        gray, protect): Save is offered then even without a hint."""
        self._more_to_save = bool(more)
        self._refresh()

    def _button(self, name: str, tip: str, checkable: bool = False) -> QToolButton:
        b = QToolButton()
        b.setIcon(icon(name))
        b.setToolTip(tip)
        b.setCheckable(checkable)
        b.setAutoRaise(True)
        return b

    # state -------------------------------------------------------------------------
    def current_rgb(self) -> RGB:
        return self._rgb

    def set_current_rgb(self, rgb: RGB) -> None:
        self._rgb = tuple(int(c) for c in rgb)
        self._paint_swatch()

    def hints(self) -> list:
        return self.model.hints() if self.isEnabled() else []

    def set_reach_map(self, weights: np.ndarray | None) -> None:
        """Where each hint's colour went in the last result: ``weights`` (K, h, w) in [0, 1]
        on the network's grid (``pipeline.Colorized.hint_weights``), one per hint in the
        panel's order; None (or a count that no longer matches) clears it."""
        self._reach_map = None
        if weights is not None and len(weights) == len(self.model) > 0:
            w = np.asarray(weights, np.float32)
            rgb = np.array([p.rgb for p in self.model.points.values()], np.uint8)
            lead = w.argmax(0)
            alpha = np.clip(w.max(0) * 170.0, 0, 255).astype(np.uint8)
            rgba = np.ascontiguousarray(np.dstack([rgb[lead], alpha]))
            h, wd = rgba.shape[:2]
            self._reach_map = QImage(rgba.data, wd, h, 4 * wd, QImage.Format.Format_RGBA8888).copy()
        self._refresh()

    def reach_map(self) -> QImage | None:
        """The last result's reach overlay, while it still belongs to these hints."""
        m = getattr(self, "_reach_map", None)
        return m if m is not None and len(self.model) else None

    def set_available(self, available: bool, reason: str) -> None:
        """Hints apply to colorizers; otherwise the panel explains why."""
        self.setEnabled(available)
        if not available:
            self.drop_button.setChecked(False)
        self._unavailable = "" if available else reason
        self._refresh()

    def _refresh(self) -> None:
        if getattr(self, "_unavailable", ""):
            self.info.setText(self._unavailable)
        else:
            n = len(self.model)
            self.info.setText(
                f"{n} hint{'s' if n != 1 else ''}. Click the input to add a point, drag to "
                "move, right-click to delete, double-click to change its colour.")
        self.delete_button.setEnabled(self.model.selected is not None)
        self.clear_button.setEnabled(len(self.model) > 0)
        self.save_button.setEnabled(len(self.model) > 0 or getattr(self, "_more_to_save", False))
        self.update()
        parent = self.parentWidget()
        if parent is not None:
            parent.update()

    def _paint_swatch(self) -> None:
        c = QColor(*self._rgb)
        self.color_button.setStyleSheet(
            f"QToolButton {{ background: {c.name()}; border: 1px solid palette(mid); border-radius: 4px; }}")

    # suggested colours ---------------------------------------------------------------------
    def _ask_suggestions(self) -> None:
        """The selected hint moved or another was selected: ask for its point's likely colours."""
        sel = self.model.points.get(self.model.selected) if self.model.selected is not None else None
        point = None if sel is None else (round(sel.x, 4), round(sel.y, 4))
        if point == self._suggested_for:
            return
        self._suggested_for = point
        if point is None:
            self.set_suggestions([], "")
        else:
            self.suggestRequested.emit(*point)

    def refresh_suggestions(self) -> None:
        """Ask again for the selected hint (another photo or model: other likely colours)."""
        self._suggested_for = None
        self._ask_suggestions()

    def suggesting_for(self) -> tuple[float, float] | None:
        """The point whose suggestions are asked for or shown."""
        return self._suggested_for

    def set_suggestions(self, swatches: list, note: str = "") -> None:
        """``swatches`` [(rgb, probability)] most probable first (at most PALETTE_SIZE shown);
        ``note``: why there are none (a model without a colour distribution)."""
        for b, sw in zip(self.swatches, list(swatches) + [None] * self.PALETTE_SIZE):
            b.setVisible(sw is not None)
            if sw is None:
                continue
            rgb, prob = tuple(int(c) for c in sw[0]), float(sw[1])
            b.setProperty("rgb", rgb)
            b.setStyleSheet(f"QToolButton {{ background: {QColor(*rgb).name()}; border: 1px solid palette(mid); "
                            "border-radius: 3px; }")
            b.setToolTip(f"{QColor(*rgb).name()} · {prob:.0%} likely here: click to use it")
        self.palette_note.setText(note)
        self.palette_note.setVisible(bool(note))
        self.palette_label.setVisible(bool(swatches))

    def suggestions(self) -> list[tuple[RGB, str]]:
        """The swatches shown now: (rgb, tooltip), most probable first."""
        return [(b.property("rgb"), b.toolTip()) for b in self.swatches if not b.isHidden()]

    def _use_swatch(self, b: QToolButton) -> None:
        rgb = b.property("rgb")
        if rgb is not None:
            self.pick_color(tuple(rgb))

    # colour choice ---------------------------------------------------------------------
    def choose_color(self) -> None:
        """Non-modal colour dialog; the pick recolours the selected hint."""
        if self._dialog is None:
            self._dialog = QColorDialog(self)
            self._dialog.setWindowTitle("Hint colour")
            self._dialog.colorSelected.connect(lambda c: self.pick_color((c.red(), c.green(), c.blue())))
        sel = self.model.points.get(self.model.selected) if self.model.selected else None
        self._dialog.setCurrentColor(QColor(*(sel.rgb if sel else self._rgb)))
        self._dialog.show()
        self._dialog.raise_()

    def pick_color(self, rgb: RGB) -> None:
        """A colour from the dialog or the eyedropper: current colour + selected hint."""
        self.set_current_rgb(rgb)
        if self.model.selected is not None:
            self.model.recolor(self.model.selected, self._rgb)
        self.drop_button.setChecked(False)

    # files ---------------------------------------------------------------------------
    balance_provider = None   # () -> (temperature, tint) saved with the hints (the page's colour balance)

    def save_to(self, path: str) -> None:
        """Write the hints as a hint file (the CLI's ``--hints`` reads the same), with the
        colour balance beside them."""
        from colorstudio.core.colorize.hintfile import write_points

        balance = self.balance_provider() if self.balance_provider is not None else (0.0, 0.0)
        write_points(path, self.model.points_list(), balance)
        self.savedTo.emit(str(path))

    def load_from(self, path: str) -> int:
        """Replace the hints with a file's (undoable), and the colour balance with the one
        kept with them; HintFileError for a bad file (nothing changes then)."""
        from colorstudio.core.colorize.hintfile import read_balance, read_points

        points = read_points(path)
        balance = read_balance(path)
        self.model.replace_all(points)
        self.balanceLoaded.emit(*balance)
        self.loadedFrom.emit(str(path))
        return len(points)

    def save_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        start = dialog_folders.start_path("hints", "hints.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save colour hints", start, "Hint files (*.json)")
        if path:
            dialog_folders.remember("hints", path)
            try:
                self.save_to(path)
            except OSError as exc:
                QMessageBox.warning(self, "Save colour hints",
                                    shown(f"Cannot write {path}: {exc.strerror or exc}", "rich"))

    def reference_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from colorstudio.core.io.formats import image_filter

        path, _ = QFileDialog.getOpenFileName(self, "Colour reference photo", dialog_folders.start_folder("reference"),
                                              image_filter(all_files=True))
        if path:
            dialog_folders.remember("reference", path)
            self.referenceRequested.emit(path)

    def load_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from colorstudio.core.colorize.hintfile import HintFileError

        path, _ = QFileDialog.getOpenFileName(self, "Load colour hints", dialog_folders.start_folder("hints"),
                                              "Hint files (*.json);;All files (*)")
        if path:
            dialog_folders.remember("hints", path)
            try:
                self.load_from(path)
            except (HintFileError, OSError) as exc:
                QMessageBox.warning(self, "Load colour hints", shown(exc, "rich"))
