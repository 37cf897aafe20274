"""The model catalogue: every model a user may pick, as plain facts (no Qt, no torch objects).

An entry is what a model is -- its name, family, task, whether it has trained weights and
where they lie, where it comes from (shipped, a training run's export, a file the user
opened), its weights' metadata (data, epochs, time) and its held-out scores by kind of photo
(``<weights>.eval.json``, read through ``core.io.scorefile``) -- and the plain sentences a
user decides by (:attr:`ModelEntry.summary`).  The markdown model card is kept whole for a
tooltip, never parsed.

Listing (:func:`list_models`) walks the registry, which imports every family and so torch
(seconds): a front end calls it off its UI thread.  The GUI's model picker is a view over
these entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from colorstudio.core.io.scorefile import EvalScores, read_scores, scores_path
from colorstudio.core.photo_groups import short_name

MALFORMED = "(Its training facts or scores file is malformed and was skipped.)"


@dataclass(frozen=True)
class ModelEntry:
    """One model of the catalogue.  ``scores`` may be given as the scores file's object;
    it is read by the schema (``core.io.scorefile``)."""

    name: str            # what loads it: a registry name, or ``family@path`` for the user's own weights
    task: str
    trained: bool
    description: str
    card: str            # model card markdown ('' when none ships): the tooltip
    input_size: int
    hints: bool          # follows colour hints (every colorizer)
    fixed_size: bool
    facts: dict = field(default_factory=dict)    # the weights' metadata (family, data, epochs, time)
    scores: EvalScores = field(default_factory=EvalScores)   # held-out scores by kind of photo
    display: str = ""    # the name shown ('' = name); own checkpoints: their run or file name
    origin: str = "shipped"   # shipped | run (a run folder's export) | file (opened with Weights…)
    weights: Path | None = None   # the weights file (None: no trained weights, or not known)

    def __post_init__(self) -> None:
        if not isinstance(self.scores, EvalScores):
            object.__setattr__(self, "scores", EvalScores.from_json(self.scores or {}))
        if self.weights is not None and not isinstance(self.weights, Path):
            object.__setattr__(self, "weights", Path(self.weights))

    @property
    def label(self) -> str:
        return self.display or self.name

    @property
    def family(self) -> str:
        """The registry family (own checkpoints are keyed ``family@path``)."""
        return self.name.partition("@")[0]

    @property
    def summary(self) -> str:
        """Plain sentences a user decides by: what it is, what it was trained on, how it
        scored on held-out photos of each kind.  The whole card is the tooltip."""
        lines = [self.description]
        if self.origin != "shipped":
            where = "your training run" if self.origin == "run" else "a checkpoint you opened"
            source = self.weights if self.weights is not None else self.name.partition("@")[2]
            lines.append(f"A{with_article(self.family)[1:]} model from {where}: {source}")
        try:   # the facts and scores come from the user's files: a malformed one costs its lines only
            f = self.facts
            if f.get("epochs") is not None:
                data = f.get("data") or {}
                where = Path(str(data.get("path", ""))).name
                n = data.get("train_images")
                trained = f"Trained on {where or 'its data'}" + (f" ({n:,} images)" if isinstance(n, int) else "")
                minutes = float(f.get("time") or 0) / 60
                lines.append(f"{trained}: {float(f['epochs']):.1f} epochs, {minutes:.0f} min.")
            lines += score_lines(self.scores)
        except (TypeError, ValueError, KeyError, AttributeError):
            lines.append(MALFORMED)
        if self.scores.skipped and lines[-1] != MALFORMED:
            lines.append(MALFORMED)
        return "\n".join(lines)


def with_article(word: str) -> str:
    """``word`` after "a" or "an" as it is said, not as it is spelt: "an effnet-unet", "an
    iizuka-lite", but "a unet-gan" (a "you"-sound: u, one consonant, a vowel) and "a zhang-bins"."""
    w = word.lower()
    you = w[:1] == "u" and len(w) > 2 and w[1] not in "aeiou" and w[2] in "aeiouy"
    return ("an " if w[:1] in "aeiou" and not you else "a ") + word


def score_lines(s: EvalScores) -> list[str]:
    """The held-out scores in sentences: per kind of photo (named as ``core.photo_groups``
    says them), or the model beside its baseline."""
    out = []
    groups = s.groups
    if groups:
        gains = [f"{short_name(k)} {r['gain_db']:+.1f}" for k, r in groups.items() if "gain_db" in r]
        if gains:
            out.append("Held-out gain over no colour (dB): " + ", ".join(gains) + ".")
        colour = [r["colourfulness_ratio"] for r in groups.values() if "colourfulness_ratio" in r]
        skin = next((r for r in groups.values() if "skin_hue_error_median" in r), None)
        bits = []
        if skin:
            bits.append(f"skin hue error {skin['skin_hue_error_median']:.0f}°")
        if colour:
            bits.append(f"colourfulness {min(colour):.0%}–{max(colour):.0%} of the truth's")
        if bits:
            out.append(bits[0][0].upper() + "; ".join(bits)[1:] + ".")
        hinted = [r for r in groups.values() if "hints_gain_db" in r]
        if hinted:
            g = sum(r["hints_gain_db"] for r in hinted) / len(hinted)
            land = sum(r.get("hint1_landed", 0) for r in hinted) / len(hinted)
            out.append(f"With 10 hints: {g:+.1f} dB; a single hint lands {land:.0%} of the time.")
    elif s.model:
        m, b = s.model, s.baseline
        if "l1" in m:
            base = f" (class-mean colours {b['l1']:.3f})" if "l1" in b else ""
            out.append(f"Held-out L1 {m['l1']:.3f}{base}.")
        elif "psnr_rgb" in m:
            out.append(f"Held-out PSNR {m['psnr_rgb']:.2f} dB" +
                       (f" (no colour {b['psnr_rgb']:.2f})" if "psnr_rgb" in b else "") + ".")
    return out


