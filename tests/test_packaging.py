"""The package builds without setuptools warnings and ships its resources and presets."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_builds_quietly_with_resources(tmp_path):
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    out = res.stdout + res.stderr
    assert "Warning" not in out and "deprecated" not in out and "absent from the" not in out, out[-3000:]
    (whl,) = tmp_path.glob("colorstudio-*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    assert "colorstudio/resources/weights/unet-gan.safetensors" in names
    assert "colorstudio/resources/icons/colorstudio.svg" in names
    assert "trainer/presets/unet-gan-cpu.toml" in names
    # every Python module of the source tree is in the wheel (a package missing from the
    # pyproject list would leave the installed app without it)
    for pkg in ("colorstudio", "trainer"):
        for py in (ROOT / pkg).rglob("*.py"):
            rel = py.relative_to(ROOT).as_posix()
            assert rel in names, f"{rel} is not in the wheel: add its package to [tool.setuptools] packages"


def test_the_app_opens_on_black_and_white_samples():
    """A restorer's first look is a gray photo (issue 19, item 12); each has its licence noted."""
    import cv2

    from colorstudio.paths import BLACK_AND_WHITE_SAMPLES, default_sample, resource_dir, sample_images

    names = [p.name for p in sample_images()]
    assert names[:len(BLACK_AND_WHITE_SAMPLES)] == list(BLACK_AND_WHITE_SAMPLES)
    assert default_sample().name == BLACK_AND_WHITE_SAMPLES[0]
    assert [p.name for p in sample_images(black_and_white=True)] == list(BLACK_AND_WHITE_SAMPLES)
    notes = resource_dir("samples", "README.md").read_text()
    for name in names:
        assert f"`{name}`" in notes, name
    for name in BLACK_AND_WHITE_SAMPLES:
        img = cv2.imread(str(resource_dir("samples", name)), cv2.IMREAD_UNCHANGED)
        assert img.ndim == 2, name
