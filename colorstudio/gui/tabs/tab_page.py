"""What every tab is to the main window: :class:`TabPage`, the one interface it talks to.

The window composes the tabs and wires what one tab hands another (a shot to the Batch
tab, a training run's weights to Colorize).  Everything else -- messages, the busy
indicator, which of its actions apply, Export, Cancel, an Open, a paste or a drop, the
question before quitting, settings and shutdown -- goes through these signals and
methods, so the window never asks which tab is shown.  The defaults describe a tab that
offers none of it; a tab overrides what it does.  No logic lives here.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget


class TabPage(QWidget):
    """The base of every tab's page widget; see the module docstring."""

    message = Signal(str, str)     # text, level ('info' | 'warning' | 'error'): the window's message strip
    messageCleared = Signal()      # what this tab said last no longer holds
    busyChanged = Signal(bool)     # short work with no progress bar of its own began or ended: the busy indicator
    actionsChanged = Signal()      # what is_busy / can_export answer may have changed: the actions look again
    statusChanged = Signal(dict)   # the status bar's fields (size, model, device, time, zoom) of a photo tab

    #: The window's photo actions -- zoom, wiper, run again, hint undo, copy, the export
    #: views and the status fields -- act on this tab (and own their shortcuts while it shows).
    photo_actions: ClassVar[bool] = False
    #: The window's Open, recent files and samples, and a pasted or dropped picture open here.
    opens_images: ClassVar[bool] = False

    # ------------------------------------------------------------------ work
    def is_busy(self) -> bool:
        """Whether work this tab started is still running."""
        return False

    def can_cancel(self) -> bool:
        """Whether the window's Cancel (Esc) has something to stop here now."""
        return self.is_busy()

    def cancel(self) -> None:
        """Stop the running work (Cancel, or quitting after :meth:`close_question`)."""

    def close_question(self) -> tuple[str, str] | None:
        """(title, question) asked before the window closes over running work; None when
        closing loses nothing.  Answered yes, the window calls :meth:`cancel`."""
        return None

    # ------------------------------------------------------------------ files
    def can_export(self) -> bool:
        """Whether the window's Export (Ctrl+S) has something to save here."""
        return False

    def export_dialog(self, view: str = "result") -> None:
        """Ask where to save the result (or one of ``core.colorize.views.EXTRA_VIEWS``), then save it."""

    def takes_paths(self, paths: list[Path], shown: bool) -> bool:
        """Whether ``paths`` dropped on the window (or given at start) open here; ``shown``:
        this tab is the one in view and the drop may follow it."""
        return False

    def open_paths(self, paths: list[Path]) -> None:
        """Open files this tab took (:meth:`takes_paths`, or the window's Open when :attr:`opens_images`)."""

    def open_image(self, image: QImage, name: str) -> None:
        """Open a picture that has no file (pasted, dropped), when :attr:`opens_images`."""

    def document_title(self) -> str | None:
        """What the window's title names while this tab shows: its document ('' for none
        yet: the app's name alone), or None for the tab's own name."""
        return None

    # ------------------------------------------------------------------ life
    def save_settings(self, settings: QSettings) -> None:
        """Remember what the next start restores (the window syncs ``settings``)."""

    def restore_settings(self, settings: QSettings) -> None:
        """Restore what :meth:`save_settings` kept."""

    def shutdown(self, msecs: int = 0) -> None:
        """The window closes: cancel background work, waiting at most ``msecs`` for it."""
