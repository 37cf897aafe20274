"""One training recipe per model family, named after it: its defaults, from its seed report,
and what it says to a user (:func:`summaries`).

Each is a :class:`~colorstudio.core.training.settings.TrainConfig` whose fields' defaults are
the family's; :data:`RECIPES` is the list the trainer resolves runs from (``trainer.config``)
and the Train tab offers, read in-process (no trainer subprocess, no torch).  A recipe names
its family by its registry name only: what the registry knows of a family -- its shipped
weights, the default colorizer -- and where the trainer keeps its presets are handed to
:func:`summaries` by the front end that may know them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from colorstudio.core.training.settings import BIN_LOSSES, FILL_LOSSES, MASK_LOSSES, TrainConfig


@dataclass
class UnetGanConfig(TrainConfig):
    """ML-for-CV project: U-Net generator, Lab discriminator with dropout, BCEWithLogits,
    Adam 2e-4, batch 16, 128 px; L1 keeps colours near the truth (pix2pix lambda = 100)."""

    family: str = "unet-gan"
    model: dict = field(default_factory=lambda: {"base": 32, "depth": 4})
    loss: str = "l1"
    pixel_weight: float = 100.0
    adv_weight: float = 1.0
    epochs: int = 20


@dataclass
class UnetHintsConfig(TrainConfig):
    """Interactive colorization (Zhang et al. 2017): U-Net with ab + mask hint channels,
    hints sampled from the ground truth, count ~ geometric(1/8)."""

    family: str = "unet-hints"
    model: dict = field(default_factory=lambda: {"base": 32, "depth": 4})
    loss: str = "smoothl1"
    betas: tuple = (0.9, 0.999)
    lr: float = 1e-4
    epochs: int = 10


@dataclass
class IizukaLiteConfig(TrainConfig):
    """CSCI5210 colorization: 224 px, SE loss with L2 1e-3, Adam, lr x0.9 every 10 epochs."""

    family: str = "iizuka-lite"
    image_size: int = 224
    loss: str = "se"
    lr: float = 1e-3
    betas: tuple = (0.9, 0.999)
    weight_decay: float = 1e-3
    lr_step_epochs: int = 10
    lr_gamma: float = 0.9
    batch_size: int = 16
    epochs: int = 50


@dataclass
class Pix2PixFacadesConfig(TrainConfig):
    """CSCI5210 image-to-image: label -> photo (BtoA), BCE + L1 (lambda 100), Adam 1e-3."""

    family: str = "pix2pix-facades"
    task: str = "translate"
    image_size: int = 256
    loss: str = "l1"
    pixel_weight: float = 100.0
    adv_weight: float = 1.0
    lr: float = 1e-3
    betas: tuple = (0.5, 0.999)
    batch_size: int = 4
    epochs: int = 200
    augment: bool = True


@dataclass
class ResGanConfig(TrainConfig):
    """Individual GAN report: residual encoder-decoder, DCGAN discriminator, label tricks."""

    family: str = "resgan"
    loss: str = "l1"
    pixel_weight: float = 100.0
    adv_weight: float = 1.0
    label_smoothing: float = 0.1
    label_noise: float = 0.05
    label_flip: float = 0.05
    lr: float = 2e-4
    epochs: int = 20


@dataclass
class PerceptualConfig(TrainConfig):
    """Colour image synthesis report: transformation net, VGG16 perceptual loss when
    --vgg-weights is given (else pixel loss; the run records which), RMSProp."""

    family: str = "perceptual"
    perceptual_net: str = "vgg16"
    loss: str = "mse"
    optimizer: str = "rmsprop"
    lr: float = 1e-4
    betas: tuple = (0.9, 0.999)
    epochs: int = 20


@dataclass
class ZhangBinsConfig(TrainConfig):
    """Search-space-odyssey poster: ab-bin classifier; loss in {mse, smoothl1, ce-rebalanced};
    annealed-mean decoding T = 0.38."""

    family: str = "zhang-bins"
    loss: str = "ce-rebalanced"
    lr: float = 3e-4
    betas: tuple = (0.9, 0.99)
    weight_decay: float = 1e-3
    epochs: int = 20

    LOSSES = BIN_LOSSES


@dataclass
class EffnetUNetConfig(TrainConfig):
    """ImageNet-pretrained EfficientNet-Lite0 encoder under a U-Net decoder: the encoder
    frozen for the first steps (the decoder learns to read it), then fine-tuned at a tenth
    of the rate; SmoothL1 on ab, Adam 1e-3; a third of the inputs aged as old photos."""

    family: str = "effnet-unet"
    loss: str = "smoothl1"
    lr: float = 1e-3
    betas: tuple = (0.9, 0.999)
    pretrained: bool = True
    freeze_steps: int = 1000
    pretrained_lr: float = 0.1
    rotate: bool = False
    scale_range: tuple = (1.0, 1.6)
    age_p: float = 0.3
    epochs: int = 20


@dataclass
class EffnetHintsConfig(EffnetUNetConfig):
    """The same encoder steered by hints sampled from the truth (as unet-hints)."""

    family: str = "effnet-hints"
    hint_weight: float = 10.0


@dataclass
class DamageUNetConfig(TrainConfig):
    """Damage detection (the first stage of Wan et al. 2020, "Bringing Old Photos Back to
    Life"): the gray scan of a photo with synthetic scratches, cracks, folds, tears and dust
    (core.colorize.damage) -> its damage mask; BCE (damage weighted x3: it is rare) + soft
    Dice, Adam 1e-3, 256 px crops of the photo enlarged 1.5-3x (damage drawn at scan scale)."""

    family: str = "damage-unet"
    task: str = "restore"
    loss: str = "bce-dice"
    lr: float = 1e-3
    betas: tuple = (0.9, 0.999)
    batch_size: int = 8
    image_size: int = 256
    scale_range: tuple = (1.5, 3.0)
    rotate: bool = False
    epochs: int = 20
    pretrained: bool = False

    LOSSES = MASK_LOSSES
    SIZE_MULTIPLE = 16   # the net's sides (damage_unet.DamageUNet.multiple)


@dataclass
class InpaintUNetConfig(TrainConfig):
    """The learned fill of a repair (gated convolutions, Yu et al. 2019): the gray scan of a
    photo with synthetic damage (core.colorize.damage), its exact mask grown by a pixel
    blanked -> the scan without the damage (the same grain, blur and JPEG); L1 with the
    holes weighted x6 + L1 of the gradients around them (the grain and edges continued),
    Adam 1e-3, 160 px crops of the photo enlarged 1-3x."""

    family: str = "inpaint-unet"
    task: str = "inpaint"
    loss: str = "l1"
    lr: float = 1e-3
    betas: tuple = (0.9, 0.999)
    batch_size: int = 12
    image_size: int = 160
    scale_range: tuple = (1.0, 3.0)
    rotate: bool = False
    epochs: int = 20

    LOSSES = FILL_LOSSES
    SIZE_MULTIPLE = 16   # the net's sides (inpaint_unet.InpaintUNet.multiple)


RECIPES: dict[str, type[TrainConfig]] = {   # one recipe per family, named after it
    cls.family: cls for cls in (UnetGanConfig, UnetHintsConfig, IizukaLiteConfig, Pix2PixFacadesConfig,
                                ResGanConfig, PerceptualConfig, ZhangBinsConfig, EffnetUNetConfig,
                                EffnetHintsConfig, DamageUNetConfig, InpaintUNetConfig)}


def recipe_names() -> list[str]:
    return sorted(RECIPES)


@dataclass(frozen=True)
class RecipeSummary:
    """A recipe as plain facts and the sentences a user decides by: what
    ``colorstudio-train recipes --json`` prints, key for key, and the Train tab shows."""

    name: str
    family: str
    task: str
    description: str          # the recipe's docstring, on one line
    settings: str             # "Adam at lr 0.001, batch 8, 256 px crops, ... by default"
    lr: float
    batch_size: int
    image_size: int
    loss: str                 # with " + GAN" when a discriminator trains beside it
    epochs: int
    cpu_preset: str = ""      # the TOML of the settings the shipped weights were trained with
    shipped_weights: str = ""   # the family's shipped weights: a fine-tune starts from them
    default: bool = False     # the default colorizer's recipe: the Train tab opens on it

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def summaries(presets: Path | None = None, shipped: Mapping[str, str | Path] | None = None,
              default_colorizer: str = "") -> list[RecipeSummary]:
    """Every recipe, by name.  What a recipe does not know is handed in by who does: the
    trainer's ``presets`` folder (``<recipe>-cpu.toml``, its package data), the ``shipped``
    weights file of each family and the ``default_colorizer`` family (the model registry's)."""
    shipped = shipped or {}
    out = []
    for name, cls in sorted(RECIPES.items()):
        c = cls()
        loss = c.loss + (" + GAN" if c.adv_weight > 0 else "")
        cpu = presets / f"{name}-cpu.toml" if presets is not None else None
        out.append(RecipeSummary(
            name, c.family, c.task, " ".join((cls.__doc__ or "").split()),
            f"{c.optimizer.capitalize()} at lr {c.lr:g}, batch {c.batch_size}, {c.image_size} px crops, "
            f"{loss} loss, {c.epochs} epochs by default",
            c.lr, c.batch_size, c.image_size, loss, c.epochs,
            cpu_preset=str(cpu) if cpu is not None and cpu.is_file() else "",
            shipped_weights=str(shipped.get(c.family) or ""),
            default=c.task == "colorize" and c.family == default_colorizer))
    return out
