"""What a training step computes is chosen by the family (issue 34, item 5): its input, its
loss terms by what it outputs, a GAN's discriminator update -- never a branch in the loop."""

from __future__ import annotations

import inspect
import re

import pytest

from trainer.engine import loop, steps
from trainer.engine.loop import Trainer

from helpers import tiny_config


@pytest.mark.parametrize("recipe,more,terms,gan,hints", [
    ("unet-gan", (), ["PixelTerm"], True, False),
    ("unet-hints", ("hint_weight=5",), ["PixelTerm"], False, True),
    ("zhang-bins", (), ["BinTerm"], False, False),
    ("effnet-unet", ("model.bins_head=true",), ["BinTerm", "PixelTerm"], False, False),
    ("damage-unet", (), ["MaskTerm"], False, False),
    ("inpaint-unet", (), ["FillTerm"], False, False),
])
def test_each_family_gets_its_own_step(photo_dir, tmp_path, recipe, more, terms, gan, hints):
    t = Trainer(tiny_config(recipe, photo_dir, *more), tmp_path / "run")
    step = t.family_step
    assert [type(term).__name__ for term in step.terms] == terms
    assert isinstance(step.adversary, steps.Adversary if gan else steps.NoAdversary)
    assert isinstance(step.inputs, steps.HintInputs) == hints
    if hints:
        assert [type(w).__name__ for w in step.terms[0].weights] == ["HintWeight"]


def test_the_loop_knows_no_family():
    """The loop's step names no output kind, loss or GAN: those are trainer.engine.steps'."""
    src = inspect.getsource(loop)
    found = re.findall(r'"(?:mask|fill|logits|ab|rgb)"|hint_weight|perceptual_weight|adv_weight|bin_loss\b|'
                       r'label_smoothing|\bvgg\b|mask_loss|fill_loss|pixel_loss', src)
    assert not found, found
