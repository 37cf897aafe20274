"""The Colorize tab's three masks on the open photo, and their files beside the hints.

The damage mask is what "Repair damage" mends (the detector's, or the user's own once
brushed); the gray mask is where the user took the colour away; the protect mask is where
the hints change nothing -- the model's own no-hint colour is kept there (issue 35).  All
are edits on the hints' undo stack, painted with a brush on the input canvas and tinted
over it (each in its own colour).  They are saved beside a hint file and come back with it
(the damage mask: ``core.restore.maskfile``; the gray and protect masks:
``core.colorize.hintfile``'s colour masks), read and written in workers.  Loading hints
brings back the colour masks saved with them -- none saved is none painted -- while the
damage mask stays when none was saved (it may be the detector's).

A part of :class:`~colorstudio.gui.tabs.colorize.page.ColorizePage`, composed, not mixed
in: it is given the page and reaches its controls, view, hint editor and runs through it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from colorstudio.gui.tabs.colorize.damage_mask import OVERLAY_LAYER, DamageMask, MaskBrush
from colorstudio.gui.tabs.colorize.jobs import (forget_mask_job, read_colour_masks_job, read_mask_job,
                                                write_colour_masks_job, write_mask_job)
from colorstudio.gui.widgets.compare_view import CompareView
from colorstudio.gui.workers import Worker, run_kept

REPAIR_DEBOUNCE_MS = 300   # a mask edit mends again once the hand rests this long
GRAY_RGB = (40, 140, 255)   # the gray brush's tint on the input: blue, unlike the damage mask's red
GRAY_LAYER = "gray"         # its canvas overlay layer
PROTECT_RGB = (255, 176, 0)   # the protect brush's tint: amber, unlike the gray brush's blue and the damage red
PROTECT_LAYER = "protect"


class PhotoMasks(QObject):
    """The damage, gray and protect masks of the ColorizePage ``page``, their brushes and tints."""

    def __init__(self, page: QWidget):
        super().__init__(page)
        self.page = page
        controls, editor = page.controls, page.hints_editor
        stack = editor.model.undo_stack   # Ctrl+Z undoes a mask edit or a hint edit, in order

        def image_size() -> tuple[int, int] | None:
            return None if page.image is None else page.image.shape[:2]

        self.damage = DamageMask(stack, page)
        self.brush = MaskBrush(self.damage, image_size, controls.brush_diameter)
        self.gray = DamageMask(stack, page, rgb=GRAY_RGB, noun="the gray mask")
        self.gray_brush = MaskBrush(self.gray, image_size, controls.gray_diameter)
        self.protect = DamageMask(stack, page, rgb=PROTECT_RGB, noun="the protect mask")
        self.protect_brush = MaskBrush(self.protect, image_size, controls.protect_diameter)
        self.repair_timer = QTimer(self)
        self.repair_timer.setSingleShot(True)
        self.repair_timer.setInterval(REPAIR_DEBOUNCE_MS)
        self.repair_timer.timeout.connect(self._mend_again)

        controls.repairChanged.connect(self._on_repair)
        controls.maskShownChanged.connect(lambda _on: self._show_mask())
        controls.brushToggled.connect(self._on_brush)
        controls.grayBrushToggled.connect(self._on_gray_brush)
        controls.gray_clear.clicked.connect(self.clear_gray)
        controls.protectBrushToggled.connect(self._on_protect_brush)
        controls.protect_clear.clicked.connect(self.clear_protect)
        self.damage.changed.connect(self._on_mask_changed)
        self.damage.edited.connect(self.repair_timer.start)
        self.gray.changed.connect(self._show_gray)
        self.gray.edited.connect(page.recompose)   # re-compose with the new mask: no network run
        self.gray.edited.connect(self._more_to_save)
        self.protect.changed.connect(self._show_protect)
        self.protect.edited.connect(self._on_protect_edited)
        editor.savedTo.connect(self.save_beside)
        editor.savedTo.connect(self.save_colour_beside)
        editor.loadedFrom.connect(self.load_beside)
        editor.loadedFrom.connect(self.load_colour_beside)

    def reset(self) -> None:
        """Another photo is open: no masks, no pending repair."""
        self.repair_timer.stop()
        self.damage.reset()
        self.gray.reset()
        self.protect.reset()
        self._more_to_save()

    def tool(self) -> MaskBrush | None:
        """The brush armed on the input canvas, or None."""
        if self.page.controls.brushing():
            return self.brush
        if self.page.controls.gray_brushing():
            return self.gray_brush
        if self.page.controls.protect_brushing():
            return self.protect_brush
        return None

    def _more_to_save(self) -> None:
        """Save is offered without a hint too while a mask would be saved with the hints."""
        painted = any(m.mask is not None and m.mask.any() for m in (self.gray, self.protect))
        self.page.hints_editor.set_more_to_save(self.damage.mask is not None or painted)

    # ------------------------------------------------------------------ damage
    def repair_mask(self) -> np.ndarray | None:
        """The open photo's damage mask (H, W) bool at full resolution: the detector's, or the
        user's own once edited; None before any."""
        return self.damage.mask

    def _on_repair(self, _on: bool) -> None:
        self.page.compare.left.set_tool(self.page.input_tool())
        self._show_mask()
        if self.page.image is not None:
            self.page.rerun()

    def _on_brush(self, on: bool) -> None:
        if on:
            self.page.compare.set_mode(CompareView.SIDE)   # the brush paints on the input of side by side
            self.page.controls.mask_box.setChecked(True)   # painting blind helps no one
        self.page.compare.left.set_tool(self.page.input_tool())

    def _show_mask(self) -> None:
        shown = self.page.controls.mask_shown()
        self.page.compare.set_overlay(self.damage.overlay() if shown else None, OVERLAY_LAYER)

    def _on_mask_changed(self) -> None:
        self._more_to_save()
        if self.page.controls.mask_shown():
            self._show_mask()

    def _mend_again(self) -> None:
        """A hand edit of the mask has rested: mend and colour again with it (in the worker)."""
        if self.page.controls.repairing() and self.page.image is not None:
            self.page.rerun()

    # ------------------------------------------------------------------ gray
    def _on_gray_brush(self, on: bool) -> None:
        if on:
            self.page.compare.set_mode(CompareView.SIDE)   # the brush paints on the input of side by side
        self.page.compare.left.set_tool(self.page.input_tool())
        self._show_gray()

    def _show_gray(self) -> None:
        """The gray mask tinted over the input while its brush is out (the result shows it anyway)."""
        shown = self.page.controls.gray_brushing() and self.gray.mask is not None
        self.page.compare.set_overlay(self.gray.overlay() if shown else None, GRAY_LAYER)

    def gray_mask(self) -> np.ndarray | None:
        """Where the user erased the colour, (H, W) bool (a copy: strokes go on meanwhile), or None."""
        m = self.gray.mask
        return None if m is None or not m.any() else m.copy()

    def clear_gray(self) -> None:
        """Give the colour back everywhere (one undoable edit)."""
        if self.gray.mask is not None and self.gray.mask.any():
            self.gray.load(np.zeros_like(self.gray.mask), "give the colour back")

    # ------------------------------------------------------------------ protect
    def _on_protect_brush(self, on: bool) -> None:
        if on:
            self.page.compare.set_mode(CompareView.SIDE)   # the brush paints on the input of side by side
        self.page.compare.left.set_tool(self.page.input_tool())
        self._show_protect()

    def _show_protect(self) -> None:
        """The protect mask tinted over the input while its brush is out."""
        shown = self.page.controls.protect_brushing() and self.protect.mask is not None
        self.page.compare.set_overlay(self.protect.overlay() if shown else None, PROTECT_LAYER)

    def _on_protect_edited(self) -> None:
        """A protect edit changes the hint step: run it again (the network's answer is kept,
        ``pipeline.NetworkMemo``); without a hint there is nothing to protect from."""
        self._more_to_save()
        if self.page.hints():
            self.page.rerun()

    def protect_mask(self) -> np.ndarray | None:
        """Where the hints change nothing, (H, W) bool (a copy: strokes go on meanwhile), or None."""
        m = self.protect.mask
        return None if m is None or not m.any() else m.copy()

    def clear_protect(self) -> None:
        """Free every protected region (one undoable edit)."""
        if self.protect.mask is not None and self.protect.mask.any():
            self.protect.load(np.zeros_like(self.protect.mask), "free the protected regions")

    # ------------------------------------------------------------------ the colour masks beside the hints
    def save_colour_beside(self, hints_path: str) -> Worker:
        """The hints were saved to ``hints_path``: the gray and protect masks go beside them
        (``core.colorize.hintfile.write_masks``, in a worker); an unpainted one's older file goes."""
        masks = {"gray": self.gray_mask(), "protect": self.protect_mask()}
        return run_kept(self.page.writers, write_colour_masks_job, Path(hints_path), masks,
                        on_result=self._colour_saved, on_error=self._colour_save_failed, writes=True)

    def _colour_saved(self, result) -> None:
        written, removed = result
        if written:
            self.page.message.emit("Saved beside the hints: " + ", ".join(p.name for p in written), "info")
        elif removed:
            self.page.message.emit("These hints have no colour masks: the older " + ", ".join(p.name for p in removed)
                                   + " beside them went", "info")

    def _colour_save_failed(self, msg: str) -> None:
        self.page.message.emit(f"Cannot save the colour masks: {msg}", "error")

    def load_colour_beside(self, hints_path: str) -> Worker | None:
        """The hints were loaded from ``hints_path``: the gray and protect masks saved with them
        replace the current ones, and a kind saved without one is cleared (each an undoable edit).
        One of another size, or unreadable, is a one-line warning, and the current masks stay."""
        page = self.page
        if page.image is None:
            return None
        return run_kept(page.writers, read_colour_masks_job, Path(hints_path), page.image.shape[:2], page.token(),
                        on_result=self._colour_loaded, on_error=self._colour_load_failed)

    def _colour_loaded(self, result) -> None:
        masks, token = result
        if token != self.page.token() or self.page.image is None:
            return   # another photo is open now
        for kind, target in (("gray", self.gray), ("protect", self.protect)):
            mask = masks.get(kind)
            if mask is not None:
                target.load(mask)
            elif target.mask is not None and target.mask.any():
                target.load(np.zeros_like(target.mask), f"clear {target.noun} (none saved with the hints)")
        if masks:
            self.page.message.emit(f"Loaded the {' and '.join(masks)} mask{'s' if len(masks) > 1 else ''} "
                                   "saved with the hints.", "info")

    def _colour_load_failed(self, msg: str) -> None:
        self.page.message.emit(f"Colour masks not loaded: {msg}", "warning")

    # ------------------------------------------------------------------ the damage mask's file beside the hints
    def save_beside(self, hints_path: str) -> Worker | None:
        """The hints were saved to ``hints_path``: the damage mask goes beside them
        (``core.restore.maskfile``), written in a worker; hints without a mask forget an
        older mask file beside them (it would come back with them on the next load)."""
        writers = self.page.writers
        if self.damage.mask is None:
            return run_kept(writers, forget_mask_job, Path(hints_path), on_result=self._mask_forgotten,
                            on_error=self._mask_save_failed, writes=True)
        return run_kept(writers, write_mask_job, Path(hints_path), self.damage.mask.copy(),
                        on_result=self._mask_saved, on_error=self._mask_save_failed, writes=True)

    def _mask_forgotten(self, path: Path | None) -> None:
        if path is not None:
            self.page.message.emit(f"These hints have no damage mask: the older {path.name} beside them was "
                                   "removed", "info")

    def _mask_saved(self, path: Path) -> None:
        self.page.message.emit(f"Saved the damage mask beside the hints: {path.name}", "info")

    def _mask_save_failed(self, msg: str) -> None:
        self.page.message.emit(f"Cannot save the damage mask: {msg}", "error")

    def load_beside(self, hints_path: str) -> Worker | None:
        """The hints were loaded from ``hints_path``: a damage mask saved with them replaces
        the current one (one undoable edit).  One of another size, or unreadable, is a
        one-line message, and the current mask stays."""
        page = self.page
        if page.image is None:
            return None
        return run_kept(page.writers, read_mask_job, Path(hints_path), page.image.shape[:2], page.token(),
                        on_result=self._mask_loaded, on_error=self._mask_load_failed)

    def _mask_loaded(self, result) -> None:
        path, mask, token = result
        if mask is None or token != self.page.token() or self.page.image is None:
            return   # none saved with these hints, or another photo is open now
        self.damage.load(mask)
        note = "" if self.page.controls.repairing() else " (tick Repair damage to mend with it)"
        self.page.message.emit(f"Loaded the damage mask {path.name}{note}.", "info")

    def _mask_load_failed(self, msg: str) -> None:
        self.page.message.emit(f"Damage mask not loaded: {msg}", "warning")
