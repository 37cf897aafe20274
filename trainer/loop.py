"""One training loop for every family: single process, or DDP under torchrun.

Distributed set-up comes from the environment torchrun provides (RANK, LOCAL_RANK,
WORLD_SIZE): ``nccl`` on GPUs, ``gloo`` on CPUs.  Each rank draws its share of every
epoch from a DistributedSampler (``set_epoch`` reshuffles); only rank 0 logs, validates,
writes samples and checkpoints.  Every sample's augmentation is seeded by
``(seed, step, rank, position)``, so ``--resume`` replays the same batches from the
last checkpoint on.  GAN families alternate a discriminator step and a generator step.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from colorstudio.core import checkpoint, color
from colorstudio.core.atomic import clean_stale
from colorstudio.models import registry
from trainer import data as tdata
from trainer import losses
from trainer.config import TrainConfig, save_config
from trainer.metrics import MetricsWriter

log = logging.getLogger("trainer")

CKPT_NAME = "last.pt"


class TrainError(RuntimeError):
    """Training cannot start or continue (bad data, missing checkpoint, ...)."""


# ---------------------------------------------------------------- distributed

@dataclass
class DistInfo:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed(device: str = "auto") -> DistInfo:
    """Read torchrun's environment; init the process group when WORLD_SIZE > 1."""
    from colorstudio.core.devices import pick_device

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if world > 1:
        use_cuda = device in ("auto", "cuda") and torch.cuda.is_available()
        if device == "cuda" and not use_cuda:
            raise TrainError("--device cuda was requested but no CUDA GPU is available")
        if use_cuda:
            torch.cuda.set_device(local)
            dev = torch.device("cuda", local)
        else:
            dev = torch.device("cpu")
        if not dist.is_initialized():
            dist.init_process_group("nccl" if use_cuda else "gloo")
        return DistInfo(rank, world, local, dev)
    dev = pick_device(device)
    if dev.type == "mps":
        dev = torch.device("cpu")  # BN + GAN training on MPS is unreliable; keep CPU
    return DistInfo(0, 1, 0, dev)


def _unwrap(m):
    return m.module if hasattr(m, "module") else m


# ---------------------------------------------------------------- model helpers

def init_from(model: torch.nn.Module, path: str) -> dict[str, int]:
    """Copy weights from ``path``; conv inputs the source lacks (the hint planes, when a
    colorizer seeds the hint model) get random weights at the scale of the copied ones.
    Those inputs are all zero without hints, so the model starts with the colorizer's
    behaviour; zero weights there would keep the hints near-silent for thousands of steps."""
    state, _ = checkpoint.load_weights(path)
    own = model.state_dict()
    new, padded = {}, 0
    for k, v in own.items():
        if k not in state:
            raise TrainError(f"--init {Path(path).name}: missing key {k}")
        src = state[k]
        if src.shape == v.shape:
            new[k] = src
        elif src.dim() == 4 and src.shape[0] == v.shape[0] and src.shape[2:] == v.shape[2:] \
                and src.shape[1] < v.shape[1]:
            w = torch.randn_like(v) * src.float().std().to(v.dtype)
            w[:, :src.shape[1]] = src
            new[k] = w
            padded += 1
        else:
            raise TrainError(f"--init {Path(path).name}: {k} has shape {tuple(src.shape)}, "
                             f"the model needs {tuple(v.shape)}")
    model.load_state_dict(new)
    return {"copied": len(new), "padded_inputs": padded}


def create_discriminator(name: str, **cfg: Any) -> torch.nn.Module:
    fn = getattr(registry, "create_discriminator", None)
    if fn is None:
        raise TrainError("this build has no discriminators (registry.create_discriminator missing)")
    return fn(name, **cfg)


