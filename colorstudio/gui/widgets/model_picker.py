"""Model and device choice: a view over the model catalogue (``models.catalogue``).

What the panel says of a model is the catalogue entry's: its summary (weights' metadata,
held-out scores per kind of photo), its card as the tooltip.  The catalogue imports the
model families and hence torch (seconds), so this module names it only for type checking
and imports it in functions: the picker starts empty and is filled by :func:`load_entries`
run in a worker; an entry in hand means the catalogue is loaded already.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QToolButton,
                               QVBoxLayout, QWidget)

from colorstudio.gui import dialog_folders
from colorstudio.gui.plaintext import plain_label, tooltip

if TYPE_CHECKING:
    from colorstudio.models.catalogue import ModelEntry


def load_entries(task: str | None = None, runs_dir: str | Path | None = None) -> tuple[list[ModelEntry], list[str]]:
    """The catalogue (the registry's models, then the user's own runs under ``runs_dir``)
    and the pickable devices. Slow (imports torch): call in a worker."""
    from colorstudio.core.inference.devices import available_devices
    from colorstudio.models.catalogue import list_models

    return list_models(task, runs_dir), available_devices()


def read_weights(path: str | Path, task: str | None = None) -> ModelEntry:
    """The catalogue entry of a checkpoint the user opened (in a worker: it imports torch);
    a one-line error for a file that is not one of ours, or of another ``task``."""
    from colorstudio.models.catalogue import entry_for_checkpoint

    return entry_for_checkpoint(Path(path), "file", task)


class ModelPicker(QWidget):
    """Combo boxes for the model and the device, the model's card, the device in use."""

    modelChanged = Signal(str)
    deviceChanged = Signal(str)
    weightsLoaded = Signal(object)  # ModelEntry: a checkpoint opened with "Weights…" joined the list
    weightsFailed = Signal(str)     # ... or could not be used: why, in one line

    def __init__(self, parent: QWidget | None = None, task: str = "colorize"):
        super().__init__(parent)
        self.task = task
        self._compact = False
        self._workers: list = []
        self.model_box = QComboBox()
        self.model_box.setToolTip("Colorization model from the registry")
        self.model_box.setMinimumContentsLength(14)
        self.model_box.addItem("loading models…")
        self.model_box.setEnabled(False)
        self.device_box = QComboBox()
        self.device_box.setToolTip("Where the network runs; auto prefers a GPU when present")
        self.device_box.addItem("auto")
        self.device_box.setEnabled(False)
        self.card = plain_label(QLabel())
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.PlainText)
        self.card.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.in_use = QLabel("—")
        self.in_use.setToolTip("The device the current model actually runs on")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.weights_button = QToolButton()
        self.weights_button.setText("Weights…")
        self.weights_button.setToolTip("Use any .safetensors checkpoint (your own training runs, "
                                       "another machine's): it joins the model list")
        self.weights_button.clicked.connect(self._choose_weights)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.model_box, 1)
        row.addWidget(self.weights_button)
        form.addRow("Model", row)
        form.addRow("Device", self.device_box)
        form.addRow("In use", self.in_use)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(form)
        lay.addWidget(self.card)
        self._entries: dict[str, ModelEntry] = {}
        self.model_box.currentIndexChanged.connect(self._on_model)
        self.device_box.currentTextChanged.connect(self._on_device)

    # filling -----------------------------------------------------------------------
    def set_entries(self, entries: list[ModelEntry], devices: list[str],
                    model: str | None = None, device: str | None = None) -> None:
        """Fill the boxes with the :func:`offered` ``entries``; select ``model``/``device``
        when listed (remembered choices)."""
        from colorstudio.models.catalogue import offered   # loaded: it made the entries

        entries = offered(entries)
        self._entries = {e.name: e for e in entries}
        self.model_box.blockSignals(True)
        self.device_box.blockSignals(True)
        self.model_box.clear()
        for e in entries:
            state = {"run": "your run", "file": "file"}.get(e.origin) or ("trained" if e.trained else "untrained")
            self.model_box.addItem(f"{e.label} ({state})", e.name)
            weights = "trained" if e.trained else "untrained: random weights"
            self.model_box.setItemData(self.model_box.count() - 1,
                                       f"{e.label} ({e.task}, {weights})\n{e.description}",
                                       Qt.ItemDataRole.ToolTipRole)
        self.device_box.clear()
        self.device_box.addItems(devices or ["auto"])
        if model in self._entries:
            self.model_box.setCurrentIndex(self.model_box.findData(model))
        if device and self.device_box.findText(device) >= 0:
            self.device_box.setCurrentText(device)
        self.model_box.blockSignals(False)
        self.device_box.blockSignals(False)
        self.model_box.setEnabled(bool(entries))
        self.device_box.setEnabled(True)
        self._show_card()

    def add_entry(self, entry: ModelEntry, select: bool = True) -> None:
        """Add (or replace) one entry, e.g. a checkpoint opened with Weights…"""
        entries = [e for e in self._entries.values() if e.name != entry.name] + [entry]
        current = entry.name if select else self.model_name()
        self.set_entries(entries, [self.device_box.itemText(i) for i in range(self.device_box.count())],
                         current, self.device())
        if select:
            self.modelChanged.emit(entry.name)

    def _choose_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Use weights", dialog_folders.start_folder("weights"),
                                              "Checkpoints (*.safetensors)")
        if path:
            dialog_folders.remember("weights", path)
            self.open_weights(path)

    def open_weights(self, path: str | Path):
        """Read a checkpoint's facts in a worker; it joins the list and is picked
        (``weightsLoaded``), or ``weightsFailed`` says why not (wrong family or task,
        not a checkpoint).  Returns the worker."""
        from colorstudio.gui.workers import run_kept

        return run_kept(self._workers, read_weights, Path(path), self.task,
                        on_result=self._weights_read, on_error=self.weightsFailed.emit)

    def _weights_read(self, entry: ModelEntry) -> None:
        self.add_entry(entry, select=True)
        self.weightsLoaded.emit(entry)

    # queries -----------------------------------------------------------------------
    def model_name(self) -> str | None:
        data = self.model_box.currentData()
        return data if isinstance(data, str) else None

    def entry(self, name: str | None = None) -> ModelEntry | None:
        return self._entries.get(name or self.model_name() or "")

    def entries(self) -> list[ModelEntry]:
        return list(self._entries.values())

    def device(self) -> str:
        return self.device_box.currentText() or "auto"

    def set_model(self, name: str) -> None:
        i = self.model_box.findData(name)
        if i < 0:
            raise KeyError(f"model {name!r} is not in the list")
        self.model_box.setCurrentIndex(i)

    def set_in_use(self, text: str) -> None:
        self.in_use.setText(text or "—")

    # reactions ---------------------------------------------------------------------
    def refresh_card(self) -> None:
        self._show_card()

    def _show_card(self) -> None:
        e = self.entry()
        if e is None:
            self.card.setText("")
            return
        state = "trained weights" if e.trained else \
            "no trained weights: random initialisation, results are noise"
        full = f"{e.summary}\n\n{e.task} · render {e.input_size}px · {state}"
        if self._compact:  # one line; the facts are the tooltip (a form with little height)
            self.card.setText(f"{e.task} · render {e.input_size}px · {state}")
            self.card.setToolTip(tooltip(full))
        else:
            self.card.setText(full)
            self.card.setToolTip(tooltip(e.card or e.description))

    def set_compact(self, on: bool) -> None:
        """Show only a one-line summary (the model's facts move to its tooltip)."""
        self._compact = bool(on)
        self._show_card()

    def _on_model(self, _i: int) -> None:
        self._show_card()
        name = self.model_name()
        if name:
            self.modelChanged.emit(name)

    def _on_device(self, text: str) -> None:
        if text:
            self.deviceChanged.emit(text)
