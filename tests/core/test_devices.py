import pytest
import torch

from colorstudio.core.inference import devices
from colorstudio.core.inference.devices import DeviceError


def test_auto_picks_an_available_device():
    d = devices.pick_device("auto")
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert d.type == expected


def test_cpu_and_describe():
    d = devices.pick_device("cpu")
    assert d.type == "cpu"
    assert devices.describe(d).startswith("cpu (")
    assert devices.available_devices()[:2] == ["auto", "cpu"]


def test_unknown_device_message():
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        devices.pick_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_gpu_is_clear():
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        devices.pick_device("cuda")


def test_is_oom():
    assert devices.is_oom(RuntimeError("CUDA out of memory. Tried to allocate"))
    assert devices.is_oom(torch.OutOfMemoryError("x"))
    assert not devices.is_oom(RuntimeError("shape mismatch"))
    note = devices.FallbackNote("cuda:0 (X)", "cpu (2 threads)", "out of memory")
    assert "continued on cpu" in str(note)


def test_predictor_falls_back_to_cpu_and_says_so(monkeypatch):
    """Simulate a GPU OOM: the predictor retries on the CPU and records a note."""
    import numpy as np

    from colorstudio.core.inference.predictor import Predictor
    from colorstudio.models import create

    p = Predictor(create("unet-gan", weights=False, base=8, depth=2), device="cpu")
    p.device = torch.device("meta")  # pretend to be on an accelerator
    calls = []
    real = p._forward

    def flaky(x, method):
        calls.append(p.device.type)
        if p.device.type == "meta":
            raise RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")
        return real(x, method)

    monkeypatch.setattr(p, "_forward", flaky)
    monkeypatch.setattr(devices, "describe", lambda d: str(d))
    monkeypatch.setattr("colorstudio.core.inference.predictor.describe", lambda d: str(d))
    y = p.predict_ab(np.zeros((1, 1, 32, 32), np.float32))
    assert y.shape == (1, 2, 32, 32)
    assert calls == ["meta", "cpu"]
    assert p.fallback is not None and "continued on cpu" in str(p.fallback)
