"""The kinds of photo ColorStudio is judged on, and their held-out files.

A colorizer is scored per kind of photo, because an average over a mix hides the kind a
user brings (a portrait) behind the kind the mix has most of (outdoor scenes).  Each
group is a list of set folders under the photo root (``../shared/data/photos``).

Held-out rule (the trainer's own, ``trainer.data.split_files``): in every folder, files
sorted by name, every 20th starting with the first (index % 20 == 0).  Training on the
photo root therefore never sees a file that is scored here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer import data as tdata

HELD_OUT_EVERY = 20


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    folders: tuple[str, ...]
    skin: bool = False          # face crops: the skin row scores their central box
    hints: bool = True          # hint targets apply
    split: bool = True          # False: folders never trained on, every file is held out
    skip: tuple[str, ...] = ()  # file stems left out


GROUPS: tuple[Group, ...] = (
    Group("people", "people (faces, portraits, fashion)",
          ("utkface_faces", "faces_without_mask", "pixabay_portraits", "ccp_street_fashion")),
    Group("interiors", "interiors", ("places365_indoor_rooms",)),
    Group("animals", "animals and objects",
          ("imagenet_samples", "cats_dogs", "clothing_small", "flowers5_128px")),
    Group("scenes", "outdoor scenes", ("scenes",), hints=False),
    Group("mixed", "mixed (BSDS500)", ("bsds500",), hints=False),
    # The 512 px sample photos beside the photo root (../samples: public domain / CC0, never
    # trained on): a photo several times larger than the training crops, where a net that
    # only knows 144 px textures shows it.  The Hubble deep field is not a photo a user colours.
    Group("hires", "high-resolution photos (512 px samples)", ("../samples",), hints=False, split=False,
          skip=("hubble_deep_field",)),
)

# The face sets whose photos are tight face crops: the skin row's central box is skin.
SKIN_FOLDERS = ("utkface_faces", "faces_without_mask")
# Central face box as fractions of width and height: (x0, x1, y0, y1).
SKIN_BOX = (0.35, 0.65, 0.35, 0.65)


def group(key: str) -> Group:
    for g in GROUPS:
        if g.key == key:
            return g
    raise KeyError(f"unknown photo group {key!r}; one of {', '.join(g.key for g in GROUPS)}")


def held_out(root: str | Path, folders: tuple[str, ...], every: int = HELD_OUT_EVERY,
             limit: int = 0, split: bool = True, skip: tuple[str, ...] = ()) -> list[Path]:
    """Held-out files of ``folders`` under ``root`` (missing folders are skipped; with
    ``split`` False every file); ``limit`` > 0 keeps that many, spread evenly over the
    list (every folder stays in)."""
    files: list[Path] = []
    for name in folders:
        d = Path(root) / name
        if d.is_dir():
            files += tdata.split_files(tdata.list_images(d), every)[1] if split else tdata.list_images(d)
    files = [f for f in files if f.stem not in skip]
    return tdata.spread(files, limit) if limit else files


def held_out_by_group(root: str | Path, every: int = HELD_OUT_EVERY, limit: int = 0) -> dict[str, list[Path]]:
    """{group key: held-out files}; groups with no files under ``root`` are left out."""
    out = {g.key: held_out(root, g.folders, every, limit, g.split, g.skip) for g in GROUPS}
    return {k: v for k, v in out.items() if v}
