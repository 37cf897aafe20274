"""Distributed set-up from the environment torchrun provides (RANK, LOCAL_RANK, WORLD_SIZE):
``nccl`` on GPUs, ``gloo`` on CPUs; one process without it.  Only rank 0 does I/O."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

import torch
import torch.distributed as dist

from trainer.errors import TrainError


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
    from colorstudio.core.inference.devices import pick_device

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
            # A peer that died or stalled fails the others after this many seconds instead
            # of torch's 30 minutes per collective (tests set it short).
            import datetime

            secs = float(os.environ.get("COLORSTUDIO_DDP_TIMEOUT", "1800"))
            dist.init_process_group("nccl" if use_cuda else "gloo", timeout=datetime.timedelta(seconds=secs))
        return DistInfo(rank, world, local, dev)
    dev = pick_device(device)
    if dev.type == "mps":
        import logging

        logging.getLogger("trainer").warning("training on the CPU: BN + GAN training on MPS is unreliable")
        dev = torch.device("cpu")
    return DistInfo(0, 1, 0, dev)


def unwrap(m):
    """The module inside a DistributedDataParallel wrapper (or ``m`` itself)."""
    return m.module if hasattr(m, "module") else m


def any_rank(flag: bool, info: DistInfo) -> bool:
    """True on every rank when ``flag`` is true on any (one process: ``flag``)."""
    if info.world == 1:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=info.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def broadcast_buffers(models: Iterable, info: DistInfo) -> None:
    """BN running statistics drift apart after the last forward on each rank's own
    batch; take rank 0's so every rank (and the export) ends with one model."""
    if info.world == 1:
        return
    for m in models:
        if m is not None:
            for b in unwrap(m).buffers():
                dist.broadcast(b, 0)


def barrier(info: DistInfo) -> None:
    if info.world > 1:
        dist.barrier()
