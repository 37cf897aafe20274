"""The trainer's recipes, asked of it in a subprocess (``python -m trainer recipes --json``)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Sequence

from PySide6.QtCore import QObject, QProcess, Signal

from colorstudio.gui.tabs.train.trainer_cmd import process_env


@dataclass
class Recipe:
    name: str
    description: str = ""
    epochs: int = 0              # the recipe's default (0: unknown)
    cpu_preset: str = ""         # TOML of the settings the shipped weights were trained with
    shipped_weights: str = ""    # the family's shipped weights: fine-tuning starts from them
    task: str = ""               # colorize, translate, restore ('' when the trainer did not say)
    default: bool = False        # the default colorizer's recipe: the Train tab opens on it

    @property
    def can_fine_tune(self) -> bool:
        return bool(self.shipped_weights)


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


def parse_recipes(text: str) -> list[Recipe]:
    """Recipes from ``trainer recipes --json``: a list of objects (the trainer's
    ``recipe_summaries``); any other text holds none."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    return [_recipe(item) for item in data if isinstance(item, dict) and item.get("name")]


def _recipe(item: dict) -> Recipe:
    """One recipe object of ``recipes --json``: its description followed by its settings."""
    desc = str(item.get("description", "") or "")
    if item.get("settings"):
        desc = f"{desc}\n{item['settings']}." if desc else f"{item['settings']}."
    epochs = item.get("epochs")
    return Recipe(str(item["name"]), desc, epochs if isinstance(epochs, int) else 0,
                  str(item.get("cpu_preset") or ""), str(item.get("shipped_weights") or ""),
                  str(item.get("task") or ""), item.get("default") is True)


class RecipeLister(QObject):
    """Asks the trainer for its recipes in a subprocess (``recipes --json``)."""

    recipes = Signal(list)   # list[Recipe]
    error = Signal(str)

    def __init__(self, python: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.python = python or sys.executable
        self.proc = QProcess(self)
        self.proc.finished.connect(self._done)
        self.proc.errorOccurred.connect(self._on_error)

    def is_running(self) -> bool:
        return self.proc.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Stop asking (the window closes): the listing subprocess must not outlive the app."""
        if self.is_running():
            self.proc.blockSignals(True)   # a killed listing is no failure to retry or report
            self.proc.kill()
            self.proc.waitForFinished(1000)
            self.proc.blockSignals(False)

    def refresh(self) -> None:
        if not self.is_running():
            self.proc.setProcessEnvironment(process_env())
            self.proc.start(self.python, ["-m", "trainer", "recipes", "--json"])

    def _on_error(self, err: QProcess.ProcessError) -> None:
        if err == QProcess.ProcessError.FailedToStart:
            self.error.emit(f"could not run the trainer: {self.proc.errorString()}")

    def _done(self, code: int, _status) -> None:
        out = bytes(self.proc.readAllStandardOutput()).decode("utf-8", "replace")
        err = bytes(self.proc.readAllStandardError()).decode("utf-8", "replace").strip()
        recipes = parse_recipes(out) if code == 0 else []
        if recipes:
            self.recipes.emit(recipes)
        else:
            last = err.splitlines()[-1] if err else f"exit code {code}"
            self.error.emit(f"could not list the trainer's recipes: {last}")
