"""A run's settings resolved, stored and resumed.

A recipe is resolved as: the family's recipe (:mod:`trainer.recipes`, fields and checks in
:mod:`trainer.settings`; both at home in ``colorstudio.core.training``) -> ``--config
FILE.toml`` -> ``--set key=value`` (dotted keys reach into the ``model`` /
``discriminator_config`` tables) -> the dedicated flags; one parser (:func:`apply_overrides`)
does it for a new run and for ``--resume``, where the result must then keep everything but
:data:`RESUME_MAY_CHANGE` (:func:`check_resume`), whichever of them said it.  The resolved
config is written to RUN/config.json so a run can always be reproduced and resumed.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import tomllib
from pathlib import Path
from typing import Any

from trainer.recipes import RECIPES, recipe_names
from trainer.settings import ConfigError, TrainConfig, validate


def parse_value(text: str) -> Any:
    """``--set`` values: JSON/TOML-ish literals (numbers, true/false, lists), else the string."""
    low = text.strip()
    if low.lower() in ("true", "false"):
        return low.lower() == "true"
    try:
        return json.loads(low)
    except json.JSONDecodeError:
        return text


def _apply(cfg: TrainConfig, key: str, value: Any, source: str) -> None:
    names = {f.name: f for f in dataclasses.fields(cfg)}
    head, _, rest = key.partition(".")
    if head not in names:
        raise ConfigError(f"{source}: unknown config key {head!r}; valid keys: {', '.join(sorted(names))}")
    if rest:
        current = getattr(cfg, head)
        if not isinstance(current, dict):
            raise ConfigError(f"{source}: {head!r} is not a table, cannot set {key!r}")
        current = dict(current)
        current[rest] = value
        setattr(cfg, head, current)
        return
    default = getattr(cfg, head)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {head!r} must be a table")
        value = {**default, **value}
    elif isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {head!r} must be true or false, got {value!r}")
    elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    elif isinstance(default, tuple):
        value = tuple(value)
    elif type(default) is not type(value) and not (isinstance(default, str) and value is not None):
        raise ConfigError(f"{source}: {head!r} expects {type(default).__name__}, got {value!r}")
    if isinstance(default, str) and not isinstance(value, str):
        value = str(value)
    setattr(cfg, head, value)


MAX_CONFIG_BYTES = 1_000_000


def load_toml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        if p.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{p}: {p.stat().st_size / 1e6:.1f} MB is not a recipe (at most "
                              f"{MAX_CONFIG_BYTES // 1000} kB)")
        with p.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{p}: invalid TOML (arrays or tables nested too deeply)") from None
    except UnicodeDecodeError:   # a ValueError too: before the next clause
        raise ConfigError(f"{p}: not a TOML text file (it is not UTF-8 text)") from None
    except ValueError as exc:   # e.g. an integer of thousands of digits
        raise ConfigError(f"{p}: invalid TOML ({str(exc).split(';')[0][:120]})") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read it ({exc.strerror or exc})") from None


def apply_overrides(cfg: TrainConfig, file: str | Path | None = None, overrides: list[str] | tuple = (),
                    **fields: Any) -> TrainConfig:
    """The one parser of what a user changes of a recipe, for a new run and ``--resume``
    alike: a TOML ``file``, then ``key=value`` ``overrides`` (``--set``), then explicit
    keyword ``fields`` (the dedicated flags: ``time_budget`` is ``--time-budget``; None:
    not given); then the fields that follow from others, then every check.  ``cfg`` is
    changed in place and returned."""
    if file:
        for k, v in load_toml(file).items():
            _apply(cfg, k, v, str(file))
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        k, v = item.split("=", 1)
        _apply(cfg, k.strip(), parse_value(v), f"--set {item}")
    for k, v in fields.items():
        if v is not None:
            _apply(cfg, k, v, f"--{k.replace('_', '-')}")
    cfg.resolve()
    validate(cfg)
    return cfg


def make_config(recipe: str, file: str | Path | None = None, overrides: list[str] | tuple = (),
                **fields: Any) -> TrainConfig:
    """Resolve a recipe: its defaults, then :func:`apply_overrides`."""
    if recipe not in RECIPES:
        raise ConfigError(f"unknown recipe {recipe!r}; available: {', '.join(recipe_names())}")
    cfg = RECIPES[recipe]()
    cfg.recipe = recipe
    return apply_overrides(cfg, file, overrides, **fields)


def resume_config(run: str | Path, recipe: str, overrides: list[str] | tuple = (), *,
                  file: str | Path | None = None, **fields: Any) -> TrainConfig:
    """The settings of the run in folder ``run`` continued (``--resume``): its config.json
    with :func:`apply_overrides` -- a ``--config`` ``file`` as much as ``--set`` and the
    flags (issue 34: the file was silently ignored) -- refused (ConfigError) when it is
    another recipe's or changes more than :data:`RESUME_MAY_CHANGE`.  The same command run
    again with ``--resume`` passes: its file and ``--set`` give what they gave at the start."""
    saved = Path(run) / "config.json"
    if not saved.is_file():
        raise ConfigError(f"--resume: {saved} not found")
    cfg = read_config(saved)
    if cfg.recipe != recipe:
        raise ConfigError(f"--resume: {run} is a {cfg.recipe!r} run, not {recipe!r}")
    before = copy.deepcopy(cfg)
    apply_overrides(cfg, file, overrides, **fields)
    check_resume(before, cfg)
    return cfg


def config_from_dict(d: Any, source: str = "config.json") -> TrainConfig:
    """Rebuild a config saved in RUN/config.json or a checkpoint: every known key type-
    checked as a ``--set`` would be (keys of newer or older versions are ignored)."""
    if not isinstance(d, dict):
        raise ConfigError(f"{source}: expected a JSON object of settings, found {type(d).__name__}")
    recipe = d.get("recipe", "")
    cls = RECIPES.get(recipe, TrainConfig)
    cfg = cls()
    names = {f.name for f in dataclasses.fields(cfg)}
    for k, v in d.items():
        if k in names:
            if isinstance(getattr(cfg, k), tuple) and not isinstance(v, (list, tuple)):
                raise ConfigError(f"{source}: {k!r} must be a list, got {v!r}")
            _apply(cfg, k, v, source)
    return cfg


def read_config(path: str | Path) -> TrainConfig:
    """RUN/config.json -> its config, or a ConfigError that says what is wrong with it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        d = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ConfigError(f"{p} is damaged ({type(exc).__name__}: {str(exc)[:120]}); "
                          "start a new run, or restore the file") from None
    cfg = config_from_dict(d, str(p))
    validate(cfg)
    return cfg


