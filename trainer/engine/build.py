"""What a run is built from, as functions of its config: the data, the generator (ImageNet
start, ``--init`` surgery), the discriminator, the loss networks and the optimisers.

The :class:`~trainer.engine.loop.Trainer` calls these once and owns what they return;
keeping them apart keeps the loop about stepping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from colorstudio.models import registry
from trainer import data as tdata
from trainer.settings import TrainConfig
from trainer.engine import losses
from trainer.engine.balance import FolderBalancedSampler, folder_of
from trainer.engine.surgery import init_from
from trainer.errors import TrainError


@dataclass
class Data:
    train_set: Any
    val_set: Any
    val_files: list[Path]
    sampler: Any                  # DistributedSampler or engine.balance.FolderBalancedSampler
    steps_per_epoch: int


def data(cfg: TrainConfig, world: int, rank: int) -> Data:
    """The training and held-out sets, and this rank's share of every epoch."""
    if not cfg.data:
        raise TrainError("no training data: give --data DIR")
    datasets = {"colorize": tdata.photo_datasets, "translate": tdata.pair_datasets,
                "restore": tdata.damage_datasets, "inpaint": tdata.inpaint_datasets}[cfg.task]
    train_set, val_set, val_files = datasets(cfg)
    if len(train_set) // world < cfg.batch_size:
        raise TrainError(f"{len(train_set)} training images are fewer than one batch of "
                         f"{cfg.batch_size} per process; lower --set batch_size")
    if cfg.folder_balance < 1.0:
        root = Path(cfg.data)
        sampler = FolderBalancedSampler([folder_of(f, root) for f in train_set.files], cfg.folder_balance,
                                        num_replicas=world, rank=rank, seed=cfg.seed)
    else:
        sampler = torch.utils.data.DistributedSampler(
            range(len(train_set)), num_replicas=world, rank=rank, shuffle=True, seed=cfg.seed, drop_last=True)
    return Data(train_set, val_set, val_files, sampler, len(sampler) // cfg.batch_size)


def generator(cfg: TrainConfig, notes: dict[str, Any]) -> torch.nn.Module:
    """The family's network: ImageNet weights for its pretrained part when the recipe asks,
    then ``--init`` weights copied in (what each start did goes into ``notes``)."""
    spec = registry.spec(cfg.family)
    if spec.task != cfg.task:
        raise TrainError(f"recipe task {cfg.task!r} does not fit model {cfg.family!r} ({spec.task})")
    g = registry.create(cfg.family, weights=False, **cfg.model)
    if cfg.pretrained:
        from colorstudio.models.effnet_lite import EncoderWeightsMissing

        try:
            notes["pretrained"] = g.init_pretrained()
        except (ValueError, EncoderWeightsMissing) as exc:
            raise TrainError(f"pretrained = true: {exc}") from None
    if cfg.init:
        notes["init"] = {"from": cfg.init, **init_from(g, cfg.init)}
    return g


def discriminator(cfg: TrainConfig) -> torch.nn.Module | None:
    return registry.create_discriminator(cfg.discriminator, **cfg.discriminator_config) \
        if cfg.adv_weight > 0 else None


def perceptual_net(cfg: TrainConfig, notes: dict[str, Any]) -> torch.nn.Module | None:
    """The frozen ImageNet network of a perceptual loss, when the recipe has one."""
    if cfg.perceptual_net == "effnet-lite0":
        from colorstudio.models.effnet_lite import EncoderWeightsMissing, ImageNetFeatures

        try:
            net = ImageNetFeatures(0)
        except EncoderWeightsMissing as exc:
            raise TrainError(f"perceptual_net = effnet-lite0: {exc}") from None
        notes["loss"] = (f"ImageNet EfficientNet-Lite0 perceptual ({', '.join(net.layers)}) "
                         f"x{cfg.perceptual_weight:g} + {cfg.loss} pixel")
        return net
    if cfg.vgg_weights:
        from colorstudio.models.perceptual import load_vgg16

        net = load_vgg16(cfg.vgg_weights)
        notes["loss"] = (f"VGG16 perceptual ({', '.join(net.layers)}, weights "
                         f"{Path(cfg.vgg_weights).name}) + {cfg.loss} pixel")
        return net
    if cfg.perceptual_net == "vgg16":
        notes["loss"] = f"{cfg.loss} pixel loss (no --vgg-weights given, no perceptual term)"
    return None


def rebalance(cfg: TrainConfig, train_set) -> losses.AbRebalance | None:
    """Per-pixel weights by ab rarity, for the class-rebalanced L1."""
    if cfg.loss == "l1-rebalanced" and cfg.task == "colorize":
        return losses.AbRebalance.from_samples(train_set.ab_sample(), cfg.rebalance_lambda)
    return None


def bin_class_weights(g: torch.nn.Module, loss_name: str, cfg: TrainConfig, train_set) -> None:
    """A bin head trained with rebalanced cross-entropy gets its classes' weights from the
    training set's ab prior.  A family that can undo them at decoding time (a
    ``class_weights`` factory option: ``models.ab_bins.calibrated_decode``) keeps them in its
    config, so the exported file carries the rebalancing its probabilities were bent by."""
    bins = g.bin_centres()
    if bins is None or loss_name != "ce-rebalanced":
        return
    import inspect

    from colorstudio.core.color import abbins

    prior = abbins.empirical_prior(train_set.ab_sample(), bins.cpu().numpy(), smooth_sigma=5.0)
    w = abbins.rebalance_weights(prior, cfg.rebalance_lambda)
    g.set_class_weights(w)
    if hasattr(g, "config") and "class_weights" in inspect.signature(registry.spec(cfg.family).factory).parameters:
        g.config["class_weights"] = [round(float(v), 5) for v in w]


def param_groups(g: torch.nn.Module, pretrained: torch.nn.Module | None, cfg: TrainConfig) -> list[dict[str, Any]]:
    """The generator's parameters; a pretrained part in its own group at ``pretrained_lr``
    times the rate (``lr_mult`` keeps the ratio on resume)."""
    if pretrained is None:
        return [{"params": list(g.parameters()), "lr_mult": 1.0}]
    pre = {id(p) for p in pretrained.parameters()}
    return [{"params": [p for p in g.parameters() if id(p) not in pre], "lr_mult": 1.0},
            {"params": list(pretrained.parameters()), "lr": cfg.lr * cfg.pretrained_lr,
             "lr_mult": cfg.pretrained_lr}]


def optimizer(cfg: TrainConfig, params, lr: float) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=cfg.weight_decay)
