"""The recipes the Train tab offers, read in-process from ``core.training.recipes`` (the
trainer's own list; no subprocess), with what the model registry knows of their families.

The recipes themselves are torch-free; the registry (shipped weights, the default
colorizer) imports every family and so torch, so :class:`RecipeLister` reads them in a
worker thread and the tab opens at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import shiboken6
from PySide6.QtCore import QObject, Signal

from colorstudio.gui.tabs.train.trainer_cmd import trainer_presets
from colorstudio.gui.workers import Worker, start

if TYPE_CHECKING:   # built in the worker: the window's start does not pay for eleven dataclasses
    from colorstudio.core.training.recipes import RecipeSummary


@dataclass
class Recipe:
    name: str
    description: str = ""
    epochs: int = 0              # the recipe's default (0: unknown)
    cpu_preset: str = ""         # TOML of the settings the shipped weights were trained with
    shipped_weights: str = ""    # the family's shipped weights: fine-tuning starts from them
    task: str = ""               # colorize, translate, restore ('' when not known)
    default: bool = False        # the default colorizer's recipe: the Train tab opens on it

    @property
    def can_fine_tune(self) -> bool:
        return bool(self.shipped_weights)

    @classmethod
    def of(cls, s: RecipeSummary) -> "Recipe":
        """The view of a recipe's summary: its description followed by its settings."""
        desc = f"{s.description}\n{s.settings}." if s.description else f"{s.settings}."
        return cls(s.name, desc, s.epochs, s.cpu_preset, s.shipped_weights, s.task, s.default)


def first_choice(recipes: Sequence[Recipe]) -> int:
    """The recipe the Train tab opens on: the default colorizer's (fine-tuning its shipped
    weights takes minutes on a CPU); else the first colorizer with shipped weights, else the
    first recipe with any -- never a family without weights (hours from scratch, issue 32)
    nor the damage detector (not a colorizer) while a colorizer can be fine-tuned (issue 35)."""
    for ok in (lambda r: r.default, lambda r: r.can_fine_tune and r.task in ("colorize", ""),
               lambda r: r.can_fine_tune):
        i = next((k for k, r in enumerate(recipes) if ok(r)), None)
        if i is not None:
            return i
    return 0


def list_recipes(presets: Path | None = None) -> list[Recipe]:
    """Every recipe, in the trainer's order, with its family's shipped weights, the default
    colorizer and the trainer's CPU presets (``presets``: found beside the trainer).  It
    imports the registry (torch): call it off the GUI thread."""
    from colorstudio.core.training.recipes import summaries
    from colorstudio.models import registry

    shipped = {s.name: s.weights_path() for s in registry.available() if s.has_weights}
    found = summaries(presets if presets is not None else trainer_presets(), shipped,
                      registry.default_model("colorize"))
    return [Recipe.of(s) for s in found]


class RecipeLister(QObject):
    """Lists the recipes (:func:`list_recipes`, or ``lister``) in a worker thread."""

    recipes = Signal(list)   # list[Recipe]
    error = Signal(str)

    def __init__(self, parent: QObject | None = None, lister: Callable[[], list[Recipe]] = list_recipes):
        super().__init__(parent)
        self._lister = lister
        self._worker: Worker | None = None

    def is_running(self) -> bool:
        return self._worker is not None

    def cancel(self) -> None:
        """Stop listening (the window closes): a listing still running is dropped when it ends."""
        self._worker = None

    def refresh(self) -> None:
        if self._worker is not None:
            return
        w = self._worker = Worker(self._lister)
        w.signals.result.connect(lambda out, w=w: self._done(w, out, ""))
        w.signals.error.connect(lambda msg, w=w: self._done(w, None, msg))
        start(w)

    def _done(self, worker: Worker, recipes: list[Recipe] | None, msg: str) -> None:
        if worker is not self._worker or not shiboken6.isValid(self):
            return   # cancelled, or the tab is gone
        self._worker = None
        if recipes:
            self.recipes.emit(recipes)
        else:
            self.error.emit(f"could not list the recipes: {msg or 'there are none'}")
