"""The Colorize tab's compare mode: the ticked models' results on the open photo in the
compare grid, filled as they come; a click keeps one.

A mixin of :class:`~colorstudio.gui.widgets.colorize_page.ColorizePage`: it uses the
page's picker, checklist, controls, compare view, runner (so a model is never run by two
threads, and a newer request supersedes the grid's) and its result/status/message
signals.
"""

from __future__ import annotations

from typing import Any

from colorstudio.gui.colorize_jobs import CompareJob, RunOutput, run_many
from colorstudio.gui.widgets.compare_view import CompareView


class CompareMode:
    """Compare-mode methods of the Colorize page (a mixin)."""

    def comparing(self) -> bool:
        """The grid is shown: runs go to every ticked model."""
        return self.checklist.is_on()

    def _compare_jobs(self) -> list[CompareJob]:
        size = self.controls.render_size() or None
        jobs = []
        for key in self.checklist.checked():
            e = self.picker.entry(key)
            if e is not None:
                jobs.append(CompareJob(key, None if e.fixed_size else size, e.hints))
        return jobs

    def _submit_compare(self, hints: list) -> None:
        jobs = self._compare_jobs()
        self._compare_outputs = {}
        self.compare.grid.clear_results()
        if not jobs:
            self._awaiting_run = False
            return
        self.runner.submit(run_many, self.cache, jobs, self.picker.device(), self.image,
                           self.controls.saturation(), hints, self._token)

    def _layout_grid(self) -> None:
        models = [(k, self.picker.entry(k).label) for k in self.checklist.checked() if self.picker.entry(k)]
        self.compare.grid.set_models(models)

    def _on_compare_toggled(self, on: bool) -> None:
        if on:
            self._layout_grid()
            self.compare.set_mode(CompareView.GRID)
            self.rerun()
            return
        self.runner.cancel() if self._awaiting_run else None
        self._awaiting_run = False
        if self.compare.mode() == CompareView.GRID:
            self.compare.set_mode(CompareView.SIDE)
        if self.output is None or self.output.model != self.model_name():
            self.rerun()

    def _on_compare_models(self, _keys: list) -> None:
        if self.comparing():
            self._layout_grid()
            self.rerun()

    def _on_progress(self, item: Any) -> None:
        if not (isinstance(item, tuple) and item and self.comparing()):
            return
        kind, key = item[0], item[1]
        if kind == "loading":
            self.compare.grid.set_pending(key, f"loading model {item[2]}/{item[3]}…")
            self.message.emit(f"Loading model {item[2]} of {item[3]} for the grid (once: later runs are fast)…",
                              "info")
        elif kind == "running":
            self.compare.grid.set_pending(key, "colorizing…")
        elif kind == "failed" and item[3] == self._token:
            self.compare.grid.set_failed(key, item[2])
        elif kind == "done" and item[2].token == self._token:
            out: RunOutput = item[2]
            self._compare_outputs[key] = out
            self.compare.grid.set_result(key, out.display, out.seconds, out.device, out.timings.get("load"))
            self.network_runs += 1

    def compared(self) -> dict[str, RunOutput]:
        """The compare grid's results on the open photo, by model key."""
        return dict(self._compare_outputs)

    def pick_compared(self, key: str) -> None:
        """Make model ``key``'s grid result the result (the picker follows; no rerun)."""
        out = self._compare_outputs.get(key)
        if out is None:
            return
        self.picker.model_box.blockSignals(True)
        self.picker.set_model(key)
        self.picker.model_box.blockSignals(False)
        self.picker.refresh_card()
        self._apply_model_traits()
        self.output = out
        self.compare.set_output(out.display)
        self.compare.grid.set_selected(key)
        self.checklist.set_on(False)        # back to input | result, the picked one on the right
        self._status.update(model=self.picker.entry(key).label, device=out.device,
                            time=f"{out.seconds:.2f} s")
        self._emit_status()
        self.message.emit(f"{self.picker.entry(key).label} is now the result: export it with Ctrl+S.", "info")
        self.resultReady.emit(out)