def sample_hints(ab: torch.Tensor, rng: np.random.Generator, p: float = 0.125,
                 max_hints: int = 32) -> torch.Tensor:
    """Hint channels (N, 3, H, W) = (a, b, mask) revealed from the ground truth ab.

    As Zhang et al. 2017: the number of hints is geometric(p) - 1 (so some images get
    none), each hint a square patch of side 1..5 px holding the patch's mean ab; positions
    uniform over the image (a user clicks anywhere, not only near the centre).
    """
    n, _, h, w = ab.shape
    out = torch.zeros(n, 3, h, w, dtype=ab.dtype, device=ab.device)
    for i in range(n):
        k = min(int(rng.geometric(p)) - 1, max_hints)
        for _ in range(k):
            s = int(rng.integers(1, 6))
            cy = int(rng.integers(0, h - s + 1))
            cx = int(rng.integers(0, w - s + 1))
            patch = ab[i, :, cy:cy + s, cx:cx + s]
            out[i, :2, cy:cy + s, cx:cx + s] = patch.mean((1, 2), keepdim=True)
            out[i, 2, cy:cy + s, cx:cx + s] = 1.0
    return out


def _sample_seed(seed: int, step: int, rank: int, j: int) -> int:
    return int(np.random.SeedSequence([seed, step, rank, j]).generate_state(1)[0] & 0x7FFFFFFF)


