"""A weights file built on another family's shipped file (effnet-hints: a hint adapter over
the frozen colorizer) stores only its own tensors and the base file's hash; loading it
completes the model from exactly that file, and refuses a changed or missing one."""

from __future__ import annotations

import pytest
import torch

from colorstudio.core.io import checkpoint
from colorstudio.models import registry
from colorstudio.models.registry import create
from trainer.engine.surgery import init_from

SMALL = {"decoder": [8, 8, 8, 8], "bridge": 8, "bins_head": True}


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A small colorizer shipped as effnet-unet, and an adapter trained on it, stripped."""
    monkeypatch.setattr(registry.ModelSpec, "weights_path", lambda self: tmp_path / f"{self.name}.safetensors")
    base = create("effnet-unet", weights=False, **SMALL)
    checkpoint.save_weights(tmp_path / "effnet-unet.safetensors", base.state_dict(),
                            {"family": "effnet-unet", "config": SMALL}, half=True)
    hints = create("effnet-hints", weights=False, **SMALL)
    init_from(hints, str(tmp_path / "effnet-unet.safetensors"))
    with torch.no_grad():
        for p in hints.adapter.parameters():
            p.add_(0.05 * torch.randn_like(p))   # as if trained
    full = hints.state_dict()
    base_state, _ = checkpoint.load_weights(tmp_path / "effnet-unet.safetensors")
    own = checkpoint.without_base({k: v.half().float() for k, v in full.items()}, base_state)
    assert own and all(k.startswith("adapter.") for k in own)
    meta = {"family": "effnet-hints", "config": SMALL,
            "base": {"family": "effnet-unet", "sha256": checkpoint.file_sha256(tmp_path / "effnet-unet.safetensors")}}
    path = checkpoint.save_weights(tmp_path / "effnet-hints.safetensors", own, meta, half=True)
    return tmp_path, path, hints


def _x():
    x = torch.zeros(1, 4, 64, 64)
    x[:, 0] = torch.linspace(-1, 1, 64)
    x[:, 1:3, 8:11, 40:43], x[:, 3, 8:11, 40:43] = 0.6, 1.0
    return x


def test_a_file_on_a_base_loads_whole_and_answers_as_trained(shipped):
    _, path, hints = shipped
    loaded = create("effnet-hints", weights=path)
    assert set(loaded.state_dict()) == set(hints.state_dict())
    ref = create("effnet-unet", weights=True).eval()
    nohint = _x()
    nohint[:, 1:] = 0
    with torch.no_grad():   # without hints: the shipped colorizer's answer, bit for bit
        torch.testing.assert_close(loaded(nohint), ref(nohint[:, :1]), rtol=0, atol=0)
        torch.testing.assert_close(loaded(_x()), hints.half().float().eval()(_x()), rtol=1e-3, atol=1e-3)
    again = create("effnet-hints", weights=False, **SMALL)
    assert init_from(again, str(path))["new"] == 0          # --init from it: the base comes too


def test_a_changed_or_missing_base_is_refused(shipped):
    tmp_path, path, _ = shipped
    other = create("effnet-unet", weights=False, **SMALL)
    checkpoint.save_weights(tmp_path / "effnet-unet.safetensors", other.state_dict(),
                            {"family": "effnet-unet", "config": SMALL}, half=True)
    with pytest.raises(checkpoint.CheckpointError, match="other effnet-unet weights"):
        create("effnet-hints", weights=path)
    (tmp_path / "effnet-unet.safetensors").unlink()
    with pytest.raises(checkpoint.CheckpointError, match="which are missing"):
        create("effnet-hints", weights=path)


def test_a_malformed_base_entry_is_a_checkpoint_error():
    with pytest.raises(checkpoint.CheckpointError, match="'base'"):
        checkpoint.base_of({"base": {"family": "effnet-unet", "sha256": "abc"}}, "x.safetensors")
    assert checkpoint.base_of({"family": "effnet-unet"}) is None


def test_the_exported_network_hears_hints(tmp_path, monkeypatch):
    """ONNX Runtime runs a traced export: the adapter's skip for a picture without hints must
    not be traced away (the export takes the gated path, right for any input)."""
    pytest.importorskip("onnxruntime")
    import numpy as np

    from colorstudio.core.inference.predictor import Predictor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model = create("effnet-hints", weights=False, **SMALL)
    with torch.no_grad():
        for p in model.adapter.parameters():
            p.add_(0.05 * torch.randn_like(p))
    x = _x().numpy()
    nohint = x.copy()
    nohint[:, 1:] = 0
    ort = Predictor(model, device="cpu", backend="onnxruntime")
    eager = Predictor(model, device="cpu", backend="torch")
    wide = np.pad(x, ((0, 0), (0, 0), (0, 0), (0, 32)))     # another shape than the export's
    for inp in (nohint, x, nohint, wide):
        np.testing.assert_allclose(ort.predict_ab(inp), eager.predict_ab(inp), atol=2e-4)
    assert np.abs(ort.predict_ab(x) - ort.predict_ab(nohint)).max() > 1e-3
    assert "onnxruntime" in ort.backend and not ort._runner._torch_only   # ORT ran every shape
