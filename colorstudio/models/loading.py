"""A registered model, built and wrapped for inference in one call.

It lives here, above the core, because it creates a model: ``colorstudio.core`` only
runs networks it is handed (:class:`colorstudio.core.inference.predictor.Predictor`).
"""

from __future__ import annotations

from typing import Any

from colorstudio.core.inference.predictor import Predictor
from colorstudio.models.registry import create


def load_predictor(name: str, device: str = "auto", weights: Any = True, backend: str = "auto",
                   **config) -> Predictor:
    """Create a registered model and wrap it for inference, ready to run: the back-end is
    built here (e.g. the ONNX export, ~0.5 s once, then cached) rather than on the first image."""
    pred = Predictor(create(name, weights=weights, **config), device=device, backend=backend)
    pred.warm_up("predict_ab" if pred.spec is None or pred.spec.task == "colorize" else "forward")
    return pred
