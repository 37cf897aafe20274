"""What things are, for matching a reference photo to the picture it colours: the
ImageNet-pretrained encoder of the shipped effnet-unet colorizer, run on lightness alone
(both pictures as gray, so a match is by content, not by colour).

:func:`content_features` gives ``core.colorize.reference`` its ``features`` callable: lightness
(H, W) in 0-100 -> (C, h, w) unit vectors per cell at stride 8, the three deepest
levels (strides 8, 16 and 32) each normalised and weighted, so a dot product is a
weighted mean of three cosine similarities.
"""

from __future__ import annotations

import functools
import threading
from typing import Callable

import numpy as np

LEVELS = ((2, 0.2), (3, 0.45), (4, 0.35))   # (encoder level, weight): strides 8, 16, 32
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=2)
def _encoder(name: str):
    from colorstudio.models.registry import create

    net = create(name)      # the shipped weights; raises when there are none
    return net.pretrained_part().eval()


def available(name: str = "effnet-unet") -> bool:
    from colorstudio.models.registry import spec

    try:
        return spec(name).has_weights
    except KeyError:
        return False


def encoder_features(encoder) -> Callable[[np.ndarray], np.ndarray]:
    """``features`` for ``core.colorize.reference`` from an EfficientNet-Lite ``encoder`` (1 input plane)."""
    import torch
    import torch.nn.functional as F

    from colorstudio.core import color
    from colorstudio.models.effnet_lite import gray_from_l_norm

    def features(L: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(L, np.float32))[None, None]
        x = color.normalize_l(x)
        with _LOCK, torch.no_grad():
            levels = encoder.features(gray_from_l_norm(x))
        h, w = levels[LEVELS[0][0]].shape[-2:]
        parts = []
        for i, weight in LEVELS:
            f = levels[i]
            if f.shape[-2:] != (h, w):
                f = F.interpolate(f, size=(h, w), mode="bilinear", align_corners=False)
            parts.append(F.normalize(f, dim=1) * weight ** 0.5)
        return torch.cat(parts, 1)[0].numpy()

    return features


def content_features(name: str = "effnet-unet") -> Callable[[np.ndarray], np.ndarray] | None:
    """The shipped ``name`` colorizer's encoder as ``features``; None when it has no weights
    (then a reference is matched by lightness alone)."""
    if not available(name):
        return None
    return encoder_features(_encoder(name))
