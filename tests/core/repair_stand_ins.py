"""Stand-ins for the repair tests of the batch (photos and film frames): a detector that takes
near white for damage and a colorizer that gives no colour."""

from __future__ import annotations

import numpy as np


class WhiteIsDamage:
    """A stand-in detector: near white (a scratch or a speck on a mid-gray print) is damage."""

    def run(self, x, method="forward"):
        return np.where(x > 0.45, 10.0, -10.0).astype(np.float32)


class Gray:
    """A stand-in colorizer: no colour, so the result's lightness is what is compared."""

    spec = None
    hint_planes = False
    fallback = None
    name = "gray"

    def predict_ab(self, x):
        return np.zeros((1, 2, x.shape[2] // 2, x.shape[3] // 2), np.float32)
