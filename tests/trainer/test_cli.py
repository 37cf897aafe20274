import json

import pytest

from colorstudio.core.io.checkpoint import read_metadata
from trainer.__main__ import main


def test_recipes_lists_every_family(capsys):
    assert main(["recipes"]) == 0
    out = capsys.readouterr().out
    for name in ("unet-gan", "unet-hints", "iizuka-lite", "pix2pix-facades", "resgan", "perceptual", "zhang-bins"):
        assert name in out


def test_train_resume_export_from_the_command_line(photo_dir, tmp_path, capsys):
    run = tmp_path / "run"
    common = ["--set", "model.base=8", "--set", "model.depth=2", "--set", "image_size=32",
              "--set", "batch_size=4", "--set", "val_images=2", "--set", "log_every=1",
              "--set", "val_every_nth=5", "--threads", "1", "--device", "cpu"]
    assert main(["unet-hints", "--data", str(photo_dir), "--out", str(run), "--set", "max_steps=2", *common]) == 0
    assert json.loads((run / "config.json").read_text())["threads"] == 1
    assert main(["unet-hints", "--out", str(run), "--resume", "--set", "max_steps=3"]) == 0
    steps = [json.loads(line).get("step") for line in (run / "metrics.jsonl").read_text().splitlines()
             if '"train"' in line]
    assert steps == [1, 2, 3]
    out = tmp_path / "w.safetensors"
    assert main(["export", str(run), "-o", str(out)]) == 0
    meta = read_metadata(out)
    assert meta["family"] == "unet-hints" and meta["steps"] == 3
    assert {"base": 8, "depth": 2}.items() <= meta["config"].items()
    assert {"family", "config", "recipe", "data", "epochs", "time", "metrics", "version"} <= set(meta)


def test_user_mistakes_exit_nonzero_with_a_message(photo_dir, tmp_path, capsys):
    assert main(["no-such-recipe", "--data", str(photo_dir)]) == 2
    assert "unknown recipe" in capsys.readouterr().err
    assert main(["unet-gan", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "r")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["unet-gan", "--out", str(tmp_path / "nothing"), "--resume", "--data", "x"]) != 0
    assert main(["export", str(tmp_path / "nothing"), "-o", str(tmp_path / "x.safetensors")]) == 2
    assert "no training checkpoint" in capsys.readouterr().err


def test_help_is_plain_text():
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "colorstudio-train"
    for args in (["--help"], ["unet-gan", "--help"]):
        out = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60).stdout
        assert "colorstudio-train" in out and "``" not in out


@pytest.mark.slow
def test_recipes_json_is_the_shared_summaries():
    """``recipes --json`` prints the recipes' summaries (``core.training.recipes``, which the
    Train tab reads in-process) with the registry's facts, key for key."""
    import subprocess
    import sys
    from pathlib import Path

    from trainer.__main__ import recipe_summaries
    from trainer.config import recipe_names

    exe = Path(sys.executable).parent / "colorstudio-train"
    out = subprocess.run([str(exe), "recipes", "--json"], capture_output=True, text=True, timeout=60).stdout
    data = json.loads(out)
    assert [d["name"] for d in data] == recipe_names()
    assert data == recipe_summaries()
    unet = next(d for d in data if d["name"] == "unet-gan")
    assert "U-Net generator" in unet["description"] and "lr 0.0002, batch 16" in unet["settings"]
    assert "  " not in unet["description"]  # no column spacing
    assert list(unet) == ["name", "family", "task", "description", "settings", "lr", "batch_size", "image_size",
                          "loss", "epochs", "cpu_preset", "shipped_weights", "default"]


def test_config_is_honoured_on_resume_and_checked_as_set_is(tmp_path, capsys, monkeypatch):
    """Issue 34: ``--resume --config F.toml`` ignored the file; it now goes through the same
    check as ``--set``: what a resumed run may change is taken, the rest refused by name."""
    from trainer.config import make_config, save_config
    from trainer.engine import loop

    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "photos").mkdir()
    save_config(make_config("unet-gan", None, ["model.base=8"], data=str(tmp_path / "photos")), run / "config.json")
    seen = {}
    monkeypatch.setattr(loop, "train", lambda cfg, out, resume: seen.update(cfg=cfg, resume=resume) or
                        {"reason": "done", "step": 0, "epoch": 0})
    more = tmp_path / "more.toml"
    more.write_text("max_steps = 7\ntime_budget = 2\n")
    assert main(["unet-gan", "--out", str(run), "--resume", "--config", str(more)]) == 0
    assert seen["resume"] and seen["cfg"].max_steps == 7 and seen["cfg"].time_budget == 2.0
    other = tmp_path / "other.toml"
    other.write_text("lr = 0.1\n")
    seen.clear()
    assert main(["unet-gan", "--out", str(run), "--resume", "--config", str(other)]) == 2
    err = capsys.readouterr().err
    assert "--resume: lr was 0.0002 in this run and cannot change on resume (now 0.1)" in err and not seen
