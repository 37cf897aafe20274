"""What one training step computes for a family, chosen once by what the family outputs.

A :class:`FamilyStep` is the network's input (hints sampled from the truth for a family
that takes them), the loss terms of its outputs (``Network.train_outputs``: a damage mask,
a fill, bin logits, an ab or RGB image -- each with its own terms) and, for a GAN recipe,
the discriminator's own update and the generator's adversarial term.  :func:`family_step`
picks them from the family and the recipe; the loop (:mod:`trainer.engine.loop`) runs the
forward pass, the backward pass, the optimisers and the moving average for every family
alike, so a new family's loss is a new term here, not a branch in the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np
import torch
import torch.nn.functional as F

from colorstudio.core.color import color_torch
from trainer.engine import losses
from trainer.engine.sampling import sample_hints
from trainer.settings import TrainConfig

Outputs = dict[str, torch.Tensor]
Terms = dict[str, torch.Tensor]
VALIDATION_HINT_SEED = 1234   # hints of a batch scored without a generator of its own


class Term(Protocol):
    """Named loss terms of the generator's outputs ``outs`` for input ``x`` and target ``y``."""

    def __call__(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> Terms: ...


# --------------------------------------------------------------------------- inputs
def plain_inputs(x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator | None) -> torch.Tensor:
    """The batch's input as it is."""
    return x


@dataclass
class HintInputs:
    """The lightness with hint planes sampled from the truth ``y`` (Zhang et al. 2017);
    ``rng`` None (validation): a fixed generator, so every validation sees the same hints."""

    p: float
    max_hints: int

    def __call__(self, x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator | None) -> torch.Tensor:
        if rng is None:
            rng = np.random.default_rng(VALIDATION_HINT_SEED)
        return torch.cat([x, sample_hints(y, rng, self.p, self.max_hints)], 1)


# --------------------------------------------------------------------------- terms
def _fit(y: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The target at the output's size (a net that predicts at a smaller scale)."""
    return y if y.shape[-2:] == out.shape[-2:] else F.interpolate(y, size=out.shape[-2:], mode="area")


@dataclass
class MaskTerm:
    """restore: damage logits against the mask (no colour, rebalancing or hints)."""

    loss: str
    pos_weight: float
    weight: float

    def __call__(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> Terms:
        return {self.loss: losses.mask_loss(outs["mask"], y, self.loss, self.pos_weight) * self.weight}


@dataclass
class FillTerm:
    """inpaint: the filled L against the undamaged scan (y's first plane), x's second plane
    the holes; its ``l1`` is logged under the recipe's loss name."""

    loss: str
    hole_weight: float
    edge_weight: float
    weight: float

    def __call__(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> Terms:
        terms = losses.fill_loss(outs["fill"], y[:, :1], x[:, 1:2], self.hole_weight, self.edge_weight)
        return {self.loss if k == "l1" else k: v * self.weight for k, v in terms.items()}


@dataclass
class BinTerm:
    """A bin head's loss (the family's own ``bin_loss``) under ``name``."""

    net: torch.nn.Module      # the generator, unwrapped: its bin_loss
    loss: str
    weight: float
    name: str

    def __call__(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> Terms:
        return {self.name: self.net.bin_loss(outs["logits"], y, self.loss) * self.weight}


class PixelWeight(Protocol):
    """Per-pixel loss weights, given the weights so far (None: none yet)."""

    def __call__(self, w: torch.Tensor | None, x: torch.Tensor, y: torch.Tensor,
                 out: torch.Tensor) -> torch.Tensor: ...


@dataclass
class RebalanceWeight:
    """Rare ab colours count more (``losses.AbRebalance``, the class-rebalanced L1)."""

    table: losses.AbRebalance

    def __call__(self, w: torch.Tensor | None, x: torch.Tensor, y: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        return self.table(y)


@dataclass
class HintWeight:
    """The pixels at and around each hint count ``1 + weight`` times (``losses.hint_neighbourhood``)."""

    weight: float
    sigma: float

    def __call__(self, w: torch.Tensor | None, x: torch.Tensor, y: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        near = losses.hint_neighbourhood(x[:, -1:], self.sigma, out.shape[-2:])
        return (1.0 + self.weight * near) * (w if w is not None else 1.0)


@dataclass
class PixelTerm:
    """The image output (``ab`` or ``rgb``) against the target, each pixel weighted by
    ``weights`` in turn."""

    loss: str
    weight: float
    output: str
    weights: list[PixelWeight] = field(default_factory=list)

    def __call__(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> Terms:
        out = outs[self.output]
        y = _fit(y, out)
        w = None
        for weigh in self.weights:
            w = weigh(w, x, y, out)
        return {self.loss: losses.pixel_loss(self.loss, out.float(), y.float(), w) * self.weight}


@dataclass
class PerceptualTerm:
    """Feature distance of the colours as RGB (L from the input) through a frozen network."""

    net: torch.nn.Module
    weight: float
    output: str

    def __call__(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> Terms:
        out = outs[self.output]
        l = x[:, :1]
        rgb = [color_torch.lab_norm_to_rgb(l, ab.float()) for ab in (out, _fit(y, out))]
        return {"perceptual": self.weight * losses.perceptual_loss(self.net, *rgb)}


# --------------------------------------------------------------------------- the adversary
class NoAdversary:
    """A recipe without a GAN term: no discriminator update, no adversarial term."""

    def update(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        return {}

    def generator_terms(self, outs: Outputs, x: torch.Tensor) -> Terms:
        return {}


class Adversary:
    """A GAN recipe: the discriminator's update on the real target and the generator's
    judged image (:meth:`update`), then the generator's adversarial term on that same image
    (:meth:`generator_terms`, in the generator's own step).  Colorize judges the Lab image
    (L + ab), translate the pair (input, output); a bin head's colours are decoded first."""

    def __init__(self, cfg: TrainConfig, net: torch.nn.Module, D: torch.nn.Module, opt: torch.optim.Optimizer,
                 scaler: torch.amp.GradScaler, autocast: Callable[[], object]):
        self.cfg, self.net, self.D, self.opt, self.scaler, self.autocast = cfg, net, D, opt, scaler, autocast
        self.condition = 1 if cfg.task == "colorize" else None   # planes of x the discriminator sees
        self._judged: torch.Tensor | None = None

    def _image(self, outs: Outputs) -> torch.Tensor:
        """What is judged: the image output (ab or RGB), or a bin head's colours decoded."""
        image = outs.get("ab", outs.get("rgb"))
        return image if image is not None else self.net.decode(outs["logits"])

    def _d_input(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        cond = x[:, :self.condition] if self.condition else x
        if cond.shape[-2:] != out.shape[-2:]:
            cond = F.interpolate(cond, size=out.shape[-2:], mode="area")
        return torch.cat([cond, out], 1)

    def update(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """One discriminator step (label smoothing, noise and flips on its labels); its logs."""
        cfg = self.cfg
        fake = self._judged = self._image(outs)
        self.opt.zero_grad(set_to_none=True)
        tgt = y if y.shape[-2:] == fake.shape[-2:] else F.interpolate(y, size=fake.shape[-2:], mode="area")
        with self.autocast():
            d_real = self.D(self._d_input(x, tgt))
        l_real = losses.bce(d_real, losses.gan_labels(d_real, True, cfg.label_smoothing,
                                                      cfg.label_noise, cfg.label_flip))
        self.scaler.scale(0.5 * l_real).backward()
        with self.autocast():
            d_fake = self.D(self._d_input(x, fake.detach()))
        l_fake = losses.bce(d_fake, losses.gan_labels(d_fake, False, 0.0, cfg.label_noise, cfg.label_flip))
        self.scaler.scale(0.5 * l_fake).backward()
        if cfg.grad_clip > 0:
            self.scaler.unscale_(self.opt)
            torch.nn.utils.clip_grad_norm_(self.D.parameters(), cfg.grad_clip)
        self.scaler.step(self.opt)
        return {"d": float(0.5 * (l_real + l_fake).detach()),
                "d_real": float(torch.sigmoid(d_real.detach().float()).mean()),
                "d_fake": float(torch.sigmoid(d_fake.detach().float()).mean())}

    def generator_terms(self, outs: Outputs, x: torch.Tensor) -> Terms:
        """``g_adv``: the generator's image of this step (judged in :meth:`update`) called real."""
        d_gen = self.D(self._d_input(x, self._judged))
        return {"g_adv": self.cfg.adv_weight * losses.bce(d_gen, torch.ones_like(d_gen))}


# --------------------------------------------------------------------------- the step
@dataclass
class FamilyStep:
    """A family's training step: its input, its loss terms (in the order they are summed
    and logged), its adversary."""

    inputs: Callable[[torch.Tensor, torch.Tensor, np.random.Generator | None], torch.Tensor]
    terms: list[Term]
    adversary: NoAdversary | Adversary

    def discriminator_update(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Before the generator's step: a GAN's discriminator update and its logs ({} without one)."""
        return self.adversary.update(outs, x, y)

    def generator_terms(self, outs: Outputs, x: torch.Tensor, y: torch.Tensor) -> Terms:
        """Every loss term of the generator's step (their sum is what it minimises)."""
        out: Terms = {}
        for term in self.terms:
            out.update(term(outs, x, y))
        out.update(self.adversary.generator_terms(outs, x))
        return out


@dataclass
class Family:
    """What a family's loss terms are built from: the recipe, the generator (unwrapped: its
    own ``bin_loss``), its training outputs, whether it takes hints, and the recipe's
    optional parts (class rebalancing's table, a perceptual loss's network)."""

    cfg: TrainConfig
    net: torch.nn.Module
    outputs: tuple[str, ...]
    hints: bool
    rebalance: losses.AbRebalance | None = None
    perceptual: torch.nn.Module | None = None


def _mask_terms(f: Family) -> list[Term]:
    return [MaskTerm(f.cfg.loss, f.cfg.mask_pos_weight, f.cfg.pixel_weight)]


def _fill_terms(f: Family) -> list[Term]:
    return [FillTerm(f.cfg.loss, f.cfg.hole_weight, f.cfg.edge_weight, f.cfg.pixel_weight)]


def _bin_terms(f: Family) -> list[Term]:
    """A bin classifier alone: the recipe's loss is the bin head's."""
    return [BinTerm(f.net, bin_loss_name(f.cfg, f.outputs), f.cfg.pixel_weight, f.cfg.loss)]


def _image_terms(f: Family) -> list[Term]:
    """An image output (ab or RGB): a bin head beside it first, then the pixel loss (rare
    colours and hints weighted when the recipe asks), then a perceptual loss."""
    cfg, output = f.cfg, f.outputs[0]
    terms: list[Term] = []
    if "logits" in f.outputs:
        name = bin_loss_name(cfg, f.outputs)
        terms.append(BinTerm(f.net, name, cfg.bin_weight, f"bins_{name}"))
    weights: list[PixelWeight] = [RebalanceWeight(f.rebalance)] if f.rebalance is not None else []
    if f.hints and cfg.hint_weight > 0:
        weights.append(HintWeight(cfg.hint_weight, cfg.hint_sigma))
    terms.append(PixelTerm(cfg.loss, cfg.pixel_weight, output, weights))
    if f.perceptual is not None:
        terms.append(PerceptualTerm(f.perceptual, cfg.perceptual_weight, output))
    return terms


# The loss terms of each kind of first output a family declares (Network.train_outputs).
TERMS_BY_OUTPUT: dict[str, Callable[[Family], list[Term]]] = {
    "mask": _mask_terms, "fill": _fill_terms, "logits": _bin_terms, "ab": _image_terms, "rgb": _image_terms}


def bin_loss_name(cfg: TrainConfig, outputs: tuple[str, ...]) -> str:
    """The bin head's loss: the recipe's ``loss`` for a bin classifier alone, else ``bin_loss``."""
    return cfg.loss if outputs == ("logits",) else cfg.bin_loss


def family_step(family: Family, adversary: NoAdversary | Adversary | None = None) -> FamilyStep:
    """The training step of ``family``: its input (hint planes for a colorizer that takes
    them), its loss terms (:data:`TERMS_BY_OUTPUT` by its first output), its adversary."""
    cfg = family.cfg
    inputs = HintInputs(cfg.hint_p, cfg.hint_max) if family.hints and cfg.task == "colorize" else plain_inputs
    return FamilyStep(inputs, TERMS_BY_OUTPUT[family.outputs[0]](family), adversary or NoAdversary())
