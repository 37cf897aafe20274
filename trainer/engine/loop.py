"""One training loop for every family: single process, or DDP under torchrun.

Distributed set-up (:mod:`trainer.engine.distributed`) comes from the environment torchrun
provides: ``nccl`` on GPUs, ``gloo`` on CPUs.  Each rank draws its share of every epoch
from a DistributedSampler (``set_epoch`` reshuffles); only rank 0 logs, validates
(:mod:`trainer.engine.validation`), writes samples and checkpoints (:mod:`trainer.engine.checkpoints`).
Every sample's augmentation is seeded by ``(seed, step, rank, position)``
(:mod:`trainer.engine.sampling`), so ``--resume`` replays the same batches from the last
checkpoint on.  What a run is built from (data, networks, optimisers) comes from
:mod:`trainer.engine.build`; what a step computes for the family -- its input, its loss
terms, a GAN's discriminator update -- from :mod:`trainer.engine.steps`; what happens
around the steps (logs, checkpoints, validation) from :mod:`trainer.engine.hooks`.
"""

from __future__ import annotations

import logging
import math
import random
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
import torch.distributed as dist

from colorstudio.core.io import atomic
from colorstudio.core.io.atomic import clean_stale
from colorstudio.core.io.runs import RunLayout, RunLock
from colorstudio.models import registry
from trainer.engine import build, checkpoints, steps
from trainer.engine.checkpoints import jsonable, read_state
from trainer.config import save_config
from trainer.settings import TrainConfig
from trainer.engine.distributed import any_rank, barrier, broadcast_buffers, setup_distributed, unwrap
from trainer.errors import TrainError
from trainer.engine.hooks import StepInfo, default_hooks
from trainer.engine.metrics import MetricsWriter
from trainer.engine.sampling import epoch_batches, rng_state, sample_seed, set_rng_state
from trainer.engine.signals import StopRequest, die_with_parent
from trainer.engine.validation import Validator

__all__ = ["Trainer", "TrainError", "train"]

log = logging.getLogger("trainer")