def _rng_state() -> dict[str, Any]:
    st = {"torch": torch.get_rng_state(), "python": random.getstate(),
          "numpy": {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                    for k, v in zip(("kind", "keys", "pos", "has_gauss", "cached"), np.random.get_state())}}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def _set_rng_state(st: dict[str, Any]) -> None:
    torch.set_rng_state(st["torch"])
    py = st["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = st["numpy"]
    np.random.set_state((n["kind"], np.asarray(n["keys"], np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


# ---------------------------------------------------------------- the trainer

class Trainer:
    """Builds model(s), data and optimisers from a config; ``run()`` trains to the end,
    to ``epochs`` or to the time budget, whichever comes first."""

    def __init__(self, cfg: TrainConfig, run_dir: str | Path, resume: bool = False):
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.dist = setup_distributed(cfg.device)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.device = self.dist.device
        self.amp = bool(cfg.amp and self.device.type == "cuda")
        self.notes: dict[str, Any] = {}
        torch.manual_seed(cfg.seed)  # same init on every rank (DDP also broadcasts)
        np.random.seed(cfg.seed)
        random.seed(cfg.seed)

        self._build_data()
        self._build_models()
        self.step = 0
        self.epoch = 0
        self.elapsed_before = 0.0
        self.last_val: dict[str, float] = {}
        ck = self.run_dir / "checkpoints" / CKPT_NAME
        if self.dist.main:
            for folder in (self.run_dir, ck.parent, self.run_dir / "samples"):
                clean_stale(folder)  # a kill mid-write leaves a temp file; its process is gone
        if resume:
            if not ck.is_file():
                raise TrainError(f"--resume: no checkpoint at {ck}")
            self._load_checkpoint(ck)
        elif ck.is_file() and self.dist.main:
            raise TrainError(f"{self.run_dir} already holds a run; use --resume to continue it "
                             "or choose another --out")
        self.metrics = MetricsWriter(self.run_dir, enabled=self.dist.main, time_offset=self.elapsed_before)

    # ------------------------------------------------------------ building
    def _build_data(self) -> None:
        cfg = self.cfg
        if not cfg.data:
            raise TrainError("no training data: give --data DIR")
        if cfg.task == "colorize":
            self.train_set, self.val_set, self.val_files = tdata.photo_datasets(cfg)
        else:
            self.train_set, self.val_set, self.val_files = tdata.pair_datasets(cfg)
        per_rank = len(self.train_set) // self.dist.world
        if per_rank < cfg.batch_size:
            raise TrainError(f"{len(self.train_set)} training images are fewer than one batch of "
                             f"{cfg.batch_size} per process; lower --set batch_size")
        self.sampler = torch.utils.data.DistributedSampler(
            range(len(self.train_set)), num_replicas=self.dist.world, rank=self.dist.rank,
            shuffle=True, seed=cfg.seed, drop_last=True)
        self.steps_per_epoch = len(self.sampler) // cfg.batch_size

    def _build_models(self) -> None:
        cfg = self.cfg
        spec = registry.spec(cfg.family)
        if spec.task != cfg.task:
            raise TrainError(f"recipe task {cfg.task!r} does not fit model {cfg.family!r} ({spec.task})")
        g = registry.create(cfg.family, weights=False, **cfg.model)
        if cfg.init:
            self.notes["init"] = {"from": cfg.init, **init_from(g, cfg.init)}
        self.hint_channels = getattr(g, "hint_channels", 0)
        self.G = g.to(self.device).train()
        self.D = None
        if cfg.adv_weight > 0:
            d = create_discriminator(cfg.discriminator, **cfg.discriminator_config)
            self.D = d.to(self.device).train()
        self.rebalance = None
        if cfg.loss == "l1-rebalanced" and cfg.task == "colorize":
            self.rebalance = losses.AbRebalance.from_samples(
                self.train_set.ab_sample(), cfg.rebalance_lambda).to(self.device)
        self.vgg = None
        if cfg.recipe == "perceptual" or cfg.vgg_weights:
            if cfg.vgg_weights:
                from colorstudio.models.perceptual import load_vgg16

                self.vgg = load_vgg16(cfg.vgg_weights).to(self.device)
                self.notes["loss"] = (f"VGG16 perceptual ({', '.join(self.vgg.layers)}, weights "
                                      f"{Path(cfg.vgg_weights).name}) + {cfg.loss} pixel")
            else:
                self.notes["loss"] = f"{cfg.loss} pixel loss (no --vgg-weights given, no perceptual term)"
        self.bins = getattr(g, "bins", None) if hasattr(g, "bin_loss") else None
        if self.bins is not None and cfg.loss == "ce-rebalanced":
            from colorstudio.core import abbins

            bins = self.bins.cpu().numpy()
            prior = abbins.empirical_prior(self.train_set.ab_sample(), bins, smooth_sigma=5.0)
            g.set_class_weights(abbins.rebalance_weights(prior, cfg.rebalance_lambda))
        if self.dist.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.G = DDP(self.G, device_ids=ids)
            if self.D is not None:
                self.D = DDP(self.D, device_ids=ids)
        self.ema = None
        if cfg.ema > 0:
            import copy

            self.ema = copy.deepcopy(_unwrap(self.G)).eval().requires_grad_(False)
        self.opt_G = self._optimizer(self.G.parameters(), cfg.lr)
        self.opt_D = self._optimizer(self.D.parameters(), cfg.d_lr or cfg.lr) if self.D is not None else None
        self.sched = None
        if cfg.lr_step_epochs > 0:
            self.sched = torch.optim.lr_scheduler.StepLR(self.opt_G, cfg.lr_step_epochs, cfg.lr_gamma)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)

    def _optimizer(self, params, lr: float):
        cfg = self.cfg
        if cfg.optimizer == "adam":
            return torch.optim.Adam(params, lr=lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
        if cfg.optimizer == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr, weight_decay=cfg.weight_decay)
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=cfg.weight_decay)

    # ------------------------------------------------------------ checkpoints
    def checkpoint_state(self) -> dict[str, Any]:
        return {
            "G": _unwrap(self.G).state_dict(),
            "G_ema": self.ema.state_dict() if self.ema is not None else None,
            "D": _unwrap(self.D).state_dict() if self.D is not None else None,
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict() if self.opt_D is not None else None,
            "sched": self.sched.state_dict() if self.sched is not None else None,
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch, "step": self.step,
            "elapsed": self.elapsed_before + (time.time() - self.t_start if hasattr(self, "t_start") else 0.0),
            "rng": _rng_state(),
            "config": self.cfg.to_dict(),
            "family": self.cfg.family,
            "model_config": dict(_unwrap(self.G).config if hasattr(_unwrap(self.G), "config") else self.cfg.model),
            "val": dict(self.last_val),
            "notes": _jsonable(self.notes),
            "steps_per_epoch": self.steps_per_epoch,
            "train_images": len(self.train_set),
            "world_size": self.dist.world,
            "skipped_gray": self.train_set.report.skipped_gray,
        }

    def save_checkpoint(self) -> Path:
        state = self.checkpoint_state()
        path = self.run_dir / "checkpoints" / CKPT_NAME
        checkpoint.atomic_write(path, lambda tmp: torch.save(state, tmp))
        return path

    def _load_checkpoint(self, path: Path) -> None:
        try:
            st = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:
            raise TrainError(f"cannot resume from {path}: {checkpoint.unsafe_load_reason(exc)}") from None
        if not isinstance(st, dict) or not isinstance(st.get("G"), dict):
            raise TrainError(f"cannot resume from {path}: not a ColorStudio training checkpoint")
        try:
            checkpoint.load_into_check(_unwrap(self.G), st["G"], path.name)
            if self.D is not None and st.get("D") is not None:
                checkpoint.load_into_check(_unwrap(self.D), st["D"], path.name)
        except checkpoint.CheckpointError as exc:
            was = st.get("family"), st.get("model_config")
            raise TrainError(f"cannot resume: {path} holds a {was[0]} model {was[1]}, not this run's "
                             f"{self.cfg.family} {dict(self.cfg.model)} ({str(exc)[:300]})") from None
        _unwrap(self.G).load_state_dict(st["G"])
        if self.ema is not None:
            self.ema.load_state_dict(st["G_ema"] if st.get("G_ema") is not None else st["G"])
        if self.D is not None and st.get("D") is not None:
            _unwrap(self.D).load_state_dict(st["D"])
        self.opt_G.load_state_dict(st["opt_G"])
        if self.opt_D is not None and st.get("opt_D") is not None:
            self.opt_D.load_state_dict(st["opt_D"])
        if self.sched is not None and st.get("sched") is not None:
            self.sched.load_state_dict(st["sched"])
        self.scaler.load_state_dict(st["scaler"])
        self.epoch, self.step = int(st["epoch"]), int(st["step"])
        self.elapsed_before = float(st.get("elapsed", 0.0))
        self.last_val = dict(st.get("val") or {})
        self.notes.update(st.get("notes") or {})
        old, new = st.get("config") or {}, self.cfg.to_dict()
        defaults = type(self.cfg)().to_dict()  # keys an older run's config did not have yet
        before = {k: old.get(k, defaults.get(k)) for k in new}
        changed = {k: [before[k], v] for k, v in new.items()
                   if k not in ("out", "time_budget", "threads", "device") and before[k] != v}
        if changed:  # a resumed run that changed its recipe: keep the history in the metadata
            self.notes.setdefault("history", []).append({"step": self.step, "changed": changed})
        if "lr" in changed or "d_lr" in changed:  # the optimizer state carried the old rate
            for opt, lr in ((self.opt_G, self.cfg.lr), (self.opt_D, self.cfg.d_lr or self.cfg.lr)):
                for group in (opt.param_groups if opt is not None else ()):
                    group["lr"] = group["initial_lr"] = lr
            if self.sched is not None:
                self.sched.base_lrs = [self.cfg.lr for _ in self.sched.base_lrs]
        _set_rng_state(st["rng"])

    # ------------------------------------------------------------ one step
    def _epoch_batches(self, epoch_indices: list[int], first: int):
        """Batches ``first``.. of this epoch; items are ``(index, seed)`` so the samples
        do not depend on where they are decoded (main process or DataLoader workers)."""
        bs, spe = self.cfg.batch_size, self.steps_per_epoch
        batches = [[(i, _sample_seed(self.cfg.seed, self.epoch * spe + b, self.dist.rank, j))
                    for j, i in enumerate(epoch_indices[b * bs:(b + 1) * bs])] for b in range(first, spe)]
        if self.cfg.cache or self.cfg.num_workers <= 0:
            for items in batches:
                yield _collate([self.train_set[it] for it in items])
            return
        loader = torch.utils.data.DataLoader(self.train_set, batch_sampler=batches, collate_fn=_collate,
                                             num_workers=self.cfg.num_workers, prefetch_factor=2)
        yield from loader

    def _inputs(self, x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator | None) -> torch.Tensor:
        if self.hint_channels and self.cfg.task == "colorize":
            if rng is None:
                rng = np.random.default_rng(1234)
            x = torch.cat([x, sample_hints(y, rng, self.cfg.hint_p, self.cfg.hint_max)], 1)
        return x

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.float16, enabled=self.amp)

    def _pixel_terms(self, out: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        terms: dict[str, torch.Tensor] = {}
        if self.bins is not None:
            terms[cfg.loss] = _unwrap(self.G).bin_loss(out, y, cfg.loss) * cfg.pixel_weight
            return terms
        if y.shape[-2:] != out.shape[-2:]:
            y = F.interpolate(y, size=out.shape[-2:], mode="area")
        w = self.rebalance(y) if self.rebalance is not None else None
        if self.hint_channels and cfg.hint_weight > 0:
            near = losses.hint_neighbourhood(x[:, -1:], cfg.hint_sigma, out.shape[-2:])
            w = (1.0 + cfg.hint_weight * near) * (w if w is not None else 1.0)
        terms[cfg.loss] = losses.pixel_loss(cfg.loss, out.float(), y.float(), w) * cfg.pixel_weight
        if self.vgg is not None:
            l = x[:, :1]
            terms["perceptual"] = cfg.perceptual_weight * losses.perceptual_loss(
                self.vgg, losses.lab_norm_to_rgb(l, out.float()), losses.lab_norm_to_rgb(l, y.float()))
        return terms

    def _d_input(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """Colorize: the Lab image (L + ab); translate: conditional (input, output)."""
        cond = x[:, :1] if self.cfg.task == "colorize" else x
        if cond.shape[-2:] != out.shape[-2:]:
            cond = F.interpolate(cond, size=out.shape[-2:], mode="area")
        return torch.cat([cond, out], 1)

    def train_step(self, x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator) -> dict[str, float]:
        cfg = self.cfg
        x = self._inputs(x, y, rng).to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        logs: dict[str, float] = {}
        with self._autocast():
            out = self.G(x)
        fake_ab = _unwrap(self.G).decode(out) if self.bins is not None else out
        if self.D is not None:
            self.opt_D.zero_grad(set_to_none=True)
            tgt = y if y.shape[-2:] == fake_ab.shape[-2:] else F.interpolate(y, size=fake_ab.shape[-2:], mode="area")
            with self._autocast():
                d_real = self.D(self._d_input(x, tgt))
            l_real = losses.bce(d_real, losses.gan_labels(d_real, True, cfg.label_smoothing,
                                                          cfg.label_noise, cfg.label_flip))
            self.scaler.scale(0.5 * l_real).backward()
            with self._autocast():
                d_fake = self.D(self._d_input(x, fake_ab.detach()))
            l_fake = losses.bce(d_fake, losses.gan_labels(d_fake, False, 0.0, cfg.label_noise, cfg.label_flip))
            self.scaler.scale(0.5 * l_fake).backward()
            if cfg.grad_clip > 0:
                self.scaler.unscale_(self.opt_D)
                torch.nn.utils.clip_grad_norm_(self.D.parameters(), cfg.grad_clip)
            self.scaler.step(self.opt_D)
            logs["d"] = float(0.5 * (l_real + l_fake).detach())
            logs["d_real"] = float(torch.sigmoid(d_real.detach().float()).mean())
            logs["d_fake"] = float(torch.sigmoid(d_fake.detach().float()).mean())
        self.opt_G.zero_grad(set_to_none=True)
        with self._autocast():
            terms = self._pixel_terms(out, x, y)
            if self.D is not None:
                d_gen = self.D(self._d_input(x, fake_ab))
                terms["g_adv"] = cfg.adv_weight * losses.bce(d_gen, torch.ones_like(d_gen))
        total = sum(terms.values())
        if not torch.isfinite(total):
            raise TrainError(f"loss became {float(total)} at step {self.step}; lower the learning rate")
        self.scaler.scale(total).backward()
        if cfg.grad_clip > 0:
            self.scaler.unscale_(self.opt_G)
            torch.nn.utils.clip_grad_norm_(self.G.parameters(), cfg.grad_clip)
        self.scaler.step(self.opt_G)
        self.scaler.update()
        if self.ema is not None:
            self._update_ema()
        logs.update({k.replace("-", "_"): float(v.detach()) for k, v in terms.items()})
        logs["total"] = float(total.detach())
        return logs

    @torch.no_grad()
    def _update_ema(self) -> None:
        d = self.cfg.ema
        live = _unwrap(self.G).state_dict()
        for k, e in self.ema.state_dict().items():
            if e.is_floating_point():
                e.mul_(d).add_(live[k].to(e.dtype), alpha=1.0 - d)
            else:
                e.copy_(live[k])

    # ------------------------------------------------------------ validation and samples
    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Generator output in the task's image space (ab_norm, or RGB in [-1, 1]);
        the moving average of G when ``ema`` is on."""
        g = self.ema if self.ema is not None else _unwrap(self.G)
        was = g.training
        g.eval()
        try:
            out = g.predict_ab(x.to(self.device)) if self.cfg.task == "colorize" else g(x.to(self.device))
        finally:
            g.train(was)
        return out.float().cpu()

    def _val_batches(self):
        n = min(len(self.val_set), self.cfg.val_images)
        for s in range(0, n, 16):
            items = [self.val_set[i] for i in range(s, min(n, s + 16))]
            xs, ys = zip(*items)
            yield torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))

    def validate(self) -> dict[str, float]:
        from trainer import scores

        acc: dict[str, list[float]] = {}
        rng = np.random.default_rng(4321)
        for x, y in self._val_batches():
            xin = self._inputs(x, y, rng)
            out = self.predict(xin)
            for i in range(x.shape[0]):
                for k, v in self._image_scores(x[i], out[i], y[i], scores).items():
                    acc.setdefault(k, []).append(v)
        res = {k: float(np.mean(v)) for k, v in acc.items()}
        if "colourfulness" in res and res.get("colourfulness_gt"):
            res["colourfulness_ratio"] = res["colourfulness"] / res["colourfulness_gt"]
        return res

    def _image_scores(self, x, out, y, scores) -> dict[str, float]:
        if self.cfg.task == "translate":
            p, t = _to01(out), _to01(y)
            return {"l1": float(np.abs(p - t).mean()), "psnr": scores.psnr(p, t)}
        L = color.denormalize_l(x[0].numpy())
        ab_p = _resize_ab(color.denormalize_ab(out.numpy()).transpose(1, 2, 0), L.shape)
        ab_t = color.denormalize_ab(y.numpy()).transpose(1, 2, 0)
        rgb_p, rgb_t = color.lab_compose(L, ab_p), color.lab_compose(L, ab_t)
        rgb_0 = color.lab_compose(L, np.zeros_like(ab_t))
        return {"l1_ab": float(np.abs(ab_p - ab_t).mean()), "psnr_rgb": scores.psnr(rgb_p, rgb_t),
                "psnr_rgb_gray": scores.psnr(rgb_0, rgb_t), "colourfulness": scores.colourfulness(rgb_p),
                "colourfulness_gt": scores.colourfulness(rgb_t)}

    def save_samples(self, tag: str) -> Path | None:
        """Grid PNG: one row per fixed validation image: input | prediction | ground truth."""
        import cv2

        n = min(self.cfg.sample_images, len(self.val_set))
        if n == 0:
            return None
        picks = np.linspace(0, len(self.val_set) - 1, n).round().astype(int)
        xs, ys = zip(*(self.val_set[int(i)] for i in picks))
        x, y = torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))
        out = self.predict(self._inputs(x, y, np.random.default_rng(4321)))
        rows = []
        for i in range(n):
            if self.cfg.task == "translate":
                cells = [_to01(x[i]), _to01(out[i]), _to01(y[i])]
            else:
                L = color.denormalize_l(x[i, 0].numpy())
                ab_p = _resize_ab(color.denormalize_ab(out[i].numpy()).transpose(1, 2, 0), L.shape)
                ab_t = color.denormalize_ab(y[i].numpy()).transpose(1, 2, 0)
                gray = np.repeat((L / 100.0)[:, :, None], 3, 2)
                cells = [gray, color.lab_compose(L, ab_p), color.lab_compose(L, ab_t)]
            rows.append(np.concatenate(cells, 1))
        grid = (np.clip(np.concatenate(rows, 0), 0, 1) * 255 + 0.5).astype(np.uint8)
        folder = self.run_dir / "samples"
        folder.mkdir(parents=True, exist_ok=True)
        ok, buf = cv2.imencode(".png", grid[:, :, ::-1])
        path = folder / f"{tag}.png"
        for p in (path, folder / "latest.png"):
            checkpoint.atomic_write(p, lambda tmp: Path(tmp).write_bytes(buf.tobytes()))
        return path

    # ------------------------------------------------------------ the loop
    def _lr(self) -> float:
        return float(self.opt_G.param_groups[0]["lr"])

    def _stop_agreed(self, stop: bool) -> bool:
        if self.dist.world == 1:
            return stop
        t = torch.tensor([1.0 if stop else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def _evaluate_and_log(self, tag: str | None) -> None:
        if getattr(self, "_val_step", None) == self.step:  # val_every and the epoch end coincide
            return
        self._val_step = self.step
        if self.dist.main:
            self.last_val = self.validate()
            self.metrics.val(self.step, self.epoch, self.last_val)
            if tag:
                self.save_samples(tag)
        self._barrier()

    def _install_stop_handler(self):
        """SIGTERM/SIGINT (the GUI's stop button, Ctrl+C) end the run cleanly at the next
        step: checkpoint, validation, samples and export as for a time budget."""
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum, frame):
            if self._stop_signal is not None:  # second signal: stop now
                raise KeyboardInterrupt
            self._stop_signal = signal.Signals(signum).name

        return {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}

    @staticmethod
    def _restore_stop_handler(previous) -> None:
        import signal

        for sig, h in (previous or {}).items():
            signal.signal(sig, h)

    def _sync_buffers(self) -> None:
        """BN running statistics drift apart after the last forward on each rank's own
        batch; take rank 0's so every rank (and the export) ends with one model."""
        if self.dist.world == 1:
            return
        for m in (self.G, self.D):
            if m is not None:
                for b in _unwrap(m).buffers():
                    dist.broadcast(b, 0)

    def _barrier(self) -> None:
        if self.dist.world > 1:
            dist.barrier()

    def run(self) -> dict[str, Any]:
        cfg = self.cfg
        self.t_start = time.time()
        main = self.dist.main
        if main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            save_config(cfg, self.run_dir / "config.json")
            (self.run_dir / "val_files.txt").write_text(
                "\n".join(str(p) for p in self.val_files) + "\n")
            rep = self.train_set.report
            msg = (f"{cfg.recipe}: {rep.used} training images ({rep.skipped_gray} grayscale skipped, "
                   f"{rep.unreadable} unreadable), {len(self.val_files)} held out, "
                   f"{self.steps_per_epoch} steps/epoch x {self.dist.world} process(es) on {self.device}"
                   + (f", resumed at step {self.step}" if self.step else ""))
            log.info(msg)
            extra = {"resumed_from": self.step} if self.step else {}  # later points of the old file are superseded
            self.metrics.event("start", msg, train_images=rep.used, skipped_gray=rep.skipped_gray,
                               held_out=len(self.val_files), world_size=self.dist.world,
                               device=str(self.device), notes=_jsonable(self.notes), **extra)
        self._stop_signal = None
        previous = self._install_stop_handler()
        try:
            reason = self._loop()
        except BaseException as exc:
            if main:
                self.metrics.event("error", f"{type(exc).__name__}: {exc}")
                self.metrics.close()
            raise
        finally:
            self._restore_stop_handler(previous)
        self._sync_buffers()
        result: dict[str, Any] = {"step": self.step, "epoch": self.epoch, "reason": reason}
        if main:
            self.last_val = self.validate()
            self.metrics.val(self.step, self.epoch, self.last_val)
            self.save_samples(f"epoch_{self.epoch:04d}")
            self.save_checkpoint()
            self.metrics.event("checkpoint", f"step {self.step}", step=self.step)
            from trainer.export import export_run
            model = export_run(self.run_dir, self.run_dir / "model.safetensors")
            result.update(val=self.last_val, model=str(model))
            self.metrics.event("end", f"{reason} at step {self.step} (epoch {self.epoch}); "
                               f"exported {model.name}", reason=reason)
            self.metrics.close()
        self._barrier()
        return result

    def _loop(self) -> str:
        cfg = self.cfg
        budget = cfg.time_budget * 60.0 if cfg.time_budget > 0 else math.inf
        ck_every = cfg.checkpoint_every or cfg.log_every
        window_t, window_n, window_logs = time.time(), 0, {}
        start_step = self.step
        if cfg.max_steps and self.step >= cfg.max_steps:
            return "step limit reached"
        while self.epoch < cfg.epochs:
            self.sampler.set_epoch(self.epoch)
            indices = list(self.sampler)
            first = self.step - self.epoch * self.steps_per_epoch
            for x, y in self._epoch_batches(indices, first):
                rng = np.random.default_rng(_sample_seed(cfg.seed, self.step, self.dist.rank, 10_000))
                logs = self.train_step(x, y, rng)
                self.step += 1
                window_n += x.shape[0] * self.dist.world
                for k, v in logs.items():
                    window_logs.setdefault(k, []).append(v)
                reason = None
                if cfg.max_steps and self.step >= cfg.max_steps:
                    reason = "step limit reached"
                elif self._stop_agreed(time.time() - self.t_start >= budget or self._stop_signal is not None):
                    reason = f"stopped by {self._stop_signal}" if self._stop_signal else "time budget reached"
                epoch_end = self.step - self.epoch * self.steps_per_epoch >= self.steps_per_epoch
                # A point every log_every steps, and also at the run's first step, at each
                # epoch's end and at the last step: a short run shows its curve at once.
                if self.dist.main and (self.step % cfg.log_every == 0 or self.step == start_step + 1
                                       or epoch_end or reason):
                    now = time.time()
                    self.metrics.train(self.step, self.epoch, self._lr(), window_n / max(1e-9, now - window_t),
                                       {k: float(np.mean(v)) for k, v in window_logs.items()})
                    window_t, window_n, window_logs = now, 0, {}
                if self.step % ck_every == 0 and self.dist.main:
                    self.save_checkpoint()
                    self.metrics.event("checkpoint", f"step {self.step}", step=self.step)
                if cfg.val_every and self.step % cfg.val_every == 0:
                    self._evaluate_and_log(None)
                    if self.dist.main:
                        self.save_samples("latest")
                if reason:
                    return reason
            self.epoch += 1
            if self.sched is not None:
                self.sched.step()
            if self.epoch < cfg.epochs:
                self._evaluate_and_log(f"epoch_{self.epoch:04d}")
        return "all epochs done"


def _collate(items) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = zip(*items)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def _to01(t: torch.Tensor) -> np.ndarray:
    return np.clip((t.numpy().transpose(1, 2, 0) + 1.0) * 0.5, 0.0, 1.0)


def _resize_ab(ab: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    if ab.shape[:2] == tuple(shape):
        return ab
    return cv2.resize(ab, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def _jsonable(obj: Any) -> Any:
    import json

    return json.loads(json.dumps(obj, default=str))


def train(cfg: TrainConfig, run_dir: str | Path, resume: bool = False) -> dict[str, Any]:
    """Run a training job to completion; returns step, epoch, stop reason and final val scores."""
    trainer = Trainer(cfg, run_dir, resume=resume)
    try:
        return trainer.run()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
