"""The model registry: ``@register``, ``create(name)``, ``available()``.

Each registered name is one model family from the seed reports (timm-style: a
factory function per name).  A leaf, as timm's ``_registry.py``: it imports no family;
each family module imports it and registers its names, and ``colorstudio.models``
(the package, hence any import of this module) imports every family.

Default weights ship in resources/weights as ``<name>.safetensors`` with a model card
``<name>.md``; a checkpoint's metadata carries the factory config, so a smaller or
larger trained variant loads as-is.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from colorstudio.core.errors import UserError

Task = Literal["colorize", "translate", "restore", "inpaint"]   # restore: a gray scan -> its damage mask;
# inpaint: a gray scan with holes (its damage mask) -> the holes filled


class UnknownModelError(UserError, KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want plain text
        return self.args[0]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    task: Task
    input_size: int                 # default render size (square side, pixels)
    description: str
    factory: Callable[..., Any] = field(repr=False, compare=False)
    report: str = ""                # which seed report the family comes from
    hints: bool = False             # its network takes user colour hints (ab + mask input planes)
    fixed_size: bool = False        # must run at exactly input_size
    # GAN families: factory ``fn(**config) -> nn.Module`` of the discriminator, which
    # judges ``torch.cat([generator input, generator output or target], 1)``.
    discriminator: Callable[..., Any] | None = field(default=None, repr=False, compare=False)
    preference: int | None = None   # the task's default model when trained: lowest first

    @property
    def follows_hints(self) -> bool:
        """Every colorizer follows colour hints: in its network (``hints``) or through the
        hint step after it (``core.colorize.pipeline.propagate_hints``)."""
        return self.task == "colorize"

    @property
    def has_discriminator(self) -> bool:
        return self.discriminator is not None

    def weights_path(self) -> Path:
        from colorstudio.paths import resource_dir

        return resource_dir("weights", f"{self.name}.safetensors")

    @property
    def has_weights(self) -> bool:
        return self.weights_path().is_file()

    def card_path(self) -> Path:
        from colorstudio.paths import resource_dir

        return resource_dir("weights", f"{self.name}.md")


_REGISTRY: dict[str, ModelSpec] = {}


class ModelConfigError(UserError, ValueError):
    """A model option out of its range, from a recipe, ``--set``, ``--config`` or a weights
    file's metadata -- refused before any memory is spent on it."""


# The range of every numeric factory option, whichever family takes it: one validation for
# every source of a config (a weights file's ``depth: 1000000`` spent 19 GB before it failed).
OPTION_RANGES: dict[str, tuple[float, float]] = {
    "base": (1, 512), "depth": (1, 10), "n_down": (1, 8), "n_blocks": (0, 64), "n_layers": (1, 10),
    "convs": (1, 8), "mid": (0, 16), "grid": (2.0, 110.0), "temperature": (0.01, 10.0), "bin_mix": (0.0, 1.0),
    "variant": (0, 4), "patch": (8, 1024), "bridge": (1, 4096), "decoder": (1, 2048), "in_channels": (1, 64),
}


def check_config(name: str, config: dict[str, Any]) -> None:
    """Raise :class:`ModelConfigError` for an option of ``config`` outside :data:`OPTION_RANGES`
    (lists: each element) or of the wrong kind."""
    for key, value in config.items():
        rng = OPTION_RANGES.get(key)
        if rng is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (rng[0] <= v <= rng[1]):
                raise ModelConfigError(f"{name}: model option {key}={value!r} is out of range "
                                       f"({rng[0]:g} to {rng[1]:g})")


def register(name: str, *, task: Task, input_size: int, description: str, report: str = "",
             hints: bool = False, fixed_size: bool = False,
             discriminator: Callable[..., Any] | None = None, preference: int | None = None):
    """Decorator for a factory ``fn(**config) -> nn.Module``.

    ``discriminator``: for GAN families, a factory of the discriminator (see
    :func:`create_discriminator`).  ``preference``: this family is a default of its task
    (see :func:`default_model`; lower first).  A factory may carry ``fn.infer_config(state_dict)``
    to read its config off a checkpoint that has none (e.g. a published ``.pth``).
    """

    def deco(fn):
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} registered twice")
        _REGISTRY[name] = ModelSpec(name, task, input_size, description, fn, report,
                                    hints, fixed_size, discriminator, preference)
        return fn

    return deco


def spec(name: str) -> ModelSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownModelError(
            f"unknown model {name!r}; available: {', '.join(sorted(_REGISTRY))}") from None


def available(task: Task | None = None) -> list[ModelSpec]:
    """Registered models (optionally of one task), sorted by name."""
    return [s for n, s in sorted(_REGISTRY.items()) if task is None or s.task == task]


def default_model(task: Task = "colorize", hints: bool = False) -> str:
    """The preferred model of a task (registered with a ``preference``) that has shipped
    weights, else any with shipped weights, else a preferred one, else the first registered.
    Colorizers: ``hints`` picks among the models that take colour hints (the Shot tab's),
    else among those that do not (the automatic default)."""
    models = [s for s in available(task) if task != "colorize" or s.hints == hints] or available(task)
    if not models:
        raise UnknownModelError(f"no {task} model is registered")
    preferred = sorted((s for s in models if s.preference is not None), key=lambda s: s.preference)
    for s in preferred:
        if s.has_weights:
            return s.name
    trained = [s.name for s in models if s.has_weights]
    if trained:
        return trained[0]
    return (preferred or models)[0].name


