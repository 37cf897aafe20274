"""The Colorize tab's result out of the app: Export (the dialog, then the file written in
a worker, at full resolution), the views exported beside it (``core.colorize.views``:
before/after, the wiper at the divider's place, the colour layer), and Copy.

A part of :class:`~colorstudio.gui.tabs.colorize.page.ColorizePage`, composed, not mixed
in: it is given the page and reads its photo, result and look through it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from colorstudio.core.io.formats import WRITE_FORMATS, save_filters
from colorstudio.gui import dialog_folders
from colorstudio.gui.tabs.colorize.jobs import write_view_job
from colorstudio.gui.workers import Worker, run_kept

EXPORT_FILTERS = save_filters()   # the one format table's (core.io.formats)


def eight_bit_note(deep: bool, path: Path) -> str:
    """What a JPEG export of a 16-bit result loses, said with "Saved" ('' when nothing)."""
    if deep and path.suffix.lower() in (".jpg", ".jpeg"):
        return "8 bits: JPEG stores 8 bits per channel, PNG or TIFF keep 16"
    return ""


class ResultExport(QObject):
    """Export and Copy of the ColorizePage ``page``'s result."""

    def __init__(self, page: QWidget):
        super().__init__(page)
        self.page = page

    def dialog(self, view: str = "result") -> None:
        """Ask where to save the result or ``view`` (the folder last exported to, else the
        photo's), then write it; a name without a known suffix gets the filter's."""
        from colorstudio.core.colorize.views import EXTRA_VIEWS

        page = self.page
        if page.output is None:
            page.message.emit("Nothing to export yet: colorize an image first.", "warning")
            return
        stem = (page.path.stem if page.path else "image") + "_colorized" + EXTRA_VIEWS.get(view, "")
        title = "Export result" if view == "result" else f"Export {view.replace('-', ' ')}"
        start = dialog_folders.start_path("export", f"{stem}.png", fallback=page.path.parent if page.path else None)
        path, flt = QFileDialog.getSaveFileName(page.window(), title, start, ";;".join(EXPORT_FILTERS))
        if not path:
            return
        p = Path(path)
        if p.suffix.lower() not in WRITE_FORMATS:
            p = p.with_suffix(EXPORT_FILTERS.get(flt, ".png"))
        self.write(p, view)

    def write(self, path: str | Path, view: str = "result") -> Worker | None:
        """Write the full-resolution result -- or ``view`` of it -- in a worker; the format
        from the suffix, the photo itself never overwritten."""
        page = self.page
        path = Path(path)
        dialog_folders.remember("export", path.parent)
        if page.output is None or page.image is None:
            page.message.emit("Nothing to export yet: open an image first.", "warning")
            return None
        c = page.output.colorized
        note = eight_bit_note(c.rgb.dtype.itemsize > 1, path)
        protect = [page.path] if page.path is not None else []
        return run_kept(page.writers, write_view_job, path, view, page.image, c.rgb, c.ab_small,
                        page.controls.look(), page.compare.wiper.position, protect, page.path, page.gray_mask(),
                        on_result=lambda p: self._exported(p, note), on_error=self._export_failed, writes=True)

    def _exported(self, path: Path, note: str = "") -> None:
        self.page.message.emit(f"Saved {path}" + (f" ({note})" if note else ""), "info")

    def _export_failed(self, msg: str) -> None:
        self.page.message.emit(f"Export failed: {msg}", "error")

    def copy(self) -> bool:
        """Put the (display, 8-bit) result on the clipboard."""
        page = self.page
        if page.output is None:
            page.message.emit("Nothing to copy yet.", "warning")
            return False
        # A copy that owns its pixels: the view is over a numpy array, and the clipboard
        # keeps its image past the interpreter's end (freeing the array then crashed the exit).
        QGuiApplication.clipboard().setImage(page.output.qimage.copy())
        page.message.emit("Result copied to the clipboard.", "info")
        return True
