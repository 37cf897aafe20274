"""Where the Colorize tab's hint colours come from besides the user's clicks: hints read
off a colour reference photo, the model's suggested colours at the selected hint, and the
eyedropper on the result.

A part of :class:`~colorstudio.gui.tabs.colorize.page.ColorizePage`, composed, not mixed
in: it is given the page and reads its photo, model and hint editor through it.  Both run
in workers; the suggestions beside the colour runs, in a runner of their own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from colorstudio.gui.tabs.colorize.jobs import Suggested, suggest_job
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.workers import LatestRunner, Worker, run_kept


class HintSources(QObject):
    """Reference-photo hints and suggested colours for the ColorizePage ``page``."""

    def __init__(self, page: QWidget):
        super().__init__(page)
        self.page = page
        editor = page.hints_editor
        self.suggester = LatestRunner(self)   # the palette's likely colours, beside the colour runs
        self.suggester.result.connect(self._on_suggested)
        self.suggester.error.connect(lambda m: editor.set_suggestions([], f"No suggested colours: {m}"))
        editor.suggestRequested.connect(self.suggest)
        editor.referenceRequested.connect(self.from_reference)
        editor.eyedropperToggled.connect(self.eyedropper)

    # ------------------------------------------------------------------ reference photo
    def from_reference(self, path: str) -> Worker | None:
        """Hints for the open photo from a colour reference (read and matched in a worker)."""
        page = self.page
        if page.image is None:
            page.message.emit("Open a photo first: the reference's colours go onto it.", "warning")
            return None
        from colorstudio.gui.reference_jobs import reference_job

        return run_kept(page.writers, reference_job, page.image, Path(path),
                        on_result=self._reference_ready, on_error=self._reference_failed)

    def _reference_failed(self, msg: str) -> None:
        self.page.message.emit(f"No hints from the reference: {msg}", "error")

    def _reference_ready(self, res) -> None:
        from colorstudio.gui.reference_jobs import no_reference_hints

        if not res.points:
            self.page.message.emit(no_reference_hints(res, "photo"), "warning")
            return
        self.page.hints_editor.model.replace_all(res.points)     # one undoable edit; the hints stay editable
        self.page.message.emit(res.summary() + ".", "info")

    # ------------------------------------------------------------------ suggested colours
    def suggest(self, x: float, y: float) -> None:
        """Ask for the likely colours at the point (x, y) (fractions of the photo)."""
        page = self.page
        name = page.model_name()
        if page.image is None or name is None:
            return
        self.suggester.submit(suggest_job, page.cache, name, page.device(), page.image,
                              page.controls.render_size(), page.controls.denoise(), (x, y), page.token())

    def _on_suggested(self, out: Suggested) -> None:
        editor = self.page.hints_editor
        if out.token == self.page.token() and out.point == editor.suggesting_for():
            editor.set_suggestions(out.swatches, out.note)

    # ------------------------------------------------------------------ eyedropper
    def eyedropper(self, on: bool) -> None:
        """Arm (or disarm) the eyedropper on the result: a click there picks the hints' colour."""
        compare = self.page.compare
        if on:
            compare.set_mode(CompareView.SIDE)
        compare.right.set_tool(self.page.hints_editor.eyedropper if on else None)
