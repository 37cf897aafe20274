import json

import pytest

from trainer.config import ConfigError, RECIPES, config_from_dict, make_config


def test_every_recipe_resolves_with_report_defaults():
    for name in RECIPES:
        cfg = make_config(name)
        assert cfg.recipe == name and cfg.family
    assert make_config("unet-gan").lr == 2e-4 and make_config("unet-gan").batch_size == 16
    iz = make_config("iizuka-lite")
    assert iz.image_size == 224 and iz.lr_gamma == 0.9 and iz.lr_step_epochs == 10 and iz.weight_decay == 1e-3
    assert make_config("pix2pix-facades").pixel_weight == 100 and make_config("pix2pix-facades").direction == "BtoA"


def test_overrides_and_toml(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('lr = 0.01\nbatch_size = 4\n[model]\nbase = 8\n')
    cfg = make_config("unet-gan", toml, ["model.depth=2", "loss=mse", "amp=false", "betas=[0.9, 0.99]"],
                      epochs=3)
    assert cfg.lr == 0.01 and cfg.batch_size == 4 and cfg.epochs == 3
    assert cfg.model == {"base": 8, "depth": 2}
    assert cfg.loss == "mse" and cfg.amp is False and cfg.betas == (0.9, 0.99)
    again = config_from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


@pytest.mark.parametrize("bad", ["nosuchkey=1", "lr=fast", "batch_size=0", "novalue", "amp=3"])
def test_bad_overrides_are_clear_errors(bad):
    with pytest.raises(ConfigError):
        make_config("unet-gan", overrides=[bad])


def test_unknown_recipe_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="unknown recipe"):
        make_config("nope")
    f = tmp_path / "bad.toml"
    f.write_text("lr = = 1")
    with pytest.raises(ConfigError, match="invalid TOML"):
        make_config("unet-gan", f)
    with pytest.raises(ConfigError, match="zhang-bins loss"):
        make_config("zhang-bins", overrides=["loss=l1"])


def test_shipped_presets_resolve():
    from pathlib import Path

    presets = sorted((Path(__file__).resolve().parents[2] / "trainer" / "presets").glob("*.toml"))
    assert presets
    import inspect

    from colorstudio.models import spec

    for p in presets:
        recipe = p.stem.rsplit("-cpu", 1)[0]
        cfg = make_config(recipe, p)
        assert cfg.recipe == recipe and cfg.family
        params = inspect.signature(spec(cfg.family).factory).parameters
        assert set(cfg.model) <= set(params), (p.name, cfg.model)   # a [model] table the family takes


def test_resume_reads_what_it_is_given_with_the_same_parser(tmp_path):
    """Issue 34, item 5: --resume re-did the override merge and had drifted -- an override
    without '=' passed, a flag was named --time_budget."""
    from trainer.config import resume_config, save_config

    run = tmp_path / "run"
    run.mkdir()
    save_config(make_config("unet-gan", None, ["model.base=8"], data=str(tmp_path)), run / "config.json")
    cfg = resume_config(run, "unet-gan", ["max_steps=3"], time_budget=5, epochs=None)
    assert cfg.max_steps == 3 and cfg.time_budget == 5.0 and cfg.model["base"] == 8
    with pytest.raises(ConfigError, match="--set expects key=value, got 'max_steps'"):
        resume_config(run, "unet-gan", ["max_steps"])
    with pytest.raises(ConfigError, match="^--time-budget: 'time_budget' expects float"):
        resume_config(run, "unet-gan", [], time_budget="soon")
    with pytest.raises(ConfigError, match="--resume: lr was"):
        resume_config(run, "unet-gan", ["lr=0.1"])
    with pytest.raises(ConfigError, match="is a 'unet-gan' run, not 'resgan'"):
        resume_config(run, "resgan")


def test_resume_reads_a_config_file_through_the_same_check(tmp_path):
    """Issue 34: a --config file on --resume was ignored; it is read as --set is, the same
    file given again passes, and what may not change is refused by name."""
    from trainer.config import resume_config, save_config

    start = tmp_path / "start.toml"
    start.write_text("lr = 0.001\n[model]\nbase = 8\n")
    run = tmp_path / "run"
    run.mkdir()
    save_config(make_config("unet-gan", start, ["batch_size=4"], data=str(tmp_path)), run / "config.json")
    cfg = resume_config(run, "unet-gan", ["batch_size=4"], file=start)   # the start's command again
    assert cfg.lr == 0.001 and cfg.model["base"] == 8 and cfg.batch_size == 4
    longer = tmp_path / "longer.toml"
    longer.write_text("epochs = 40\nmax_steps = 9\n")
    cfg = resume_config(run, "unet-gan", file=longer)
    assert cfg.epochs == 40 and cfg.max_steps == 9
    with pytest.raises(ConfigError, match="--resume: image_size was 128 in this run and cannot change"):
        resume_config(run, "unet-gan", file=_toml(tmp_path, "image_size = 64\n"))
    with pytest.raises(ConfigError, match="invalid TOML"):
        resume_config(run, "unet-gan", file=_toml(tmp_path, "epochs = = 1\n"))


def _toml(folder, text):
    p = folder / "extra.toml"
    p.write_text(text)
    return p


def test_the_recipes_are_read_without_torch_and_re_exported_by_the_trainer():
    """Issue 34: the recipes' home is core.training (torch-free, so the Train tab reads them
    in-process); the trainer's names are the very same objects."""
    import subprocess
    import sys
    from pathlib import Path

    import colorstudio.core.training.recipes as core_recipes
    import colorstudio.core.training.settings as core_settings
    import trainer.recipes
    import trainer.settings

    assert trainer.recipes.RECIPES is core_recipes.RECIPES and RECIPES is core_recipes.RECIPES
    assert trainer.settings.TrainConfig is core_settings.TrainConfig and ConfigError is core_settings.ConfigError
    code = ("import sys, colorstudio.core.training.recipes as r; r.summaries(); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy', 'PySide6', 'trainer')], "
            "sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy', 'PySide6', 'trainer'))")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=Path(__file__).resolve().parents[2])


def test_model_options_are_still_checked_when_a_run_is_resolved():
    """The model's own options are the registry's to check (trainer.settings.validate), as
    part of every resolution -- the core's TrainConfig.validate checks the fields only."""
    with pytest.raises(ConfigError, match="model option depth=99 is out of range"):
        make_config("unet-gan", overrides=["model.depth=99"])
    with pytest.raises(ConfigError, match="discriminator: model option base=0 is out of range"):
        make_config("unet-gan", overrides=["discriminator_config.base=0"])
