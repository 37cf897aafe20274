"""Model and device choice: the registry's models (task, trained or not, model card).

Listing the registry imports the model families and hence torch (seconds), so the
picker starts empty and is filled by :func:`load_entries` run in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget


@dataclass(frozen=True)
class ModelEntry:
    """What the GUI needs to know about a registered model (no torch objects)."""

    name: str
    task: str
    trained: bool
    description: str
    card: str            # model card markdown ('' when none ships)
    input_size: int
    hints: bool
    fixed_size: bool

    @property
    def summary(self) -> str:
        """The description, then the card's training facts and held-out scores, in plain text.

        The whole card (markdown) is the tooltip; the panel shows what a user decides by.
        """
        lines = [self.description]
        for raw in self.card.splitlines():
            text = raw.strip()
            if text.startswith("- **Epochs:**"):
                lines.append("Epochs: " + _plain(text[len("- **Epochs:**"):]))
            elif text.startswith("| model |"):
                cells = [c.strip() for c in text.strip("|").split("|")][1:]
                header = self._eval_header()
                if header and len(header) == len(cells):
                    lines.append("Held-out: " + ", ".join(
                        f"{h.replace('_', ' ')} {c}" for h, c in zip(header, cells)
                        if h in ("psnr_rgb", "ssim", "colourfulness_ratio", "l1", "psnr")))
        return "\n".join(lines)

    def _eval_header(self) -> list[str]:
        rows = [r.strip() for r in self.card.splitlines() if r.strip().startswith("| |")]
        return [c.strip() for c in rows[0].strip("|").split("|")][1:] if rows else []


def _plain(md: str) -> str:
    """Markdown emphasis and code marks removed."""
    return md.replace("**", "").replace("`", "").strip()


def load_entries(task: str | None = None) -> tuple[list[ModelEntry], list[str]]:
    """Registry entries and pickable devices. Slow (imports torch): call in a worker."""
    from colorstudio.core.devices import available_devices
    from colorstudio.models import available

    out = []
    for s in available(task):
        card_path = s.card_path()
        card = card_path.read_text(encoding="utf-8", errors="replace") if card_path.is_file() else ""
        out.append(ModelEntry(s.name, s.task, s.has_weights, s.description, card, s.input_size,
                              s.hints, s.fixed_size))
    return out, available_devices()


class ModelPicker(QWidget):
    """Combo boxes for the model and the device, the model's card, the device in use."""

    modelChanged = Signal(str)
    deviceChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model_box = QComboBox()
        self.model_box.setToolTip("Colorization model from the registry")
        self.model_box.setMinimumContentsLength(14)
        self.model_box.addItem("loading models…")
        self.model_box.setEnabled(False)
        self.device_box = QComboBox()
        self.device_box.setToolTip("Where the network runs; auto prefers a GPU when present")
        self.device_box.addItem("auto")
        self.device_box.setEnabled(False)
        self.card = QLabel()
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.PlainText)
        self.card.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.in_use = QLabel("—")
        self.in_use.setToolTip("The device the current model actually runs on")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Model", self.model_box)
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
        """Fill the boxes; select ``model``/``device`` when listed (remembered choices)."""
        self._entries = {e.name: e for e in entries}
        self.model_box.blockSignals(True)
        self.device_box.blockSignals(True)
        self.model_box.clear()
        for e in entries:
            state = "trained" if e.trained else "untrained"
            self.model_box.addItem(f"{e.name} ({state})", e.name)
            weights = "trained" if e.trained else "untrained: random weights"
            self.model_box.setItemData(self.model_box.count() - 1,
                                       f"{e.name} ({e.task}, {weights})\n{e.description}",
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
    def _show_card(self) -> None:
        e = self.entry()
        if e is None:
            self.card.setText("")
            return
        state = "trained weights" if e.trained else \
            "no trained weights: random initialisation, results are noise"
        self.card.setText(f"{e.summary}\n\n{e.task} · render {e.input_size}px · {state}")
        self.card.setToolTip(e.card or e.description)

    def _on_model(self, _i: int) -> None:
        self._show_card()
        name = self.model_name()
        if name:
            self.modelChanged.emit(name)

    def _on_device(self, text: str) -> None:
        if text:
            self.deviceChanged.emit(text)
