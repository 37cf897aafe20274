"""Tiny generated data for trainer tests (never the real datasets)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from colorstudio.core import palette


def _colour_image(rng: np.random.Generator, size: int = 40) -> np.ndarray:
    small = rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    """Two class folders of 12 colour photos each plus 3 grayscale ones (to be skipped)."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for cls in ("alpha", "beta"):
        (root / cls).mkdir()
        for i in range(12):
            cv2.imwrite(str(root / cls / f"{i:03d}.png"), _colour_image(rng)[:, :, ::-1])
    for i in range(3):
        g = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        cv2.imwrite(str(root / "alpha" / f"gray{i}.png"), np.repeat(g[:, :, None], 3, 2))
    return root


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
