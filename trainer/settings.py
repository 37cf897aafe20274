"""The settings every recipe has and their checks.

:class:`TrainConfig` and the losses each task may use live in
:mod:`colorstudio.core.training.settings` (torch-free, so the Train tab reads them as the
trainer does) and are re-exported here.  What needs the model registry stays here:
:func:`validate`, every check of a run's settings, the model's options included.
"""

from __future__ import annotations

from colorstudio.core.training.settings import (BIN_LOSSES, FILL_LOSSES, MASK_LOSSES, PIXEL_LOSSES, TASKS,
                                                ConfigError, TrainConfig)

__all__ = ["BIN_LOSSES", "FILL_LOSSES", "MASK_LOSSES", "PIXEL_LOSSES", "TASKS", "ConfigError", "TrainConfig",
           "validate"]


def validate(cfg: TrainConfig) -> None:
    """Raise ConfigError for anything wrong in ``cfg``, before any data is read: the
    model's and the discriminator's options out of the registry's ranges, then every
    field's own check (:meth:`TrainConfig.validate`)."""
    from colorstudio.models.registry import ModelConfigError, check_config

    try:
        check_config(cfg.family or cfg.recipe, dict(cfg.model))
        check_config(f"{cfg.family or cfg.recipe} discriminator", dict(cfg.discriminator_config))
    except ModelConfigError as exc:
        raise ConfigError(str(exc)) from None
    cfg.validate()
