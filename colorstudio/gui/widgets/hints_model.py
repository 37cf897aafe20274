"""The hint points of one picture, in image fractions, edited only through undo commands
(add, move, recolour, delete, clear, load), so every edit can be undone."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class HintPoint:
    """x, y as fractions of the image width/height (0..1); colour as 8-bit RGB."""

    x: float
    y: float
    rgb: RGB

    def to_hint(self):
        from colorstudio.core.colorize.pipeline import Hint

        return Hint.from_rgb(self.x, self.y, self.rgb)


class HintsModel(QObject):
    """Ordered hint points with ids; every user edit goes through :attr:`undo_stack`."""

    changed = Signal()            # points added/moved/recoloured/removed (incl. live drags)
    selectionChanged = Signal(object)  # id or None

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.points: dict[int, HintPoint] = {}
        self.undo_stack = QUndoStack(self)
        self.selected: int | None = None
        self._ids = itertools.count(1)

    # queries -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.points)

    def hints(self) -> list:
        """The points as ``core.colorize.pipeline.Hint`` (ab in Lab units), in insertion order."""
        return [p.to_hint() for p in self.points.values()]

    # user edits (undoable) ------------------------------------------------------------
    def add(self, x: float, y: float, rgb: RGB) -> int:
        hid = next(self._ids)
        self.undo_stack.push(_Cmd(self, "add hint", {hid: None}, {hid: _clip(HintPoint(x, y, rgb))}))
        self.select(hid)
        return hid

    def move(self, hid: int, x: float, y: float, old: HintPoint | None = None) -> None:
        """Move ``hid``; ``old`` is its position before a live drag started."""
        cur = self.points[hid]
        before = old or cur
        after = _clip(replace(cur, x=x, y=y))
        if (before.x, before.y) != (after.x, after.y):
            self.undo_stack.push(_Cmd(self, "move hint", {hid: before}, {hid: after}))

    def recolor(self, hid: int, rgb: RGB) -> None:
        cur = self.points[hid]
        if cur.rgb != tuple(rgb):
            self.undo_stack.push(_Cmd(self, "recolour hint", {hid: cur}, {hid: replace(cur, rgb=tuple(rgb))}))

    def delete(self, hid: int) -> None:
        if hid in self.points:
            self.undo_stack.push(_Cmd(self, "delete hint", {hid: self.points[hid]}, {hid: None}))

    def clear(self) -> None:
        if self.points:
            self.undo_stack.push(_Cmd(self, "clear hints", dict(self.points),
                                      {k: None for k in self.points}))

    def replace_all(self, points) -> None:
        """Replace every hint with ``points`` [(x, y, rgb)] as one undoable edit (a loaded file)."""
        before: dict[int, HintPoint | None] = dict(self.points)
        after: dict[int, HintPoint | None] = {k: None for k in self.points}
        for x, y, rgb in points:
            hid = next(self._ids)
            before[hid] = None
            after[hid] = _clip(HintPoint(float(x), float(y), tuple(rgb)))
        self.undo_stack.push(_Cmd(self, "load hints", before, after))

    def points_list(self) -> list[tuple[float, float, RGB]]:
        """The points as (x, y, rgb), the hint-file form (``core.colorize.hintfile``)."""
        return [(p.x, p.y, p.rgb) for p in self.points.values()]

    def reset(self) -> None:
        """Forget every point and the undo history (a new image was opened)."""
        self.undo_stack.clear()
        self._apply({k: None for k in list(self.points)})

    def load_points(self, points) -> None:
        """Show ``points`` [(x, y, rgb)] with a fresh undo history (another frame of a shot)."""
        self.undo_stack.clear()
        state: dict[int, HintPoint | None] = {k: None for k in list(self.points)}
        for x, y, rgb in points:
            state[next(self._ids)] = _clip(HintPoint(float(x), float(y), tuple(rgb)))
        self._apply(state)

    # live (not undoable; a drag ends with :meth:`move`) --------------------------------
    def set_live(self, hid: int, x: float, y: float) -> None:
        self.points[hid] = _clip(replace(self.points[hid], x=x, y=y))
        self.changed.emit()

    def select(self, hid: int | None) -> None:
        if hid is not None and hid not in self.points:
            hid = None
        if hid != self.selected:
            self.selected = hid
            self.selectionChanged.emit(hid)

    def _apply(self, state: dict[int, HintPoint | None]) -> None:
        for hid, p in state.items():
            if p is None:
                self.points.pop(hid, None)
            else:
                self.points[hid] = p
        if self.selected not in self.points:
            self.select(None)
        self.changed.emit()


def _clip(p: HintPoint) -> HintPoint:
    return replace(p, x=min(1.0, max(0.0, p.x)), y=min(1.0, max(0.0, p.y)),
                   rgb=tuple(int(min(255, max(0, c))) for c in p.rgb))


class _Cmd(QUndoCommand):
    def __init__(self, model: HintsModel, text: str, before: dict, after: dict):
        super().__init__(text)
        self.model, self.before, self.after = model, before, after

    def redo(self) -> None:
        self.model._apply(self.after)

    def undo(self) -> None:
        self.model._apply(self.before)
