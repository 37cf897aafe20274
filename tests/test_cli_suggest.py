"""colorstudio-cli suggest: the likely colours at a point (issue 35, item 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from test_colorstudio_cli import assert_clean_error, run


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """A tiny random effnet-unet with a bin head, and a tiny unet-gan (no bin head)."""
    import torch

    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create

    d = tmp_path_factory.mktemp("w")
    torch.manual_seed(0)
    config = {"decoder": [8, 8, 8, 8], "bridge": 8, "bins_head": True}
    bins = create("effnet-unet", weights=False, **config)
    plain = create("unet-gan", weights=False, base=8, depth=2)
    return (save_weights(d / "bins.safetensors", bins.state_dict(), {"family": "effnet-unet", "config": config}),
            save_weights(d / "plain.safetensors", plain.state_dict(),
                         {"family": "unet-gan", "config": {"base": 8, "depth": 2}}))


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    from colorstudio.core.io.imageio import write_image

    img = (np.random.default_rng(2).random((48, 64)) * 255).astype(np.uint8)
    return write_image(tmp_path_factory.mktemp("p") / "photo.png", img)


@pytest.mark.slow
def test_suggest_prints_swatches_and_json(photo, checkpoints):
    bins, _ = checkpoints
    res = run("suggest", photo, "--at", "0.25,0.5", "--weights", bins, "--device", "cpu", "--count", "4",
              "--size", "64", "-q")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 4 and [line.split()[0] for line in lines] == ["1", "2", "3", "4"]
    assert all(line.split()[1].startswith("#") and line.endswith("%") for line in lines)
    res = run("suggest", photo, "--at", "10px,40px", "--weights", bins, "--device", "cpu", "--json", "-q")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["at"] == [pytest.approx(10.5 / 64, abs=1e-5), pytest.approx(40.5 / 48, abs=1e-5)]
    assert out["model"] == "effnet-unet"
    probs = [s["probability"] for s in out["suggestions"]]
    assert len(probs) == 6 and probs == sorted(probs, reverse=True)
    assert {"rank", "hex", "rgb", "ab", "probability"} <= set(out["suggestions"][0])


@pytest.mark.slow
def test_suggest_usage_errors(tmp_path, photo, checkpoints):
    bins, plain = checkpoints
    assert_clean_error(run("suggest", photo, "--at", "64px,0px", "--weights", bins, "--device", "cpu"),
                       2, "outside the photo (64x48 pixels)")
    assert_clean_error(run("suggest", photo, "--at", "1.5,0.2"), 2, "from 0 to 1")
    assert_clean_error(run("suggest", photo, "--at", "0.5"), 2, "expected X,Y")
    assert_clean_error(run("suggest", photo, "--at", "0.5,0.5", "--weights", plain, "--device", "cpu"),
                       2, "offers no colour distribution")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a picture")
    assert_clean_error(run("suggest", bad, "--at", "0.5,0.5"), 2, "cannot read")
    assert_clean_error(run("suggest", tmp_path / "none.png", "--at", "0.5,0.5"), 2, "photo not found")
