"""Facades: paint a CMP label map and see the photo pix2pix-facades makes of it.

The photo is regenerated after every finished edit through a ``LatestRunner`` (stale
requests are dropped).  The model is loaded lazily in that worker thread -- nothing
here imports torch on the GUI thread -- and every error becomes a message in the bar.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QGridLayout, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QSizePolicy, QSlider,
                               QSpinBox, QSplitter, QToolButton, QVBoxLayout, QWidget)

from colorstudio.core.io.formats import image_filter
from colorstudio.core.color.palette import CLASSES, COLORS
from colorstudio.gui import dialog_folders
from colorstudio.gui.theme import icon
from colorstudio.gui.widgets.image_view import ImageView
from colorstudio.gui.tabs.facades.label_painter import LabelPainter, random_layout
from colorstudio.gui.tabs.tab_page import TabPage
from colorstudio.gui.widgets.message_bar import MessageBar
from colorstudio.gui.workers import LatestRunner

MODEL = "pix2pix-facades"
FOLDERS = "facades"   # the dialogs' kind (dialog_folders) for label maps and photos
Loader = Callable[[Any], Any]   # weights (True = shipped default, or a path) -> Predictor

_TOOL_ICONS = {"brush": "mdi6.brush", "rectangle": "mdi6.rectangle", "fill": "mdi6.format-color-fill",
               "eraser": "mdi6.eraser"}
_TOOL_KEYS = {"brush": "B", "rectangle": "R", "fill": "F", "eraser": "E"}


def default_loader(weights: Any, device: str = "auto") -> Any:
    """The registered pix2pix-facades translator (shipped weights, or ``weights`` file)."""
    from colorstudio.models.loading import load_predictor

    return load_predictor(MODEL, device, weights=weights)


def generate(labels_rgb: np.ndarray, get_predictor: Callable[[], Any], weights: Any = True) -> dict[str, Any]:
    """Worker job: label RGB -> photo; reports time and whether the weights are trained
    (a checkpoint was loaded: the registry leaves ``model.meta`` empty for random init)."""
    from colorstudio.core.colorize.pipeline import translate

    t0 = time.perf_counter()
    pred = get_predictor()
    t1 = time.perf_counter()
    photo = translate(labels_rgb, pred)
    meta = getattr(getattr(pred, "model", None), "meta", None)
    trained = meta is None or bool(meta) or not isinstance(weights, bool)
    return {"photo": photo, "load_s": t1 - t0, "run_s": time.perf_counter() - t1,
            "device": getattr(pred, "device_name", ""), "trained": trained}


def _swatch(index: int, size: int = 16) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(*(int(v) for v in COLORS[index])))
    return QIcon(pm)


class FacadePanel(TabPage):
    """Label painter plus the pix2pix-facades photo, regenerated after each stroke.

    ``loader(weights)`` returns a predictor (tests inject a tiny random-weight one); it
    runs in the worker thread on first use and again when the user picks other weights.
    """

    photoChanged = Signal(object)   # np.ndarray uint8 RGB, the newest generated photo

    def __init__(self, parent: QWidget | None = None, *, loader: Loader | None = None,
                 settings: QSettings | None = None, device: str = "auto", seed: int = 0):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.loader: Loader = loader or (lambda w: default_loader(w, device))
        self.weights: Any = True
        self._predictor: Any = None        # touched only by the runner's single thread
        self._predictor_weights: Any = None
        self._photo: np.ndarray | None = None
        self._shown_once = False
        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.error.connect(self._on_error)
        self.runner.busy.connect(self._on_busy)

        self.painter = LabelPainter()
        self.painter.set_labels(random_layout(seed), undoable=False)  # empty history to start
        self.photo_view = ImageView("The generated photo appears here.")
        self.message_bar = MessageBar()   # this tab's own; its errors go to the window's strip too
        self.status = QLabel()
        self.hover = QLabel()
        self._build()
        self.seed_spin.setValue(seed + 1)   # the next "Random layout" gives a new facade
        self.painter.changed.connect(self.regenerate)
        self.painter.hovered.connect(self.hover.setText)
        self.painter.classPicked.connect(self._select_class)
        self.painter.undoAvailable.connect(self.undo_button.setEnabled)
        self.painter.redoAvailable.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)

    # ---- layout
    def _tool_button(self, text: str, icon_name: str, tip: str, slot=None) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setIcon(icon(icon_name))
        b.setToolTip(tip)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        if slot is not None:
            b.clicked.connect(slot)
        return b

    def _build(self) -> None:
        top = QHBoxLayout()
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setToolTip("Seed of the random layout: the same seed gives the same facade")
        self.random_button = self._tool_button("Random layout", "mdi6.dice-5",
                                               "Start from a random plausible facade (Ctrl+Shift+R)",
                                               self.random_layout)
        self.load_button = self._tool_button("Load…", "mdi6.folder-open", "Load a label map image",
                                             self._choose_load)
        self.save_button = self._tool_button("Save labels…", "mdi6.content-save",
                                             "Save the label map as PNG (Ctrl+Shift+S)",
                                             self._choose_save)
        self.save_photo_button = self._tool_button("Save photo…", "mdi6.image", "Save the generated photo (Ctrl+S)",
                                                   self._choose_save_photo)
        self.weights_button = self._tool_button("Weights…", "mdi6.weight", "Use other pix2pix-facades "
                                                "weights (.safetensors exported from a training run)",
                                                self._choose_weights)
        self.undo_button = self._tool_button("Undo", "mdi6.undo", "Undo (Ctrl+Z)", lambda: self.painter.undo())
        self.redo_button = self._tool_button("Redo", "mdi6.redo", "Redo (Ctrl+Shift+Z)",
                                             lambda: self.painter.redo())
        for w in (self.random_button, QLabel("seed"), self.seed_spin, self.load_button, self.save_button,
                  self.undo_button, self.redo_button):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.weights_button)
        top.addWidget(self.save_photo_button)

        # tools column
        tools = QVBoxLayout()
        grid = QGridLayout()
        self.tool_group = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(("brush", "rectangle", "fill", "eraser")):
            b = QToolButton()
            b.setIcon(icon(_TOOL_ICONS[name]))
            b.setText(name.capitalize())
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setCheckable(True)
            b.setToolTip(f"{name.capitalize()} ({_TOOL_KEYS[name]})")
            b.clicked.connect(lambda _=False, n=name: self.set_tool(n))
            self.tool_group.addButton(b)
            self.tool_buttons[name] = b
            grid.addWidget(b, i // 2, i % 2)
        self.tool_buttons[self.painter.tool].setChecked(True)
        tools.addLayout(grid)

        size_row = QHBoxLayout()
        size_row.addWidget(QLabel("Size"))
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(1, 64)
        self.size_slider.setValue(self.painter.brush_size)
        self.size_slider.setToolTip("Brush and eraser diameter in label pixels ([ and ])")
        self.size_label = QLabel(str(self.painter.brush_size))
        self.size_label.setMinimumWidth(22)
        self.size_slider.valueChanged.connect(self._set_size)
        size_row.addWidget(self.size_slider, 1)
        size_row.addWidget(self.size_label)
        tools.addLayout(size_row)

        erase_row = QHBoxLayout()
        erase_row.addWidget(QLabel("Eraser paints"))
        self.eraser_combo = QComboBox()
        self.eraser_combo.addItems(["background", "facade"])
        self.eraser_combo.setToolTip("The class the eraser leaves behind")
        self.eraser_combo.currentTextChanged.connect(self.painter.set_eraser_class)
        erase_row.addWidget(self.eraser_combo, 1)
        tools.addLayout(erase_row)

        self.class_list = QListWidget()
        self.class_list.setToolTip("Class to paint (right-click the canvas to pick one from it)")
        for i, name in enumerate(CLASSES):
            item = QListWidgetItem(_swatch(i), name)
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.class_list.addItem(item)
        self.class_list.setCurrentRow(self.painter.current_class)
        self.class_list.currentRowChanged.connect(lambda r: r >= 0 and self.painter.set_class(r))
        tools.addWidget(QLabel("Class"))
        tools.addWidget(self.class_list, 1)
        tools.addWidget(self.hover)
        side = QWidget()
        side.setLayout(tools)
        side.setMaximumWidth(230)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(side)
        for caption, view in (("Label map — paint here", self.painter),
                              (f"Generated photo ({MODEL})", self.photo_view)):
            box = QWidget()
            bl = QVBoxLayout(box)
            bl.setContentsMargins(0, 0, 0, 0)
            bl.setSpacing(2)
            bl.addWidget(QLabel(caption))
            bl.addWidget(view, 1)
            split.addWidget(box)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        split.setChildrenCollapsible(False)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        self.message_bar.float_over(self)   # a message never moves the controls under the pointer
        lay.addWidget(split, 1)
        lay.addWidget(self.status)

        for keys, slot in ((QKeySequence.StandardKey.Undo, self.painter.undo),
                           (QKeySequence.StandardKey.Redo, self.painter.redo),
                           ("Ctrl+Shift+Z", self.painter.redo),
                           ("Ctrl+Shift+R", self.random_layout),
                           ("Ctrl+Shift+S", self._choose_save),
                           ("[", lambda: self.size_slider.setValue(self.size_slider.value() - 2)),
                           ("]", lambda: self.size_slider.setValue(self.size_slider.value() + 2)),
                           *((k, (lambda n=n: self.set_tool(n))) for n, k in _TOOL_KEYS.items())):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

    # ---- actions
    def set_tool(self, name: str) -> None:
        self.painter.set_tool(name)
        self.tool_buttons[name].setChecked(True)

    def _set_size(self, v: int) -> None:
        self.painter.set_brush_size(v)
        self.size_label.setText(str(v))

    def _select_class(self, i: int) -> None:
        self.class_list.setCurrentRow(i)

    def random_layout(self) -> None:
        """New random facade from the seed box, then advance the seed for the next click."""
        self.painter.random_layout(self.seed_spin.value())
        self.seed_spin.setValue(self.seed_spin.value() + 1)

    def load(self, path: str | os.PathLike) -> bool:
        try:
            self.painter.load(path)
        except Exception as exc:  # noqa: BLE001 - unreadable files become messages
            self._show_error(f"cannot load the label map: {exc}")
            return False
        dialog_folders.remember(FOLDERS, path, self.settings)
        return True

    def _dir(self) -> str:
        """Label maps and photos: one folder, the last used for them (dialog_folders)."""
        return dialog_folders.start_folder(FOLDERS, settings=self.settings)

    def _choose_load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load label map", self._dir(), image_filter())
        if path:
            self.load(path)

    def _choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save label map", str(Path(self._dir()) / "labels.png"),
                                              "PNG (*.png)")
        if path:
            self._save(lambda: self.painter.save(path), path)

    def save_photo_dialog(self) -> None:
        """Save the generated photo (the window's Export, Ctrl+S, on this tab)."""
        self._choose_save_photo()

    def can_export(self) -> bool:
        """Always: Save photo says so when there is none yet."""
        return True

    def export_dialog(self, view: str = "result") -> None:
        """The window's Export saves the photo (the other views are the Colorize tab's)."""
        if view == "result":
            self.save_photo_dialog()

    def _choose_save_photo(self) -> None:
        if self._photo is None:
            self._show_error("no photo yet: paint or load a label map first")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save photo", str(Path(self._dir()) / "facade.png"),
                                              image_filter(write=True))
        if path:
            from colorstudio.core.io.imageio import write_image

            photo = self._photo
            self._save(lambda: write_image(path, photo), path)

    def _save(self, fn, path: str) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001
            self._show_error(f"cannot save: {exc}")
            return
        dialog_folders.remember(FOLDERS, path, self.settings)
        self.message_bar.show_message(f"saved {path}", "info")

    def _choose_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "pix2pix-facades weights",
                                              dialog_folders.start_folder("weights", fallback=self._dir(),
                                                                          settings=self.settings),
                                              "Weights (*.safetensors *.pt *.pth)")
        if path:
            dialog_folders.remember("weights", path, self.settings)
            self.set_weights(path)

    def set_weights(self, weights: Any) -> None:
        """Use other weights (True: the shipped default); reloads in the worker."""
        self.weights = weights
        self.regenerate()

    # ---- generation
    def photo(self) -> np.ndarray | None:
        """The newest generated photo (uint8 RGB), or None before the first one."""
        return self._photo

    def regenerate(self) -> None:
        """Translate the current label map (off the GUI thread; newest request wins)."""
        self.runner.submit(generate, self.painter.label_rgb(), self._get_predictor, self.weights)

    def _get_predictor(self) -> Any:  # runs in the worker thread
        if self._predictor is None or self._predictor_weights != self.weights:
            weights = self.weights
            self._predictor = None
            self._predictor = self.loader(weights)
            self._predictor_weights = weights
        return self._predictor

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self.status.setText("loading the model…" if self._predictor is None else "generating…")

    def _on_result(self, out: dict[str, Any]) -> None:
        self._photo = out["photo"]
        self.photo_view.set_array(self._photo)
        load = f", model loaded in {out['load_s']:.1f} s" if out["load_s"] > 0.05 else ""
        where = f" on {out['device']}" if out.get("device") else ""
        self.status.setText(f"generated in {out['run_s'] * 1000:.0f} ms{where}{load}")
        if not out["trained"]:
            self.message_bar.show_message(f"{MODEL} has no trained weights yet: the photo comes from a random "
                                      "network. Train one in the Train tab, then pick its weights here.",
                                      "warning")
        elif self.message_bar.level == "error":
            self.message_bar.dismiss()
        self.photoChanged.emit(self._photo)

    def _on_error(self, msg: str) -> None:
        self._show_error(f"cannot generate the photo: {msg}")
        self.status.setText("")

    def _show_error(self, msg: str) -> None:
        self.message_bar.show_message(msg, "error")
        self.message.emit(msg, "error")

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        if not self._shown_once:   # first look: load the model and show a photo
            self._shown_once = True
            if self._photo is None:
                self.regenerate()

    def shutdown(self, msecs: int = 5000) -> None:
        """Drop pending work and wait for the running job (call before the app quits)."""
        self.runner.cancel()
        self.runner.wait(msecs)