def create(name: str, weights: str | os.PathLike | None | bool = True, **config: Any):
    """Build model ``name`` in eval mode.

    ``weights``: True -> the shipped default weights when present (random init
    otherwise); False/None -> random init; a path -> that checkpoint (its stored
    config is used, overridden by ``config``).
    """
    from colorstudio.core.io import checkpoint

    s = spec(name)
    state = None
    meta: dict[str, Any] = {}
    if weights is True:
        path = s.weights_path()
        weights = path if path.is_file() else None
    if weights:
        state, meta = checkpoint.load_weights(weights)
        state = with_base(state, meta, Path(weights).name)
        fam = meta.get("family")
        if fam and fam != name:
            raise checkpoint.CheckpointError(
                f"{Path(weights).name} holds a {fam!r} model, not {name!r}")
        stored = meta.get("config")
        infer = getattr(s.factory, "infer_config", None)
        if stored is None and infer is not None:  # e.g. a published file without our metadata
            stored = infer(state)
        config = {**(stored or {}), **config}
        try:
            check_config(f"{name} ({Path(weights).name})", config)
        except ModelConfigError as exc:   # the weights file's own metadata: a checkpoint problem
            raise checkpoint.CheckpointError(str(exc)) from None
        _check_shapes(s, config, state, Path(weights).name)
    check_config(name, config)
    try:
        model = s.factory(**config)
    except (TypeError, ValueError, IndexError) as exc:  # an unknown key or an impossible value
        raise checkpoint.CheckpointError(f"{name}: bad model config {config} ({exc})") from None
    if state is not None:
        if hasattr(model, "adapt_state_dict"):
            state = model.adapt_state_dict(state)
        checkpoint.load_into(model, state, source=Path(weights).name)
    model.eval()
    model.spec = s
    model.config = full_config(s.factory, config)
    model.meta = meta
    model.render_size = render_size(s, meta, Path(weights).name if weights else name)
    return model


def render_size(s: ModelSpec, meta: dict[str, Any], source: str = "") -> int:
    """The size a model renders at by default: its weights file's own ``render_size`` (a
    fine-tuned file may render best at another size than the family's shipped weights), else
    the family's; a fixed-size family runs at its size only."""
    from colorstudio.core.io import checkpoint

    size = meta.get("render_size")
    if size is None:
        return s.input_size
    if s.fixed_size and int(size) != s.input_size:
        raise checkpoint.CheckpointError(f"{source}: {s.name} runs at {s.input_size} px only, "
                                         f"its metadata says render_size {size}")
    return int(size)


def with_base(state: dict[str, Any], meta: dict[str, Any], source: str) -> dict[str, Any]:
    """A file built on another family's shipped weights (``base`` in its metadata), completed
    from that file -- the very one it was trained on, checked by its hash."""
    from colorstudio.core.io import checkpoint

    base = checkpoint.base_of(meta, source)
    if base is None:
        return state
    family, sha = base
    path = spec(family).weights_path()
    if not path.is_file():
        raise checkpoint.CheckpointError(f"{source} is built on the shipped {family} weights, "
                                         f"which are missing ({path})")
    if checkpoint.file_sha256(path) != sha:
        raise checkpoint.CheckpointError(f"{source} is built on other {family} weights than the shipped "
                                         f"ones ({path.name} has changed since): export it again")
    base_state, _ = checkpoint.load_weights(path)
    return {**base_state, **state}


def full_config(factory: Callable[..., Any], config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with every other factory option at its default: what a weights file stores,
    so that changing a family's default later does not change how older files are rebuilt."""
    out: dict[str, Any] = {}
    for p in inspect.signature(factory).parameters.values():
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is not p.empty:
            v = p.default
            if isinstance(v, (bool, int, float, str, type(None), tuple, list)):
                out[p.name] = list(v) if isinstance(v, tuple) else v
    out.update(config)
    return out


def _check_shapes(s: ModelSpec, config: dict[str, Any], state: dict[str, Any], source: str) -> None:
    """Fit the checkpoint's config to its tensors on the meta device (no memory is spent)
    before the real model is built: a config that claims a huge model is refused here,
    not after it has allocated gigabytes."""
    import inspect

    import torch

    from colorstudio.core.io import checkpoint

    params = inspect.signature(s.factory).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(config) - set(params))
        if unknown:
            raise checkpoint.CheckpointError(f"{source}: unknown {s.name} config key(s) {', '.join(unknown)}; "
                                             f"it takes {', '.join(params) or 'none'}")
    try:
        with torch.device("meta"):
            probe = s.factory(**config)
    except (TypeError, ValueError) as exc:
        raise checkpoint.CheckpointError(f"{source}: bad {s.name} config {config} ({exc})") from None
    except Exception:  # noqa: BLE001 -- a factory that cannot build on 'meta': the real load checks
        return
    if hasattr(probe, "adapt_state_dict"):
        return  # published layouts are renamed on load; load_into checks them after the build
    checkpoint.load_into_check(probe, state, source)


def create_discriminator(name: str, **config: Any):
    """Build the discriminator of GAN family ``name`` (random init, training mode).

    It takes ``torch.cat([x, y], 1)`` where ``x`` is the generator's input (``l_norm``
    or the label map) and ``y`` its output or the real target, and returns logits
    for ``BCEWithLogitsLoss`` (one per image or per patch).
    """
    s = spec(name)
    if s.discriminator is None:
        gans = ", ".join(x.name for x in available() if x.has_discriminator) or "none"
        raise ValueError(f"model {name!r} has no discriminator (GAN families: {gans})")
    d = s.discriminator(**config)
    d.config = dict(config)
    return d
