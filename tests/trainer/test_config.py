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
