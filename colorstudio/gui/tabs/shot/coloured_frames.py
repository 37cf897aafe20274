"""The Shot tab's coloured previews, kept so that a frame seen once shows again at once.

At most :data:`CACHE_FRAMES`, the least recently shown dropped first.  They hold for one
epoch -- one shot with one set of keyframes, coloured by one (model, device) --:
:meth:`ColouredFrames.forget` starts the next, and what a worker still delivers from an
older epoch is not kept.
"""

from __future__ import annotations

from collections import OrderedDict

from colorstudio.gui.tabs.shot.jobs import FrameResult

CACHE_FRAMES = 64     # coloured previews kept (~0.5 MB each), the least recently shown dropped first


class ColouredFrames:
    """Coloured frames by index, least recently shown first; see the module docstring."""

    def __init__(self, limit: int = CACHE_FRAMES):
        self.limit = limit
        self.epoch = 0
        self.key: tuple = (None, "")     # the (model, device) that coloured them
        self._frames: OrderedDict[int, FrameResult] = OrderedDict()

    def __contains__(self, index: int) -> bool:
        return index in self._frames

    def indices(self) -> list[int]:
        """The frames kept, least recently shown first."""
        return list(self._frames)

    def forget(self, key: tuple) -> None:
        """The kept colour no longer holds (a new shot, a keyframe edit, another ``key``):
        a new epoch."""
        self.epoch += 1
        self._frames.clear()
        self.key = key

    def shown(self, index: int) -> FrameResult | None:
        """The kept colour of frame ``index`` (now the most recently shown), or None."""
        res = self._frames.get(index)
        if res is not None:
            self._frames.move_to_end(index)
        return res

    def store(self, res: FrameResult) -> None:
        """Keep ``res`` (of this epoch), dropping the least recently shown beyond the limit."""
        self._frames[res.index] = res
        self._frames.move_to_end(res.index)
        while len(self._frames) > self.limit:
            self._frames.popitem(last=False)