class Trainer:
    """Builds model(s), data and optimisers from a config; ``run()`` trains to the end,
    to ``epochs`` or to the time budget, whichever comes first."""

    def __init__(self, cfg: TrainConfig, run_dir: str | Path, resume: bool = False):
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.hooks = default_hooks(cfg)   # logging, checkpoints, validation (trainer.engine.hooks)
        self.layout = RunLayout(self.run_dir)
        self.dist = setup_distributed(cfg.device)
        self.lock = RunLock(self.run_dir)
        if self.dist.main:
            self.lock.check()   # refused before any data is read
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
        self.validator = Validator(cfg, self.val_set, self.layout, self.device, self._inputs, self.generator)
        self.step = 0
        self.epoch = 0
        self.elapsed_before = 0.0
        self.last_val: dict[str, float] = {}
        ck = self.layout.checkpoint
        if self.dist.main:
            for folder in (self.run_dir, self.layout.checkpoints, self.layout.samples):
                clean_stale(folder)  # a kill mid-write leaves a temp file; its process is gone
        if resume:
            if not ck.is_file():
                raise TrainError(f"--resume: no checkpoint at {ck}")
            self.load_state_dict(read_state(ck, "cannot resume from"), ck)
        elif ck.is_file() and self.dist.main:
            raise TrainError(f"{self.run_dir} already holds a run; use --resume to continue it "
                             "or choose another --out")
        self.metrics = MetricsWriter(self.run_dir, enabled=self.dist.main, time_offset=self.elapsed_before)

    def generator(self) -> torch.nn.Module:
        """The network validation, samples and export judge: the moving average when on."""
        return self.ema if self.ema is not None else unwrap(self.G)

    # ------------------------------------------------------------ state (the checkpoint)
    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs (what the checkpoint holds)."""
        return {
            "G": unwrap(self.G).state_dict(),
            "G_ema": self.ema.state_dict() if self.ema is not None else None,
            "D": unwrap(self.D).state_dict() if self.D is not None else None,
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict() if self.opt_D is not None else None,
            "sched": self.sched.state_dict() if self.sched is not None else None,
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch, "step": self.step,
            "elapsed": self.elapsed_before + (time.time() - self.t_start if hasattr(self, "t_start") else 0.0),
            "rng": rng_state(),
            "config": self.cfg.to_dict(),
            "family": self.cfg.family,
            "model_config": dict(unwrap(self.G).config if hasattr(unwrap(self.G), "config") else self.cfg.model),
            "val": dict(self.last_val),
            "notes": jsonable(self.notes),
            "steps_per_epoch": self.steps_per_epoch,
            "train_images": len(self.train_set),
            "world_size": self.dist.world,
            "skipped_gray": self.train_set.report.skipped_gray,
        }

    def save_checkpoint(self) -> Path:
        return checkpoints.save(self.layout.checkpoint, self.state_dict())

    def load_state_dict(self, st: dict[str, Any], path: Path) -> None:
        """Continue from a checkpoint's state (``path`` names it in messages); a recipe that
        changed since is kept in the notes' history, a changed rate reaches the optimisers."""
        checkpoints.check_resumable(st, path, self.cfg, unwrap(self.G), unwrap(self.D) if self.D is not None else None,
                                    len(self.train_set), self.run_dir / "model.safetensors")
        unwrap(self.G).load_state_dict(st["G"])
        if self.ema is not None:
            self.ema.load_state_dict(st["G_ema"] if st.get("G_ema") is not None else st["G"])
        if self.D is not None and st.get("D") is not None:
            unwrap(self.D).load_state_dict(st["D"])
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
        changed = checkpoints.recipe_changes(st.get("config") or {}, self.cfg)
        if changed:  # a resumed run that changed its recipe: keep the history in the metadata
            self.notes.setdefault("history", []).append({"step": self.step, "changed": changed})
        if "lr" in changed or "d_lr" in changed:  # the optimizer state carried the old rate
            checkpoints.set_rates(self.cfg, self.opt_G, self.opt_D, self.sched)
        set_rng_state(st["rng"])

    # ------------------------------------------------------------ building (trainer.engine.build)
    def _build_data(self) -> None:
        d = build.data(self.cfg, self.dist.world, self.dist.rank)
        self.train_set, self.val_set, self.val_files = d.train_set, d.val_set, d.val_files
        self.sampler, self.steps_per_epoch = d.sampler, d.steps_per_epoch

    def _build_models(self) -> None:
        cfg = self.cfg
        g = build.generator(cfg, self.notes)
        self.pretrained = g.pretrained_part()   # its own rate (and freeze) however it starts
        self.outputs = g.train_outputs
        self.G = g.to(self.device).train()
        d = build.discriminator(cfg)
        self.D = d.to(self.device).train() if d is not None else None
        rebalance = build.rebalance(cfg, self.train_set)
        rebalance = rebalance.to(self.device) if rebalance is not None else None
        perceptual = build.perceptual_net(cfg, self.notes)   # the perceptual loss's network
        perceptual = perceptual.to(self.device) if perceptual is not None else None
        build.bin_class_weights(g, steps.bin_loss_name(cfg, self.outputs), cfg, self.train_set)
        self.frozen = False
        if self.pretrained is not None and cfg.freeze_steps > 0:
            self._freeze(True)
        if self.dist.world > 1:
            self.G = self._ddp(self.G)
            if self.D is not None:
                self.D = self._ddp(self.D)
        self.ema = None
        if cfg.ema > 0:
            import copy

            self.ema = copy.deepcopy(unwrap(self.G)).eval().requires_grad_(False)
        self.opt_G = build.optimizer(cfg, build.param_groups(unwrap(self.G), self.pretrained, cfg), cfg.lr)
        self.opt_D = build.optimizer(cfg, self.D.parameters(), cfg.d_lr or cfg.lr) if self.D is not None else None
        self.sched = None
        if cfg.lr_step_epochs > 0:
            self.sched = torch.optim.lr_scheduler.StepLR(self.opt_G, cfg.lr_step_epochs, cfg.lr_gamma)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        adversary = steps.Adversary(cfg, g, self.D, self.opt_D, self.scaler, self._autocast) \
            if self.D is not None else None
        # what a step computes, chosen by the family's outputs (hints: the contract's planes)
        family = steps.Family(cfg, g, self.outputs, registry.spec(cfg.family).hints, rebalance, perceptual)
        self.family_step = steps.family_step(family, adversary)

    def _ddp(self, module):
        from torch.nn.parallel import DistributedDataParallel as DDP

        return DDP(unwrap(module), device_ids=[self.device.index] if self.device.type == "cuda" else None)

    def _freeze(self, frozen: bool) -> None:
        """Freeze (no gradients, BN statistics kept) or release the pretrained part.
        Under DDP the wrapper is rebuilt, since it only syncs what needed gradients
        when it was made."""
        self.frozen = frozen
        self.pretrained.requires_grad_(not frozen)
        self.pretrained.train(not frozen)
        if self.dist.world > 1 and hasattr(self.G, "module"):
            self.G = self._ddp(self.G)

    def _update_freeze(self) -> None:
        if self.pretrained is not None and self.frozen != (self.step < self.cfg.freeze_steps):
            self._freeze(not self.frozen)
            if not self.frozen and self.dist.main:
                self.metrics.event("stage", f"step {self.step}: the pretrained encoder trains now "
                                   f"(lr x{self.cfg.pretrained_lr:g})", step=self.step)

    # ------------------------------------------------------------ one step
    def _epoch_batches(self, epoch_indices: list[int], first: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches ``first``.. of this epoch (``sampling.epoch_batches``)."""
        return epoch_batches(self.train_set, epoch_indices, first, self.cfg, self.epoch, self.steps_per_epoch,
                             self.dist.rank)

    def _inputs(self, x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator | None) -> torch.Tensor:
        """The network's input for a batch, as the family takes it (``steps.FamilyStep.inputs``)."""
        return self.family_step.inputs(x, y, rng)

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.float16, enabled=self.amp)

    def train_step(self, x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator) -> dict[str, float]:
        """One optimisation step of every family alike: what the family's step computes
        (its discriminator's update, its loss terms) is :attr:`family_step`'s."""
        cfg = self.cfg
        x = self._inputs(x, y, rng).to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        if self.frozen:
            self.pretrained.eval()  # validation may have put it back in training mode
        with self._autocast():
            out = self.G(x)
        outs = out if isinstance(out, dict) else {self.outputs[0]: out}
        logs = self.family_step.discriminator_update(outs, x, y)
        self.opt_G.zero_grad(set_to_none=True)
        with self._autocast():
            terms = self.family_step.generator_terms(outs, x, y)
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
        live = unwrap(self.G).state_dict()
        for k, e in self.ema.state_dict().items():
            if e.is_floating_point():   # lerp: a frozen tensor (live == average) stays exact
                e.lerp_(live[k].to(e.dtype), 1.0 - d)
            else:
                e.copy_(live[k])

    # ------------------------------------------------------------ what the hooks see (hooks.TrainerView)
    @property
    def is_main(self) -> bool:
        return self.dist.main

    def lr(self) -> float:
        return float(self.opt_G.param_groups[0]["lr"])

    def elapsed(self, now: float) -> float:
        return self.elapsed_before + now - self.t_start

    def save_samples(self, tag: str) -> None:
        if self.dist.main:
            self.validator.save_samples(tag)

    def evaluate_and_log(self, tag: str | None) -> None:
        if getattr(self, "_val_step", None) == self.step:  # val_every and the epoch end coincide
            return
        self._val_step = self.step
        if self.dist.main:
            self.last_val = self.validator.validate()
            self.metrics.val(self.step, self.epoch, self.last_val)
            if tag:
                self.validator.save_samples(tag)
        barrier(self.dist)

    def run(self) -> dict[str, Any]:
        try:
            return self._run()
        finally:
            self.lock.release()

    def _run(self) -> dict[str, Any]:
        cfg = self.cfg
        self.t_start = time.time()
        main = self.dist.main
        if main:
            self.lock.acquire()   # held until the run ends (the OS drops it if the process dies)
            self.run_dir.mkdir(parents=True, exist_ok=True)
            save_config(cfg, self.layout.config)
            atomic.write_text(self.layout.val_files, "\n".join(str(p) for p in self.val_files) + "\n")
            rep, vrep = self.train_set.report, self.val_set.report
            msg = (f"{cfg.recipe}: {rep.used} training images ({rep.skipped_gray} grayscale skipped, "
                   f"{rep.unreadable + vrep.unreadable} unreadable), {len(self.val_files)} held out, "
                   f"{self.steps_per_epoch} steps/epoch x {self.dist.world} process(es) on {self.device}"
                   + (f", resumed at step {self.step}" if self.step else ""))
            log.info(msg)
            extra = {"resumed_from": self.step} if self.step else {}  # later points of the old file are superseded
            self.metrics.event("start", msg, train_images=rep.used, skipped_gray=rep.skipped_gray,
                               held_out=len(self.val_files), world_size=self.dist.world,
                               device=str(self.device), notes=jsonable(self.notes), **extra)
        self._stop = StopRequest()
        self._stop.install()
        die_with_parent()
        try:
            reason = self._loop()
        except BaseException as exc:
            if main:
                self.metrics.event("error", f"{type(exc).__name__}: {exc}")
                self.metrics.close()
            raise
        finally:
            self._stop.restore()
        broadcast_buffers((self.G, self.D), self.dist)
        result: dict[str, Any] = {"step": self.step, "epoch": self.epoch, "reason": reason}
        if main:
            self.last_val = self.validator.validate()
            self.metrics.val(self.step, self.epoch, self.last_val)
            self.validator.save_samples(f"epoch_{self.epoch:04d}")
            self.save_checkpoint()
            self.metrics.event("checkpoint", f"step {self.step}", step=self.step)
            from trainer.engine.export import export_run
            model = export_run(self.run_dir, self.layout.model)
            result.update(val=self.last_val, model=str(model))
            self.metrics.event("end", f"{reason} at step {self.step} (epoch {self.epoch}); "
                               f"exported {model.name}", reason=reason)
            self.metrics.close()
        barrier(self.dist)
        return result

    @property
    def total_steps(self) -> int:
        """Where the run ends if no budget or signal stops it first."""
        n = self.cfg.epochs * self.steps_per_epoch
        return min(n, self.cfg.max_steps) if self.cfg.max_steps else n

    def eta(self) -> float | None:
        """Seconds left: the steps left at this session's pace, or the budget left if sooner."""
        spent = time.time() - self.t_start
        done = self.step - self._start_step
        if done <= 0:
            return None
        left = (self.total_steps - self.step) * spent / done
        return max(0.0, min(left, self._budget - spent))

    def _loop(self) -> str:
        """Step until the epochs, the step limit, the time budget or a signal end the run;
        what happens around the steps is the hooks' (``trainer.engine.hooks``)."""
        cfg = self.cfg
        self._budget = cfg.time_budget * 60.0 if cfg.time_budget > 0 else math.inf
        self._start_step = self.step
        if self.step and (self.epoch >= cfg.epochs or (cfg.max_steps and self.step >= cfg.max_steps)):
            return (f"nothing left to train: the run has done {self.step} steps ({self.epoch} of {cfg.epochs} "
                    f"epochs{f', step limit {cfg.max_steps}' if cfg.max_steps else ''}); raise --epochs or "
                    "--set max_steps to continue it")
        if cfg.max_steps and self.step >= cfg.max_steps:
            return "step limit reached"
        self._update_freeze()
        for h in self.hooks:
            h.before_train(self)
        try:
            return self._epochs()
        finally:
            for h in self.hooks:
                h.after_train(self)

    def _epochs(self) -> str:
        """The steps of the epochs left (see :meth:`_loop`); why they ended."""
        cfg = self.cfg
        while self.epoch < cfg.epochs:
            self.sampler.set_epoch(self.epoch)
            indices = list(self.sampler)
            first = self.step - self.epoch * self.steps_per_epoch
            for x, y in self._epoch_batches(indices, first):
                rng = np.random.default_rng(sample_seed(cfg.seed, self.step, self.dist.rank, 10_000))
                logs = self.train_step(x, y, rng)
                self.step += 1
                self._update_freeze()
                info = StepInfo(logs, x.shape[0] * self.dist.world, self._stop_reason(),
                                self.step - self.epoch * self.steps_per_epoch >= self.steps_per_epoch)
                for h in self.hooks:
                    h.after_step(self, info)
                if info.reason:
                    return info.reason
            self.epoch += 1
            if self.sched is not None:
                self.sched.step()
            for h in self.hooks:
                h.after_epoch(self)
        return "all epochs done"

    def _stop_reason(self) -> str | None:
        """Why the run ends after this step (every rank agrees), else None."""
        if self.cfg.max_steps and self.step >= self.cfg.max_steps:
            return "step limit reached"
        if any_rank(time.time() - self.t_start >= self._budget or self._stop.poll() is not None, self.dist):
            return f"stopped by {self._stop.signal}" if self._stop.signal else "time budget reached"
        return None


def train(cfg: TrainConfig, run_dir: str | Path, resume: bool = False) -> dict[str, Any]:
    """Run a training job to completion; returns step, epoch, stop reason and final val scores."""
    trainer = Trainer(cfg, run_dir, resume=resume)
    try:
        result = trainer.run()
        if dist.is_initialized():
            dist.barrier()   # every rank ends together
        return result
    finally:
        if dist.is_initialized():
            # The DDP wrapper holds the process group: left to the interpreter's exit, gloo's
            # worker threads were torn down during finalization and now and then aborted a
            # rank ("terminate called without an active exception", SIGABRT), failing the
            # whole torchrun job.  So the trainer goes first, then the group, while Python lives.
            import gc

            del trainer
            gc.collect()
            dist.destroy_process_group()
