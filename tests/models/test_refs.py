"""Model references: names, own checkpoints, family@path; clear errors."""

from __future__ import annotations

import pytest

from colorstudio.core.io.checkpoint import CheckpointError, save_weights
from colorstudio.models import create
from colorstudio.models.refs import ModelRef, parse_ref


def test_names_files_and_family_at_path(tmp_path):
    assert parse_ref("unet-gan") == ModelRef("unet-gan")
    m = create("unet-gan", weights=False, base=8, depth=2)
    p = save_weights(tmp_path / "run1" / "model.safetensors", m.state_dict(),
                     {"family": "unet-gan", "config": {"base": 8, "depth": 2}})
    ref = parse_ref(str(p))
    assert ref == ModelRef("unet-gan", p) and ref.label == "run1 (unet-gan)"
    assert parse_ref(str(ref)) == ref, "the string form round-trips"
    bare = save_weights(tmp_path / "bare.safetensors", m.state_dict(), {})
    with pytest.raises(CheckpointError, match="FAMILY@"):
        parse_ref(str(bare))
    assert parse_ref(f"unet-gan@{bare}").weights == bare


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(LookupError, match="nope"):
        parse_ref("nope")
    with pytest.raises(LookupError, match="not found"):
        parse_ref(str(tmp_path / "x.safetensors"))
    with pytest.raises(CheckpointError, match="translate model"):
        parse_ref("pix2pix-facades", task="colorize")


def test_an_existing_path_wins_and_ambiguity_is_said(tmp_path, monkeypatch):
    """Issue 21, item 11."""
    import pytest

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create
    from colorstudio.models.refs import parse_ref

    monkeypatch.chdir(tmp_path)
    m = create("unet-gan", weights=False, base=8, depth=2)
    meta = {"family": "unet-gan", "config": {"base": 8, "depth": 2}}
    save_weights(tmp_path / "my@v2.safetensors", m.state_dict(), meta)
    ref = parse_ref("my@v2.safetensors")            # 'my' is no family: the file it names
    assert ref.family == "unet-gan" and ref.weights.name == "my@v2.safetensors"
    save_weights(tmp_path / "unet-gan@v2.safetensors", m.state_dict(), meta)
    assert parse_ref("unet-gan@v2.safetensors").weights.name == "unet-gan@v2.safetensors"
    save_weights(tmp_path / "v2.safetensors", m.state_dict(), meta)   # now both readings exist
    with pytest.raises(LookupError, match="ambiguous"):
        parse_ref("unet-gan@v2.safetensors")
    assert parse_ref("./unet-gan@v2.safetensors").weights.name == "unet-gan@v2.safetensors"


def test_the_automatic_default_takes_no_hints_and_the_hint_default_does():
    from colorstudio.models import default_model, spec

    assert not spec(default_model("colorize")).hints
    assert spec(default_model("colorize", hints=True)).hints
    assert spec(default_model("translate")).task == "translate"
