"""Shared test set-up: Qt runs offscreen when there is no display; a tiny photo folder."""

import os
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    """Two class folders of 12 colour photos each plus 3 grayscale ones (to be skipped);
    generated, never the real datasets."""
    import cv2
    import numpy as np

    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for cls in ("alpha", "beta"):
        (root / cls).mkdir()
        for i in range(12):
            small = rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)
            img = cv2.resize(small, (40, 40), interpolation=cv2.INTER_CUBIC)
            cv2.imwrite(str(root / cls / f"{i:03d}.png"), img[:, :, ::-1])
    for i in range(3):
        g = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        cv2.imwrite(str(root / "alpha" / f"gray{i}.png"), np.repeat(g[:, :, None], 3, 2))
    return root
