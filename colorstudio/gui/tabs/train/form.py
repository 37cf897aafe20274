"""The Train tab's "New run" form: recipe, data and runs folders, epochs, processes,
device and extra trainer options (the widgets only; the dashboard reads them)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QSizePolicy, QSpinBox, QToolButton, QWidget)

from colorstudio.core.inference.devices import DEVICE_CHOICES   # listed without importing torch; the trainer checks
from colorstudio.gui import dialog_folders
from colorstudio.gui.theme import icon

# Where a new run starts: (key, label).  Fine-tuning the shipped model with the settings it
# was trained with is what trains in minutes on a CPU; the report's recipe from scratch
# takes hours there.
START_FINE_TUNE, START_SCRATCH, START_WEIGHTS = "fine-tune", "scratch", "weights"
STARTS = ((START_FINE_TUNE, "the shipped model: fine-tune (fast on a CPU)"),
          (START_SCRATCH, "scratch: the report's recipe (hours on a CPU)"),
          (START_WEIGHTS, "weights of my own…"))


class TrainForm(QGroupBox):
    """``choose_dir(edit, title, settings_key)`` is called by the folder buttons;
    ``startChanged`` when the "Start from" choice changes."""

    startChanged = Signal()

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

        self.start_combo = QComboBox()
        for key, label in STARTS:
            self.start_combo.addItem(label, key)
        self.start_combo.setToolTip("Fine-tune: the shipped weights and the settings they were trained with "
                                    "(a usable model in minutes on a CPU); scratch: random weights and the "
                                    "seed report's recipe")
        form.addRow("Start from", self.start_combo)
        self.init_edit = QLineEdit()
        self.init_edit.setPlaceholderText("weights to start from (.safetensors)")
        self.init_edit.setToolTip("The weights a fine-tune starts from; filled in with the shipped ones")
        form.addRow("Weights", self._browse_row(self.init_edit, "Weights to start from", "train/init",
                                                file_filter="Weights (*.safetensors *.pt *.pth)"))
        self.start_combo.currentIndexChanged.connect(lambda _i: self.startChanged.emit())

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
        self.device_combo.addItems(DEVICE_CHOICES)
        self.device_combo.setToolTip("auto: a GPU when there is one, else the CPU")
        form.addRow("Device", self.device_combo)
        self.extra_edit = QLineEdit()
        self.extra_edit.setPlaceholderText("--set max_steps=500 --time-budget 30")
        self.extra_edit.setToolTip("More trainer options, as on the command line "
                                   "(--set key=value, --config FILE.toml, --time-budget MIN, ...)")
        form.addRow("Options", self.extra_edit)
        self.setLayout(form)

    def start_key(self) -> str:
        return str(self.start_combo.currentData())

    def set_start(self, key: str) -> None:
        i = self.start_combo.findData(key)
        if i >= 0:
            self.start_combo.setCurrentIndex(i)

    def _browse_row(self, edit: QLineEdit, title: str, key: str, file_filter: str = "") -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        b = QToolButton()
        b.setIcon(icon("mdi6.folder-open"))
        b.setToolTip(f"Choose the {title.lower()}")
        if file_filter:
            b.clicked.connect(lambda: self._choose_file(edit, title, file_filter))
        else:
            b.clicked.connect(lambda: self._choose_dir(edit, title, key))
        row.addWidget(b)
        return w

    def _choose_file(self, edit: QLineEdit, title: str, file_filter: str) -> None:
        # not the field's folder: it names the shipped weights, inside the app's own files
        path, _ = QFileDialog.getOpenFileName(self, title, dialog_folders.start_folder("weights"), file_filter)
        if path:
            dialog_folders.remember("weights", path)
            edit.setText(path)
            self.set_start(START_WEIGHTS)
