"""The Colorize tab's compare mode: the ticked models' results on the open photo in the
compare grid, filled as they come; a click keeps one.

A part of :class:`~colorstudio.gui.tabs.colorize.page.ColorizePage`, composed, not
mixed in: it is given the widgets it works with (the picker, the model checklist, the
controls, the compare view) and the page's runner -- so a model is never run by two
threads, and a newer request supersedes the grid's -- and it tells the page what
happened through its own signals.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from colorstudio.gui.tabs.colorize.jobs import CompareJob, RepairRequest, RunOutput, run_many
from colorstudio.gui.widgets.compare_view import CompareView


class CompareRuns(QObject):
    """Runs of every ticked model on the open photo, shown in the compare grid."""

    message = Signal(str, str)       # text, level
    messageCleared = Signal()        # the "Loading model i of n" note no longer holds
    toggled = Signal(bool)           # compare mode on / off (after the view changed)
    modelsChanged = Signal()         # other models ticked while comparing: run them
    gridResult = Signal(str)         # model key whose result joined the grid
    picked = Signal(str, object)     # model key, its RunOutput: the page's result now

    def __init__(self, picker, checklist, controls, compare: CompareView, runner, cache,
                 token: Callable[[], int], parent: QObject | None = None):
        super().__init__(parent)
        self.picker, self.checklist, self.controls, self.compare = picker, checklist, controls, compare
        self.runner, self.cache, self._token = runner, cache, token
        self._outputs: dict[str, RunOutput] = {}
        self._said_loading = False
        checklist.toggled.connect(self._on_toggled)
        checklist.changed.connect(self._on_models)
        compare.grid.picked.connect(self.pick)
        runner.progress.connect(self._on_progress)

    def comparing(self) -> bool:
        """The grid is shown: runs go to every ticked model."""
        return self.checklist.is_on()

    def jobs(self) -> list[CompareJob]:
        size = self.controls.render_size() or None
        jobs = []
        for key in self.checklist.checked():
            e = self.picker.entry(key)
            if e is not None:
                jobs.append(CompareJob(key, None if e.fixed_size else size, e.hints))
        return jobs

    def submit(self, image: np.ndarray, hints: list, hint_reach: float | None = None,
               repair: RepairRequest | None = None, gray: np.ndarray | None = None,
               protect: np.ndarray | None = None) -> bool:
        """Run the ticked models on ``image`` (mended first when ``repair`` says so, as the
        single result is); False when none is ticked (nothing runs)."""
        jobs = self.jobs()
        self._outputs = {}
        self.compare.grid.clear_results()
        if not jobs:
            return False
        self.runner.submit(run_many, self.cache, jobs, self.picker.device(), image,
                           self.controls.look(), hints, self._token(), self.controls.denoise(), hint_reach,
                           repair, gray, protect)
        return True

    def _layout_grid(self) -> None:
        models = [(k, self.picker.entry(k).label) for k in self.checklist.checked() if self.picker.entry(k)]
        self.compare.grid.set_models(models)

    def _on_toggled(self, on: bool) -> None:
        if on:
            self._layout_grid()
            self.compare.set_mode(CompareView.GRID)
        elif self.compare.mode() == CompareView.GRID:
            self.compare.set_mode(CompareView.SIDE)
        self.toggled.emit(on)

    def _on_models(self, _keys: list) -> None:
        if self.comparing():
            self._layout_grid()
            self.modelsChanged.emit()

    def _on_progress(self, item: Any) -> None:
        if not (isinstance(item, tuple) and item and self.comparing()):
            return
        kind, key = item[0], item[1]
        if kind == "loading":
            self.compare.grid.set_pending(key, f"loading model {item[2]}/{item[3]}…")
            self.message.emit(f"Loading model {item[2]} of {item[3]} for the grid (once: later runs are fast)…",
                              "info")
            self._said_loading = True
        elif kind == "running":
            self.compare.grid.set_pending(key, "colorizing…")
            if self._said_loading:   # loaded: the banner must not outlive it
                self._said_loading = False
                self.messageCleared.emit()
        elif kind == "failed" and item[3] == self._token():
            self.compare.grid.set_failed(key, item[2])
        elif kind == "done" and item[2].token == self._token():
            out: RunOutput = item[2]
            self._outputs[key] = out
            self.compare.grid.set_result(key, out.display, out.seconds, out.device, out.timings.get("load"))
            self.gridResult.emit(key)

    def results(self) -> dict[str, RunOutput]:
        """The compare grid's results on the open photo, by model key."""
        return dict(self._outputs)

    def pick(self, key: str) -> None:
        """Make model ``key``'s grid result the page's result (the picker follows; no rerun)."""
        out = self._outputs.get(key)
        if out is None:
            return
        self.picker.model_box.blockSignals(True)
        self.picker.set_model(key)
        self.picker.model_box.blockSignals(False)
        self.picker.refresh_card()
        self.compare.grid.set_selected(key)
        self.picked.emit(key, out)
        self.checklist.set_on(False)        # back to input | result, the picked one on the right
