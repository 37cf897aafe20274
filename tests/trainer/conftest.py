"""Tiny generated data for trainer tests (never the real datasets); ``photo_dir`` is in
tests/conftest.py (the reliability tests train too)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from colorstudio.core.color import palette


@pytest.fixture(scope="session")
def facade_dir(tmp_path_factory) -> Path:
    """pix2pix-style AB pairs (photo left, label right) in train/ and val/."""
    root = tmp_path_factory.mktemp("facades")
    rng = np.random.default_rng(1)
    for split, n in (("train", 8), ("val", 3)):
        (root / split).mkdir()
        for i in range(n):
            ids = cv2.resize(rng.integers(0, palette.NUM_CLASSES, (4, 4)).astype(np.uint8), (32, 32),
                             interpolation=cv2.INTER_NEAREST)
            label = palette.labels_to_rgb(ids)
            photo = np.clip(label.astype(np.int16) // 2 + rng.integers(0, 60, label.shape), 0, 255).astype(np.uint8)
            ab = np.concatenate([photo, label], 1)
            cv2.imwrite(str(root / split / f"{i + 1}.jpg"), ab[:, :, ::-1])
    return root
