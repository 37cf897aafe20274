"""Loaded models shared by the window's workers (load once, reuse, thread-safe).

Loading builds the network and reads its weights (imports torch): it always happens in
a worker thread, never on the event loop.  Tests inject a ``loader`` that builds a tiny
random-weight model.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

Loader = Callable[[str, str], Any]


def default_loader(name: str, device: str) -> Any:
    """``load_predictor`` of a model reference: a registered name, or ``family@path`` for
    the user's own checkpoint (see ``models.refs``); looked up at call time, so tests may
    patch it."""
    from colorstudio.models import loading
    from colorstudio.models.refs import parse_ref

    ref = parse_ref(name)
    return loading.load_predictor(ref.family, device, weights=ref.weights or True)


class PredictorCache:
    """The last ``keep`` predictors by (model, device); ``get`` loads on a miss.

    Eight: the compare grid's six models plus the picked one and a Batch model stay
    loaded (the networks are a few MB each), so switching among them is instant."""

    def __init__(self, loader: Loader | None = None, keep: int = 8):
        self.loader = loader or default_loader
        self.keep = max(1, keep)
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # one load at a time: two loads of one model waste memory

    def get(self, name: str, device: str = "auto") -> Any:
        key = (name, device)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        with self._loading:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            pred = self.loader(name, device)
            with self._lock:
                self._items[key] = pred
                while len(self._items) > self.keep:
                    self._items.popitem(last=False)
            return pred

    def preload(self, name: str, device: str = "auto") -> Any:
        """Load (and warm up: the ONNX export, the first run's set-up) ahead of the first
        image, in a worker: the first colorize is then not the slow one.  The readers and
        the pipeline are imported here too: an import holds the GIL while it compiles or
        initialises an extension (PIL's), which froze the window on the first photo."""
        import colorstudio.core.colorize.pipeline  # noqa: F401
        from colorstudio.core.io import imageio

        imageio.preload_readers()

        pred = self.get(name, device)
        warm = getattr(pred, "warm_up", None)
        if warm is not None and getattr(pred, "spec", None) is not None and pred.spec.task == "colorize":
            warm("predict_ab")
        return pred

    def cached(self, name: str, device: str = "auto") -> Any | None:
        with self._lock:
            return self._items.get((name, device))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def detector_key(entries) -> str | None:
    """Which model finds a print's damage for "Repair damage" (the Colorize and Batch tabs): a
    trained ``restore`` model of the list (``ModelEntry``s) -- the shipped one first, then the
    newest of the user's runs -- or None when there is none (the option is off then: random
    weights would flag noise as damage).  The cache loads it by this key like any model."""
    trained = [e for e in entries if getattr(e, "task", None) == "restore" and getattr(e, "trained", False)]
    trained.sort(key=lambda e: getattr(e, "origin", "shipped") != "shipped")   # stable: the runs keep their order
    return trained[0].name if trained else None