def save_config(cfg: TrainConfig, path: str | Path) -> None:
    from colorstudio.core.io.atomic import atomic_write

    text = json.dumps(cfg.to_dict(), indent=2, sort_keys=True)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


# What may change when a run is resumed (``--resume`` with ``--config``/``--set``/flags): how long it runs,
# where and how it logs.  Everything else -- the data, the model, the crops, the batch, the
# losses, the schedule -- is the run's own: a changed batch size would remap the steps done onto
# other epochs (and a run "resumed" past its end trains nothing).
RESUME_MAY_CHANGE = frozenset({"epochs", "time_budget", "max_steps", "device", "threads", "num_workers",
                               "cache", "log_every", "checkpoint_every", "val_every", "val_images",
                               "sample_images", "out"})


def check_resume(saved: TrainConfig, new: TrainConfig) -> None:
    """Refuse (ConfigError naming the option) a resume that changes anything but
    :data:`RESUME_MAY_CHANGE`."""
    for f in dataclasses.fields(saved):
        if f.name in RESUME_MAY_CHANGE:
            continue
        old, now = getattr(saved, f.name), getattr(new, f.name)
        if f.name in ("data", "val_data", "init", "vgg_weights") and old and now:
            old, now = os.path.realpath(old), os.path.realpath(now)   # the same folder, spelt otherwise
        if _plain(old) != _plain(now):
            raise ConfigError(f"--resume: {f.name} was {_plain(old)!r} in this run and cannot change on resume "
                              f"(now {_plain(now)!r}); only {', '.join(sorted(RESUME_MAY_CHANGE - {'out'}))} "
                              "may; start a new run with another --out (--init RUN/model.safetensors "
                              "starts it from this one's weights)")


def _plain(v):
    return [_plain(x) for x in v] if isinstance(v, (list, tuple)) else \
        {k: _plain(x) for k, x in v.items()} if isinstance(v, dict) else v
