"""The training loop's hooks (issue 20, item 3): what they are called with, and a new
habit of the run added as a hook without touching the loop."""

from __future__ import annotations

from trainer.engine.hooks import CheckpointHook, Hook, LogHook, ValidationHook
from trainer.engine.loop import Trainer

from helpers import tiny_config


class Recorder(Hook):
    def __init__(self):
        self.calls = []

    def before_train(self, t):
        self.calls.append(("before", t.step))

    def after_step(self, t, info):
        self.calls.append(("step", t.step, info.images, info.reason, info.epoch_end))

    def after_epoch(self, t):
        self.calls.append(("epoch", t.epoch))

    def after_train(self, t):
        self.calls.append(("after", t.step))


def test_the_loop_calls_its_hooks_in_order(tmp_path, photo_dir):
    cfg = tiny_config("unet-gan", photo_dir, "epochs=3", "max_steps=5")
    t = Trainer(cfg, tmp_path / "run")
    assert [type(h) for h in t.hooks] == [LogHook, CheckpointHook, ValidationHook]
    rec = Recorder()
    t.hooks.append(rec)
    result = t.run()
    assert result["reason"] == "step limit reached"
    assert rec.calls[0] == ("before", 0)
    steps = [c for c in rec.calls if c[0] == "step"]
    assert [c[1] for c in steps] == [1, 2, 3, 4, 5]
    assert all(c[2] == 4 for c in steps)
    assert [c[3] for c in steps] == [None] * 4 + ["step limit reached"]
    per_epoch = t.steps_per_epoch
    assert [c[1] for c in steps if c[4]] == [s for s in (per_epoch, 2 * per_epoch) if s <= 5]
    assert [c for c in rec.calls if c[0] == "epoch"] == [("epoch", e + 1) for e in range(5 // per_epoch)]
    assert rec.calls[-1] == ("after", 5) and [c[0] for c in rec.calls].count("after") == 1


def test_after_train_closes_what_before_train_opened_when_a_step_fails(tmp_path, photo_dir):
    import pytest

    from trainer.errors import TrainError

    t = Trainer(tiny_config("unet-gan", photo_dir, "max_steps=5"), tmp_path / "run")
    rec = Recorder()
    t.hooks.append(rec)

    def failing(x, y, rng):
        raise TrainError("loss became nan at step 0; lower the learning rate")

    t.train_step = failing
    with pytest.raises(TrainError, match="loss became nan"):
        t.run()
    assert rec.calls == [("before", 0), ("after", 0)]


def test_hooks_see_the_trainer_through_its_typed_view(tmp_path, photo_dir):
    """hooks.TrainerView names all a hook may use of the trainer; the Trainer offers it."""
    from trainer.engine.hooks import TrainerView

    t = Trainer(tiny_config("unet-gan", photo_dir, "max_steps=1"), tmp_path / "run")
    members = [m for m in vars(TrainerView) if not m.startswith("_")] + list(TrainerView.__annotations__)
    assert {"step", "epoch", "metrics", "is_main", "total_steps", "lr", "eta", "elapsed", "save_checkpoint",
            "evaluate_and_log", "save_samples"} <= set(members)
    assert all(hasattr(t, m) for m in members)
