"""Where shipped resources live: one function, for checkouts, wheels and frozen builds."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_dir(*parts: str) -> Path:
    """Path of a folder (or file) inside the installed ``colorstudio.resources`` package."""
    root = Path(str(resources.files("colorstudio.resources")))
    return root.joinpath(*parts)


# The black-and-white samples (what a restorer brings) come first; resources/samples/README.md.
BLACK_AND_WHITE_SAMPLES = ("astronaut_bw.png", "chelsea_old_print.png", "coffee_faded.png")


def sample_images() -> list[Path]:
    """The shipped samples, black-and-white ones first."""
    files = sorted(resource_dir("samples").glob("*.png"))
    return sorted(files, key=lambda p: (p.name not in BLACK_AND_WHITE_SAMPLES, p.name))


def default_sample() -> Path:
    return resource_dir("samples", BLACK_AND_WHITE_SAMPLES[0])
