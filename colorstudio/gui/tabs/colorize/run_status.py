"""What the Colorize tab says of its runs: the status bar's fields (size, model, device,
time, zoom) and the notes a result brings -- a device fallback, an untrained model's
random colours (said once per model), or that such a warning no longer holds.

A part of :class:`~colorstudio.gui.tabs.colorize.page.ColorizePage`, composed, not mixed
in: it is given the page and speaks through its ``statusChanged``, ``message`` and
``messageCleared`` signals.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from colorstudio.gui.tabs.colorize.jobs import LoadedModel, RunOutput, describe_image


class RunStatus(QObject):
    """The status fields and run notes of the ColorizePage ``page``."""

    def __init__(self, page: QWidget):
        super().__init__(page)
        self.page = page
        self._fields: dict[str, str] = {}
        self._warned_untrained: set[str] = set()

    def fields(self) -> dict[str, str]:
        """size / model / device / time, and the zoom while a photo is open."""
        s = dict(self._fields)
        if self.page.image is not None:
            s["zoom"] = f"{self.page.compare.zoom_percent():.0f}%"
        return s

    def emit(self) -> None:
        """Tell the window the fields (the zoom changed, or a field below did)."""
        self.page.statusChanged.emit(self.fields())

    def label(self, key: str) -> str:
        """The model's name as the user sees it."""
        e = self.page.picker.entry(key)
        return e.label if e is not None else key

    def opened(self, image: np.ndarray) -> None:
        self._fields.update(size=describe_image(image), time="")
        self.emit()

    def model_picked(self, label: str) -> None:
        self._fields["model"] = label
        self.emit()

    def model_loaded(self, out: LoadedModel) -> None:
        self._fields.update(model=self.label(out.model), device=out.device)
        self.emit()

    def grid_picked(self, label: str, out: RunOutput) -> None:
        self._fields.update(model=label, device=out.device, time=f"{out.seconds:.2f} s")
        self.emit()

    def result(self, out: RunOutput) -> None:
        """A run's or a re-compose's result is shown: its fields, and what it brings to say."""
        page = self.page
        detail = " + ".join(f"{k} {v:.2f}" for k, v in out.timings.items() if k != "total")
        self._fields.update(model=self.label(out.model), device=out.device,
                            time=f"{out.seconds:.2f} s" + (f" ({detail})" if detail else ""))
        self.emit()
        note = getattr(out.colorized, "note", None)
        if note:
            page.message.emit(f"Device fallback: {note}", "warning")
        entry = page.picker.entry(out.model)
        if out.kind == "run" and entry is not None and entry.trained and not note:
            page.messageCleared.emit()  # e.g. an untrained model's warning no longer applies
        if out.kind == "run" and entry is not None and not entry.trained \
                and out.model not in self._warned_untrained:
            self._warned_untrained.add(out.model)
            page.message.emit(f"{self.label(out.model)} has no trained weights yet: its colours are random. "
                              "Train it in the Train tab or pick a trained model.", "warning")
