"""GUI fixtures: tiny random-weight models (fast, no shipped weights), isolated settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from guitest_helpers import gray_image, tiny_loader


@pytest.fixture
def cache():
    from colorstudio.gui.predictors import PredictorCache

    return PredictorCache(loader=lambda name, device: tiny_loader(name, device))


@pytest.fixture(scope="session")
def entries():
    from colorstudio.gui.widgets.model_picker import load_entries

    return load_entries()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def gray_png(tmp_path):
    from colorstudio.core.io.imageio import write_image

    p = tmp_path / "gray.png"
    write_image(p, gray_image())
    return p

