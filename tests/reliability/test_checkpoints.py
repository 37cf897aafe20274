"""Checkpoints a user may be handed: pickle payloads against every loader, and
metadata that lies.  Nothing runs code; nothing allocates before it is validated."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from colorstudio.core.io import checkpoint
from colorstudio.core.io.checkpoint import CheckpointError, save_weights
from colorstudio.models import create


class _Payload:
    """Unpickling this would create the sentinel file."""

    def __init__(self, sentinel: Path):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (os.system, (f"touch {self.sentinel}",))


@pytest.fixture
def evil(tmp_path):
    sentinel = tmp_path / "PWNED"
    p = tmp_path / "evil.pt"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "G": {"w": torch.zeros(1)}, "x": _Payload(sentinel)}, p)
    return p, sentinel


def _loaders(tmp_path, path):
    """Every way a file given by a user reaches a loader (name, call)."""
    from colorstudio.models.perceptual import load_vgg16
    from trainer.report.evaluate import load_any
    from trainer.engine.export import export_run
    from trainer.engine.surgery import init_from

    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "last.pt").write_bytes(path.read_bytes())
    pth = tmp_path / "evil.pth"
    pth.write_bytes(path.read_bytes())
    return [
        ("checkpoint.load_weights .pt", lambda: checkpoint.load_weights(path)),
        ("checkpoint.load_weights .pth", lambda: checkpoint.load_weights(pth)),
        ("registry.create(weights=)", lambda: create("unet-gan", weights=path)),
        ("trainer --init", lambda: init_from(create("unet-gan", weights=False, base=8, depth=2), str(path))),
        ("trainer export", lambda: export_run(run, tmp_path / "out.safetensors")),
        ("trainer evaluate", lambda: load_any(str(path))),
        ("perceptual --vgg-weights", lambda: load_vgg16(pth)),
    ]


def test_no_pickle_payload_runs_through_any_loader(tmp_path, evil):
    path, sentinel = evil
    loaders = _loaders(tmp_path, path)
    assert len(loaders) == 7
    for name, call in loaders:
        with pytest.raises(Exception) as err:
            call()
        assert not sentinel.exists(), f"{name} ran the payload"
        assert "weights_only=False" not in str(err.value), name  # never advise the unsafe load


def test_trainer_resume_refuses_the_payload(tmp_path, evil, photo_dir):
    from helpers import tiny_config
    from trainer.engine.loop import Trainer, TrainError

    path, sentinel = evil
    run = tmp_path / "r"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "last.pt").write_bytes(path.read_bytes())
    with pytest.raises(TrainError, match="could run code"):
        Trainer(tiny_config("unet-gan", photo_dir), run, resume=True)
    assert not sentinel.exists()


def _file_with_meta(tmp_path, meta, config=None, name="m.safetensors"):
    from safetensors.torch import save_file

    m = create("unet-gan", weights=False, base=8, depth=2)
    p = tmp_path / name
    raw = meta if isinstance(meta, str) else json.dumps(meta)
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(p), metadata={"colorstudio": raw})
    return p


@pytest.mark.parametrize("meta, match", [
    ([1, 2], "must be a JSON object"),
    ('"just a string"', "must be a JSON object"),
    ({"family": 7}, "'family' must be a name"),
    ({"family": "unet-gan", "config": "abc"}, "'config' must be an object"),
    ({"family": "unet-gan", "config": {"base": {"x": 1}}}, "unusable value"),
    ({"family": "unet-gan", "config": {"base": 8, "depth": 2, "colour": 1}}, "unknown unet-gan config key"),
    ({"family": "unet-gan", "config": {"base": 1024, "depth": 2}}, "out of range"),  # the option ranges come first
    ({"family": "unet-gan", "config": {"base": 8, "depth": -3}}, "out of range"),
])
def test_lying_metadata_is_a_message_before_any_allocation(tmp_path, meta, match):
    import resource

    p = _file_with_meta(tmp_path, meta)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CheckpointError, match=match):
        create("unet-gan", weights=p)
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grew_mb < 500  # base 1024 would have built a ~20 GB model


def test_nan_weights_are_an_error_not_white_images(tmp_path):
    import numpy as np

    from colorstudio.core.colorize import pipeline
    from colorstudio.core.inference.predictor import Predictor

    m = create("unet-gan", weights=False, base=8, depth=2)
    sd = m.state_dict()
    sd["head.weight"] = torch.full_like(sd["head.weight"], float("nan"))
    p = save_weights(tmp_path / "nan.safetensors", sd, {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    for backend in ("torch", "auto"):
        pred = Predictor(create("unet-gan", weights=p), device="cpu", backend=backend)
        with pytest.raises(FloatingPointError, match="NaN"):
            pipeline.colorize(np.zeros((40, 40), np.uint8), pred, size=32)
