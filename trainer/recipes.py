"""One training recipe per model family, named after it (its defaults, from its seed report).

The recipes live in :mod:`colorstudio.core.training.recipes` -- torch-free, so the Train tab
lists them in-process -- and are re-exported here for the trainer's modules;
:data:`RECIPES` is the list :func:`trainer.config.make_config` and ``colorstudio-train
recipes`` read.
"""

from __future__ import annotations

from colorstudio.core.training.recipes import (RECIPES, DamageUNetConfig, EffnetHintsConfig, EffnetUNetConfig,
                                               IizukaLiteConfig, InpaintUNetConfig, PerceptualConfig,
                                               Pix2PixFacadesConfig, RecipeSummary, ResGanConfig,
                                               UnetGanConfig, UnetHintsConfig, ZhangBinsConfig, recipe_names,
                                               summaries)

__all__ = ["RECIPES", "DamageUNetConfig", "EffnetHintsConfig", "EffnetUNetConfig", "IizukaLiteConfig",
           "InpaintUNetConfig", "PerceptualConfig", "Pix2PixFacadesConfig", "RecipeSummary", "ResGanConfig",
           "UnetGanConfig", "UnetHintsConfig", "ZhangBinsConfig", "recipe_names", "summaries"]