def offered(entries: list[ModelEntry]) -> list[ModelEntry]:
    """The entries a user may pick from: those with trained weights -- shipped, or the
    user's own checkpoint of any family (a run's export, a file opened with Weights…).  A
    family without trained weights runs on random weights and paints noise, so it is never
    offered as if usable (issue 35); only when none of ``entries`` is trained (a checkout
    without ``resources/weights``) are they all listed, marked untrained, so the app runs."""
    trained = [e for e in entries if e.trained]
    return trained or list(entries)


def remembered(entries: list[ModelEntry], name: str | None, default: str) -> str:
    """The model to select: the remembered ``name`` while it is still :func:`offered`, else
    ``default`` -- a remembered family that is no longer offered (untrained since issue 35)
    must not leave the picker on whatever happens to be listed first."""
    names = {e.name for e in offered(entries)}
    return name if name in names else default


def _read_card(path: Path) -> str:
    """A model card for the tooltip: bounded (a huge card is cut, not read whole)."""
    from colorstudio.core.io.textfiles import BadTextFile, read_text

    if not path.is_file():
        return ""
    try:
        return read_text(path)
    except BadTextFile:
        return ""


def _metadata(path: Path) -> dict[str, Any]:
    """The weights' metadata, {} when the file has none we can read."""
    from colorstudio.core.io.checkpoint import CheckpointError, read_metadata

    try:
        return read_metadata(path)
    except CheckpointError:
        return {}


def entry_for_checkpoint(path: str | Path, origin: str = "file", task: str | None = None,
                         scores: EvalScores | Mapping[str, Any] | None = None, display: str = "") -> ModelEntry:
    """A catalogue entry for one of the user's own checkpoints (a run's export or any
    .safetensors file): its family from the metadata, its card and scores when they lie
    beside it (else ``scores``: a run's last validation).  Raises a one-line error for a
    file that is not a checkpoint of ours, or one of another ``task``."""
    from colorstudio.core.io.checkpoint import CheckpointError
    from colorstudio.models import spec
    from colorstudio.models.refs import parse_ref

    path = Path(path)
    if path.suffix.lower() != ".safetensors":
        raise CheckpointError(f"{path.name} is not a .safetensors checkpoint")
    ref = parse_ref(str(path), task)
    s = spec(ref.family)
    own = read_scores(scores_path(path))
    fallback = scores if isinstance(scores, EvalScores) else EvalScores.from_json(scores or {})
    meta = _metadata(path)
    size = meta.get("render_size") if isinstance(meta.get("render_size"), int) else s.input_size   # its own wins
    return ModelEntry(str(ref), s.task, True, s.description, _read_card(path.with_suffix(".md")), size,
                      s.follows_hints, s.fixed_size, meta, own if not own.empty else fallback,
                      display or ref.label, origin, path)


def run_entries(runs_dir: str | Path | None, task: str | None = None) -> list[ModelEntry]:
    """Entries for the exported weights of the training runs under ``runs_dir``
    (newest first); runs without weights yet, or of another task, are left out."""
    if not runs_dir:
        return []
    from colorstudio.core.io.runs import find_runs

    out = []
    for run in find_runs(runs_dir):
        if run.weights is None:
            continue
        try:
            e = entry_for_checkpoint(run.weights, "run", task, scores=EvalScores.from_validation(run.scores),
                                     display=run.name)
        except Exception:  # noqa: BLE001 -- a half-written or foreign file: not listed
            continue
        out.append(e)
    return out


def shipped_entries(task: str | None = None) -> list[ModelEntry]:
    """The registry's families (of ``task``), with their shipped weights' facts when they have them."""
    from colorstudio.models import available

    out = []
    for s in available(task):
        weights = s.weights_path()
        out.append(ModelEntry(s.name, s.task, s.has_weights, s.description, _read_card(s.card_path()),
                              s.input_size, s.follows_hints, s.fixed_size,
                              _metadata(weights) if s.has_weights else {}, read_scores(scores_path(weights)),
                              weights=weights if s.has_weights else None))
    return out


def list_models(task: str | None = None, runs_dir: str | Path | None = None) -> list[ModelEntry]:
    """The catalogue: the registry's families, then the user's own runs under ``runs_dir``.
    Slow (imports the families and torch): off a UI thread."""
    return shipped_entries(task) + run_entries(runs_dir, task)
