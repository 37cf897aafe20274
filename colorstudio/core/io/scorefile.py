"""A model's held-out scores file, ``<weights>.eval.json``: its one schema, writer and reader.

The trainer writes it beside exported weights (``trainer.report.cards``); the model
catalogue (``models.catalogue``) and ``bench.models`` read it -- through
:func:`read_scores` only, so the keys below are the whole contract.  One JSON object:

- ``protocol`` (text: how the scores were made) and ``images`` (how many held-out photos);
- ``groups``: a colorizer scored on the photo mix, {photo group key (``core.photo_groups``):
  :class:`GroupScores`};
- ``model`` and ``baseline_<name>``: one set of scores of the model and the same scores of
  a baseline beside it (``ab0``: no colour; ``class_mean``: a translator's mean facade
  colours) -- a colorizer on a plain folder, a translator, a run's last validation;
- ``detection``: a damage detector, {photo group key: its pooled counts and rates};
- any other key (``size``, ``threshold``, a fill's tables, ``model_10_hints``): kept as written.

A file from the user's side may be anything: :func:`read_scores` keeps what fits the schema
and counts what it left out (:attr:`EvalScores.skipped`); a huge or broken file costs its
own scores only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, TypedDict

SUFFIX = ".eval.json"
MAX_BYTES = 2 * 2 ** 20
BASELINE_PREFIX = "baseline_"
BASELINES = ("class_mean", "ab0")   # the one a summary sets the model beside: the first present


class GroupScores(TypedDict, total=False):
    """One kind of photo's scores (``trainer.report.group_eval``): means over its photos
    unless named.  PSNR in dB, colours in Lab units, shares in [0, 1]."""

    images: int
    psnr_rgb: float
    base_psnr_rgb: float            # the same photo with no colour (ab = 0)
    gain_db: float                  # psnr_rgb - base_psnr_rgb
    psnr_ab: float
    ssim: float
    colourfulness: float
    colourfulness_gt: float
    colourfulness_ratio: float      # the result's colourfulness as a share of the truth's
    colour_recall: float            # strongly coloured pixels given the right hue and chroma
    strong_pixels: int
    false_vivid: float
    mean_ab: list[float]
    mean_ab_gt: list[float]
    cast: float                     # |mean ab - the truth's mean ab| over the group
    skin_images: int
    skin_hue_error_median: float    # degrees, face-crop sets
    skin_chroma_ratio: float
    hints_psnr_rgb: float           # with 10 hints from the truth
    hints_gain_db: float
    hint1_landed: float             # one random hint: share landed within 10 ab units
    hint1_hint_error: float
    hint1_spread: float


Scores = dict[str, Any]   # name -> a number (or a list of numbers: mean_ab)


@dataclass(frozen=True)
class EvalScores:
    """The scores of one model, as :func:`read_scores` reads them and :func:`write_scores`
    writes them (see the module docstring for each field)."""

    protocol: str = ""
    images: int | None = None
    groups: dict[str, GroupScores] = field(default_factory=dict)
    model: Scores = field(default_factory=dict)
    baselines: dict[str, Scores] = field(default_factory=dict)    # name (ab0, class_mean) -> scores
    detection: dict[str, Scores] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: int = 0   # values left out of a malformed file (not numbers where numbers belong)

    @property
    def empty(self) -> bool:
        """No scores at all (no file, or nothing in it fit)."""
        return not (self.groups or self.model or self.detection or self.extra)

    @property
    def baseline(self) -> Scores:
        """The baseline to set :attr:`model` beside (:data:`BASELINES`' first present), or {}."""
        return next((self.baselines[b] for b in BASELINES if self.baselines.get(b)), {})

    @classmethod
    def from_validation(cls, val: Mapping[str, float]) -> EvalScores:
        """A training run's last validation (``core.io.runs``: its metrics) in this shape:
        the model's scores beside no colour's PSNR."""
        if not val:
            return cls()
        base = {"psnr_rgb": val["psnr_rgb_gray"]} if "psnr_rgb_gray" in val else {}
        return cls(model=dict(val), baselines={"ab0": base})

    @classmethod
    def from_json(cls, d: Any, strict: bool = False) -> EvalScores:
        """The scores of a file's object ``d``: what fits the schema (the rest counted in
        :attr:`skipped`), or with ``strict`` a ValueError naming the first misfit (a writer's)."""
        bad: list[str] = []
        if not isinstance(d, Mapping):
            bad.append(f"the file holds {type(d).__name__}, not an object")
            d = {}
        protocol = d.get("protocol", "")
        if not isinstance(protocol, str):
            bad.append("protocol")
            protocol = ""
        images = d.get("images")
        if images is not None and not _is_int(images):
            bad.append("images")
            images = None
        groups = _table(d.get("groups"), "groups", bad)
        detection = _table(d.get("detection"), "detection", bad)
        model = _scores(d.get("model"), "model", bad)
        baselines = {k[len(BASELINE_PREFIX):]: _scores(v, k, bad) for k, v in d.items()
                     if k.startswith(BASELINE_PREFIX)}
        known = {"protocol", "images", "groups", "detection", "model"}
        extra = {k: v for k, v in d.items() if k not in known and not k.startswith(BASELINE_PREFIX)}
        if strict and bad:
            raise ValueError(f"scores do not fit the {SUFFIX} schema: {bad[0]}")
        return cls(protocol, images, groups, model, baselines, detection, extra, len(bad))  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        """The file's object (keys only where there is something to say)."""
        out: dict[str, Any] = {}
        if self.images is not None:
            out["images"] = self.images
        for key, value in (("groups", self.groups), ("detection", self.detection), ("model", self.model)):
            if value:
                out[key] = value
        for name, scores in self.baselines.items():
            out[BASELINE_PREFIX + name] = scores
        out.update(self.extra)
        if self.protocol:
            out["protocol"] = self.protocol
        return out


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _scores(v: Any, where: str, bad: list[str]) -> Scores:
    """{name: number or list of numbers} of ``v``; what does not fit is named in ``bad``."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        bad.append(where)
        return {}
    out: Scores = {}
    for k, x in v.items():
        if _is_number(x) or (isinstance(x, list) and all(_is_number(e) for e in x)):
            out[str(k)] = x
        else:
            bad.append(f"{where}.{k}")
    return out


def _table(v: Any, where: str, bad: list[str]) -> dict[str, Scores]:
    """{photo group key: scores} of ``v``."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        bad.append(where)
        return {}
    out = {}
    for k, x in v.items():
        if isinstance(x, Mapping):
            out[str(k)] = _scores(x, f"{where}.{k}", bad)
        else:
            bad.append(f"{where}.{k}")
    return out


def scores_path(weights: str | Path) -> Path:
    """Where the scores of ``weights`` (a .safetensors file) lie: beside it."""
    return Path(weights).with_suffix(SUFFIX)


def read_scores(path: str | Path) -> EvalScores:
    """The scores file at ``path`` (:func:`scores_path`): empty when there is none or it is
    not a JSON object of at most :data:`MAX_BYTES`, what fits the schema otherwise."""
    from colorstudio.core.io.textfiles import BadTextFile, read_json

    try:
        d = read_json(path, MAX_BYTES)
    except BadTextFile:
        return EvalScores() if not Path(path).exists() else EvalScores(skipped=1)
    return EvalScores.from_json(d)


def write_scores(path: str | Path, scores: EvalScores | Mapping[str, Any]) -> Path:
    """Write ``scores`` (or a scores object of this schema, checked: ValueError for a value
    that does not fit) to ``path`` atomically; NaN is written as JSON's NaN (a score that
    could not be taken), as the reader reads it."""
    from colorstudio.core.io import atomic

    if not isinstance(scores, EvalScores):
        scores = EvalScores.from_json(scores, strict=True)
    atomic.write_text(Path(path), json.dumps(scores.to_json(), indent=2))
    return Path(path)

