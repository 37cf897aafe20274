"""Model references: how the CLI, the GUI and the benchmarks name "a model to run".

A reference is either a registered name (``unet-gan``: its shipped weights, or random
ones) or a checkpoint of our own -- a ``.safetensors`` path, whose metadata says the
family, or ``family@path`` when the file carries no metadata (a published checkpoint).
One string, so it can key caches, settings and combo boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from colorstudio.core.io.checkpoint import CheckpointError, read_metadata

WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth", ".ckpt")


@dataclass(frozen=True)
class ModelRef:
    family: str                  # registry name
    weights: Path | None = None  # None: the shipped weights (random when none ship)

    def __str__(self) -> str:
        return self.family if self.weights is None else f"{self.family}@{self.weights}"

    @property
    def label(self) -> str:
        """Short human name: the family, or the checkpoint's stem and its family."""
        if self.weights is None:
            return self.family
        stem = self.weights.stem
        if stem == "model":                     # a run folder's export: name it by the run
            stem = self.weights.parent.name
        return stem if stem == self.family else f"{stem} ({self.family})"


def looks_like_file(text: str) -> bool:
    return text.lower().endswith(WEIGHT_SUFFIXES) or "/" in text or "\\" in text


def parse_ref(text: str, task: str | None = None) -> ModelRef:
    """``'unet-gan'`` | ``'run/model.safetensors'`` | ``'zhang-bins@x.pt'`` -> ModelRef.

    A file that exists under the whole text is that file (``my@v2.safetensors``), even
    where the text also reads as ``family@path``; when both readings name existing files
    the reference is refused as ambiguous.

    Raises ``LookupError`` (unknown name, missing file) or ``CheckpointError`` (a file
    that is not ours and names no family, or one of another task) with a one-line message.
    """
    from colorstudio.models import registry

    text = str(text).strip()
    if not text:
        raise LookupError("empty model name")
    family, sep, rest = text.partition("@")
    whole = Path(text).expanduser()
    as_pair = bool(sep and family and not looks_like_file(family))
    if as_pair and whole.is_file() and Path(rest).expanduser().is_file():
        raise LookupError(f"{text!r} is ambiguous: the file {whole} exists, and so does {rest} "
                          f"(as {family}@{rest}); give ./{text} for the file, or rename one")
    if as_pair and not whole.is_file():
        ref = ModelRef(family, Path(rest).expanduser())
    elif looks_like_file(text) or whole.is_file():   # an existing path wins over family@path
        path = Path(text).expanduser()
        if not path.is_file():
            raise LookupError(f"weights file not found: {path}")
        try:
            family = str(read_metadata(path).get("family") or "")
        except CheckpointError:
            family = ""
        if not family:
            raise CheckpointError(f"{path.name} does not say which model it holds: "
                                  f"name it as FAMILY@{path}")
        ref = ModelRef(family, path)
    else:
        ref = ModelRef(text)
    spec = registry.spec(ref.family)        # UnknownModelError (a LookupError) names the valid ones
    if ref.weights is not None and not ref.weights.is_file():
        raise LookupError(f"weights file not found: {ref.weights}")
    if task is not None and spec.task != task:
        raise CheckpointError(f"{ref.label} is a {spec.task} model, not a {task} model")
    return ref
