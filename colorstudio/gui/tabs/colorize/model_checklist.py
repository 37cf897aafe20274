"""Tick the models to compare (2 to 6) and switch the compare grid on and off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from colorstudio.gui.theme import icon
from colorstudio.gui.plaintext import tooltip

if TYPE_CHECKING:   # the catalogue imports the families (torch): named for type checking only
    from colorstudio.models.catalogue import ModelEntry

MIN_MODELS, MAX_MODELS = 2, 6


class ModelChecklist(QWidget):
    """A checkable list of models and a 'Compare' toggle.

    ``changed`` fires with the ticked keys in list order whenever the ticks change;
    ``toggled`` when compare mode is switched.  More than :data:`MAX_MODELS` ticks are
    refused (the newest tick is undone and :attr:`note` says why).
    """

    changed = Signal(list)
    toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.button = QPushButton(icon("mdi6.view-grid"), "Compare models")
        self.button.setCheckable(True)
        self._tip = ("Show the ticked models' results side by side in a grid "
                     "(synced zoom and pan; click a result to keep it)")
        self.button.setToolTip(self._tip)
        self.button.toggled.connect(self.toggled)
        self.list = QListWidget()
        self.list.setToolTip(f"Tick {MIN_MODELS} to {MAX_MODELS} models to compare")
        self.note = QLabel(f"Tick {MIN_MODELS}–{MAX_MODELS} models.")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.button)
        lay.addWidget(self.list)
        lay.addWidget(self.note)
        self.list.itemChanged.connect(self._on_item)
        self._updating = False
        self._say()
        self._fit_height()

    def set_entries(self, entries: list[ModelEntry], ticked: list[str] | None = None) -> None:
        """List the :func:`offered` ``entries`` (no family without trained weights); tick
        ``ticked`` (default: the trained ones, at most six)."""
        from colorstudio.models.catalogue import offered   # loaded: it made the entries

        entries = offered(entries)
        before = set(ticked if ticked is not None else self.checked())
        if not before:
            before = {e.name for e in entries if e.trained}
        self._updating = True
        self.list.clear()
        n = 0
        for e in entries:
            state = {"run": " (your run)", "file": " (file)"}.get(e.origin, "" if e.trained else " (untrained)")
            item = QListWidgetItem(e.label + state)
            item.setData(Qt.ItemDataRole.UserRole, e.name)
            item.setToolTip(tooltip(e.summary))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = e.name in before and n < MAX_MODELS
            n += on
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self._updating = False
        self._fit_height()
        self._say()
        self.changed.emit(self.checked())

    def checked(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.checkState() == Qt.CheckState.Checked:
                out.append(it.data(Qt.ItemDataRole.UserRole))
        return out

    def set_checked(self, keys: list[str]) -> None:
        self._updating = True
        for i in range(self.list.count()):
            it = self.list.item(i)
            on = it.data(Qt.ItemDataRole.UserRole) in keys
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self._updating = False
        self._say()
        self.changed.emit(self.checked())

    def is_on(self) -> bool:
        return self.button.isChecked()

    def set_on(self, on: bool) -> None:
        self.button.setChecked(on)

    def ready(self) -> bool:
        return MIN_MODELS <= len(self.checked()) <= MAX_MODELS

    def _on_item(self, item: QListWidgetItem) -> None:
        if self._updating:
            return
        if item.checkState() == Qt.CheckState.Checked and len(self.checked()) > MAX_MODELS:
            self._updating = True
            item.setCheckState(Qt.CheckState.Unchecked)
            self._updating = False
            self.note.setText(f"At most {MAX_MODELS} models: untick one first.")
            return
        self._say()
        self.changed.emit(self.checked())

    def _say(self) -> None:
        n = len(self.checked())
        if n < MIN_MODELS:
            self.note.setText(f"{n} ticked: tick at least {MIN_MODELS} to compare.")
        else:
            self.note.setText(f"{n} ticked.")
        ok = self.ready()
        if not ok and self.button.isChecked():
            self.button.setChecked(False)   # fewer than two: nothing to compare, back to one result
        self.button.setEnabled(ok)
        self.button.setToolTip(self._tip if ok else f"Tick at least {MIN_MODELS} models to compare them")

    def _fit_height(self) -> None:
        """As tall as its rows (up to six), no taller: the side panel is short on a laptop."""
        rows = min(max(1, self.list.count()), MAX_MODELS)
        row = self.list.sizeHintForRow(0) if self.list.count() else self.list.fontMetrics().height() + 4
        self.list.setFixedHeight(rows * max(1, row) + 2 * self.list.frameWidth() + 2)
