"""Issue 34, item 4: the render size travels with the weights -- a file's own ``render_size``
wins over its family's (a fine-tuned file may render best at another size), for the
pipeline, the Predictor and the model lists alike; a bad or impossible value is refused."""

from __future__ import annotations

import numpy as np
import pytest

from colorstudio.core.colorize import pipeline
from colorstudio.core.inference.predictor import Predictor
from colorstudio.core.io import checkpoint
from colorstudio.models import create, spec
from colorstudio.models.catalogue import entry_for_checkpoint

CFG = {"base": 8, "depth": 2}


def _save(tmp_path, name="unet-gan", config=CFG, **meta):
    model = create(name, weights=False, **config)
    return checkpoint.save_weights(tmp_path / f"{name}.safetensors", model.state_dict(),
                                   {"family": name, "config": config, **meta})


def test_a_files_own_render_size_wins(tmp_path):
    own = create("unet-gan", weights=_save(tmp_path, render_size=96))
    assert own.render_size == 96
    pred = Predictor(own, device="cpu", backend="torch")
    assert pred.render_size == 96
    x = pipeline.net_input(pred, np.zeros((200, 400, 3), np.uint8))
    assert max(x.shape[2:]) == 96                                  # rendered at the file's size
    assert max(pipeline.net_input(pred, np.zeros((200, 400, 3), np.uint8), size=64).shape[2:]) == 64
    assert entry_for_checkpoint(tmp_path / "unet-gan.safetensors").input_size == 96   # the lists say so


def test_without_one_the_familys_size(tmp_path):
    plain = create("unet-gan", weights=_save(tmp_path))
    assert plain.render_size == spec("unet-gan").input_size
    assert Predictor(plain, device="cpu", backend="torch").render_size == spec("unet-gan").input_size


@pytest.mark.parametrize("bad", [10 ** 6, 0, "big", True, 2.5])
def test_a_bad_render_size_is_a_checkpoint_error(tmp_path, bad):
    with pytest.raises(checkpoint.CheckpointError, match="render_size"):
        create("unet-gan", weights=_save(tmp_path, render_size=bad))


def test_a_fixed_size_family_keeps_its_size(tmp_path):
    s = spec("pix2pix-facades")
    assert s.fixed_size
    path = _save(tmp_path, "pix2pix-facades", {"ngf": 8}, render_size=s.input_size // 2)
    with pytest.raises(checkpoint.CheckpointError, match=f"runs at {s.input_size} px only"):
        create("pix2pix-facades", weights=path)
