"""The Train tab's "New run" form: recipe, data and runs folders, epochs, processes,
device and extra trainer options (the widgets only; the dashboard reads them)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QSizePolicy, QSpinBox, QToolButton, QWidget)

from colorstudio.gui.theme import icon

DEVICES = ("auto", "cpu", "cuda")   # listed without importing torch; the trainer checks


class TrainForm(QGroupBox):
    """``choose_dir(edit, title, settings_key)`` is called by the folder buttons."""

    def __init__(self, choose_dir: Callable[[QLineEdit, str, str], None], parent: QWidget | None = None):
        super().__init__("New run", parent)
        self._choose_dir = choose_dir
        form = QFormLayout()
        self.recipe_combo = QComboBox()
        self.recipe_combo.setEditable(True)
        self.recipe_combo.setToolTip("Training recipe (one per model family); listed by the trainer")
        self.recipe_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.refresh_button = refresh = QToolButton()
        refresh.setIcon(icon("mdi6.refresh"))
        refresh.setToolTip("Ask the trainer for its recipes again")
        rrow = QWidget()
        rl = QHBoxLayout(rrow)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.recipe_combo, 1)
        rl.addWidget(refresh)
        form.addRow("Recipe", rrow)
        self.recipe_status = QLabel()
        self.recipe_status.setWordWrap(True)
        self.recipe_status.setStyleSheet("color: palette(placeholder-text);")
        form.addRow("", self.recipe_status)

        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText("folder of photos (or facade A|B pairs)")
        self.data_edit.setToolTip("Training data: a folder of colour photos, or of pix2pix A|B pairs")
        form.addRow("Data", self._browse_row(self.data_edit, "Data folder", "train/data_dir"))
        self.runs_edit = QLineEdit()
        self.runs_edit.setToolTip("Each run is written to a new folder here; earlier runs are listed below")
        form.addRow("Runs", self._browse_row(self.runs_edit, "Runs folder", "train/runs_dir"))
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 100_000)
        self.epochs_spin.setToolTip("Passes over the training data")
        form.addRow("Epochs", self.epochs_spin)
        self.nproc_spin = QSpinBox()
        self.nproc_spin.setRange(1, 64)
        self.nproc_spin.setToolTip("Processes (one per GPU); more than 1 trains with DDP under torchrun")
        form.addRow("Processes", self.nproc_spin)
        self.device_combo = QComboBox()
        self.device_combo.addItems(DEVICES)
        self.device_combo.setToolTip("auto: a GPU when there is one, else the CPU")
        form.addRow("Device", self.device_combo)
        self.extra_edit = QLineEdit()
        self.extra_edit.setPlaceholderText("--set max_steps=500 --time-budget 30")
        self.extra_edit.setToolTip("More trainer options, as on the command line "
                                   "(--set key=value, --config FILE.toml, --time-budget MIN, ...)")
        form.addRow("Options", self.extra_edit)
        self.setLayout(form)

    def _browse_row(self, edit: QLineEdit, title: str, key: str) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        b = QToolButton()
        b.setIcon(icon("mdi6.folder-open"))
        b.setToolTip(f"Choose the {title.lower()}")
        b.clicked.connect(lambda: self._choose_dir(edit, title, key))
        row.addWidget(b)
        return w
