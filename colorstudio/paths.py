"""Where shipped resources live: one function, for checkouts, wheels and frozen builds."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_dir(*parts: str) -> Path:
    """Path of a folder (or file) inside the installed ``colorstudio.resources`` package."""
    root = Path(str(resources.files("colorstudio.resources")))
    return root.joinpath(*parts)


def sample_images() -> list[Path]:
    return sorted(resource_dir("samples").glob("*.png"))


def default_sample() -> Path:
    return resource_dir("samples", "astronaut.png")
