"""The Train tab's "New run" form: recipe, data and runs folders, epochs, processes,
device and extra trainer options; a form that agrees with the recipe picked (where the
run starts, its epochs), remembers itself in the settings, and says which
:class:`TrainRequest` it describes (the dashboard starts it)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QSizePolicy, QSpinBox, QToolButton, QWidget)

from colorstudio.core.inference.devices import DEVICE_CHOICES   # listed without importing torch; the trainer checks
from colorstudio.core.io.runs import new_run_folder, read_run_config
from colorstudio.gui import dialog_folders
from colorstudio.gui.tabs.train.recipes import Recipe, first_choice
from colorstudio.gui.tabs.train.trainer_cmd import TrainRequest
from colorstudio.gui.theme import icon

# Where a new run starts: (key, label).  Fine-tuning the shipped model with the settings it
# was trained with is what trains in minutes on a CPU; the report's recipe from scratch
# takes hours there.
START_FINE_TUNE, START_SCRATCH, START_WEIGHTS = "fine-tune", "scratch", "weights"
STARTS = ((START_FINE_TUNE, "the shipped model: fine-tune (fast on a CPU)"),
          (START_SCRATCH, "scratch: the report's recipe (hours on a CPU)"),
          (START_WEIGHTS, "weights of my own…"))
FINE_TUNE_EPOCHS = 1   # a fine-tune on a CPU: one pass over the photos (about an hour on 20k photos)


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
        self.recipe_combo.setToolTip("Training recipe (one per model family)")
        self.recipe_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.refresh_button = refresh = QToolButton()
        refresh.setIcon(icon("mdi6.refresh"))
        refresh.setToolTip("List the recipes again (and the weights shipped for them)")
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
        self._recipes: dict[str, Recipe] = {}
        self._scratch_forced = False   # scratch was a recipe's necessity (nothing shipped), not the user's choice
        self.recipe_combo.currentTextChanged.connect(self._recipe_changed)   # picked or typed
        self.startChanged.connect(self._recipe_changed)
        self.start_combo.activated.connect(lambda _i: setattr(self, "_scratch_forced", False))   # the user's choice

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

    # ------------------------------------------------------------------ recipes
    def set_recipes(self, recipes: list[Recipe]) -> None:
        """The recipes in the combo (the one typed or picked kept; with none yet,
        the default colorizer's, to fine-tune: ``recipes.first_choice``)."""
        current = self.recipe_combo.currentText().strip()
        self.recipe_combo.blockSignals(True)
        self.recipe_combo.clear()
        self._recipes = {r.name: r for r in recipes}
        for r in recipes:
            self.recipe_combo.addItem(r.name, r.description)
            self.recipe_combo.setItemData(self.recipe_combo.count() - 1, r.description,
                                          Qt.ItemDataRole.ToolTipRole)
        first = first_choice(recipes)
        i = self.recipe_combo.findText(current) if current else first
        if i >= 0:
            self.recipe_combo.setCurrentIndex(i)
        else:
            self.recipe_combo.setEditText(current)
        self.recipe_combo.blockSignals(False)
        self._recipe_changed()

    def recipe_names(self) -> list[str]:
        return [self.recipe_combo.itemText(i) for i in range(self.recipe_combo.count())]

    def _recipe_changed(self, *_args) -> None:
        """The recipe's text, and a form that agrees with it: epochs, and where the run starts."""
        desc = self.recipe_combo.currentData()
        r = self._recipes.get(self.recipe_combo.currentText().strip())
        start = self.start_key()
        text = str(desc) if desc else ""
        if r is not None:
            if start == START_FINE_TUNE and not r.can_fine_tune:
                self.set_start(START_SCRATCH)   # nothing shipped to fine-tune
                start = START_SCRATCH
                self._scratch_forced = True
            elif start == START_SCRATCH and r.can_fine_tune and self._scratch_forced:
                self.set_start(START_FINE_TUNE)   # scratch was the last recipe's necessity, not a choice
                start = START_FINE_TUNE
                self._scratch_forced = False
            if start == START_FINE_TUNE:
                self.init_edit.setText(r.shipped_weights)
                self.epochs_spin.setValue(FINE_TUNE_EPOCHS)
                text += (f"\nFine-tuning the shipped {Path(r.shipped_weights).stem} for {FINE_TUNE_EPOCHS} epoch"
                         f"{'s' if FINE_TUNE_EPOCHS != 1 else ''} with the settings it was trained with"
                         + (f" ({Path(r.cpu_preset).name})" if r.cpu_preset else "") + ".")
            elif start == START_SCRATCH:
                self.init_edit.clear()
                if r.epochs:
                    self.epochs_spin.setValue(r.epochs)
        self.init_edit.setEnabled(start != START_SCRATCH)
        self.recipe_status.setText(text)

    # ------------------------------------------------------------------ settings, request
    def restore(self, s: QSettings, default_runs_dir: Path) -> None:
        """The form as it was left (``default_runs_dir`` for a first start)."""
        self.data_edit.setText(str(s.value("train/data_dir", "")))
        self.runs_edit.setText(str(s.value("train/runs_dir", str(default_runs_dir))))
        self.epochs_spin.setValue(int(s.value("train/epochs", 10)))
        self.nproc_spin.setValue(int(s.value("train/nproc", 1)))
        dev = str(s.value("train/device", "auto"))
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findText(dev)))
        self.extra_edit.setText(str(s.value("train/extra", "")))
        self.set_start(str(s.value("train/start", START_FINE_TUNE)))
        recipe = str(s.value("train/recipe", ""))
        if recipe:
            self.recipe_combo.setEditText(recipe)

    def save(self, s: QSettings) -> None:
        s.setValue("train/recipe", self.recipe_combo.currentText().strip())
        s.setValue("train/data_dir", self.data_edit.text().strip())
        s.setValue("train/runs_dir", self.runs_edit.text().strip())
        s.setValue("train/epochs", self.epochs_spin.value())
        s.setValue("train/nproc", self.nproc_spin.value())
        s.setValue("train/device", self.device_combo.currentText())
        s.setValue("train/extra", self.extra_edit.text())
        s.setValue("train/start", self.start_key())

    def request(self, runs_dir: Path, resume_run: Path | None = None) -> TrainRequest:
        """What the form asks the trainer: a new run in a new folder under ``runs_dir``, or
        ``resume_run`` continued (its recipe, and its data unless the form names other)."""
        extra = shlex.split(self.extra_edit.text())
        if resume_run is not None:
            cfg = read_run_config(resume_run)
            recipe = str(cfg.get("recipe") or self.recipe_combo.currentText()).strip()
            data = self.data_edit.text().strip() or str(cfg.get("data", ""))
            out = resume_run
        else:
            recipe = self.recipe_combo.currentText().strip()
            data = self.data_edit.text().strip()
            out = new_run_folder(runs_dir, recipe)
        config = init = ""
        start = self.start_key()
        if resume_run is None and start != START_SCRATCH:
            init = self.init_edit.text().strip()
            r = self._recipes.get(recipe)
            if start == START_FINE_TUNE and r is not None:
                config, init = r.cpu_preset, init or r.shipped_weights
        return TrainRequest(recipe=recipe, data=Path(data) if data else "", out=out,
                            epochs=self.epochs_spin.value(), nproc=self.nproc_spin.value(),
                            resume=resume_run is not None, device=self.device_combo.currentText(),
                            extra=extra, config=config, init=init)
