"""Where shipped resources live: one function, for checkouts, wheels and frozen builds."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_dir(*parts: str) -> Path:
    """Path of a folder (or file) inside the installed ``colorstudio.resources`` package."""
    root = Path(str(resources.files("colorstudio.resources")))
    return root.joinpath(*parts)


# The black-and-white samples (what a restorer brings) come first; resources/samples/README.md.
BLACK_AND_WHITE_SAMPLES = ("astronaut_bw.png", "grace_hopper_bw.png", "cameraman_bw.png", "stairs_bw.png",
                           "chelsea_old_print.png", "dahlia_bw.png", "coffee_faded.png")


def sample_images(black_and_white: bool = False) -> list[Path]:
    """The shipped samples, black-and-white ones first (in their order), then the colour
    originals by name; ``black_and_white``: only the former."""
    order = {name: i for i, name in enumerate(BLACK_AND_WHITE_SAMPLES)}
    files = [p for p in resource_dir("samples").glob("*.png") if not black_and_white or p.name in order]
    return sorted(files, key=lambda p: (order.get(p.name, len(order)), p.name))


def default_sample() -> Path:
    return resource_dir("samples", BLACK_AND_WHITE_SAMPLES[0])
