"""Predictor back-ends: ONNX Runtime and torch agree, fusion is exact, weights stay intact."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from colorstudio.core.inference import backends
from colorstudio.core.inference.predictor import Predictor
from colorstudio.models import create
from colorstudio.models.layers import Colorizer

ort = pytest.importorskip("onnxruntime")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COLORSTUDIO_BACKEND", raising=False)


def small_unet(seed: int = 0, hints: bool = False):
    torch.manual_seed(seed)
    m = create("unet-hints" if hints else "unet-gan", weights=False, base=8, depth=2)
    # Non-trivial BN statistics, so fusion has something to get wrong.
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
    return m.eval()


def eager(model, x: np.ndarray, method: str = "predict_ab") -> np.ndarray:
    with torch.no_grad():
        return getattr(model, method)(torch.from_numpy(x)).numpy()


@pytest.mark.slow
def test_ort_and_torch_agree_with_the_eager_model_at_any_shape():
    m = small_unet()
    p_ort, p_torch = Predictor(m, "cpu", backend="onnxruntime"), Predictor(m, "cpu", backend="torch")
    assert p_ort.backend == "onnxruntime" and p_torch.backend == "torch"
    rng = np.random.default_rng(0)
    for shape in [(1, 1, 64, 64), (3, 1, 96, 160), (2, 1, 32, 128)]:
        x = rng.uniform(-0.5, 0.5, shape).astype(np.float32)
        ref = eager(m, x)
        a, b = p_ort.predict_ab(x), p_torch.predict_ab(x)
        assert a.shape == b.shape == ref.shape and a.dtype == np.float32
        np.testing.assert_allclose(a, ref, atol=1e-4)
        np.testing.assert_allclose(b, ref, atol=1e-4)
    assert p_ort.backend == "onnxruntime" and p_ort.backend_note is None


def test_auto_uses_ort_on_cpu_and_env_can_force_torch(monkeypatch):
    m = small_unet()
    assert Predictor(m, "cpu").backend == "onnxruntime"
    monkeypatch.setenv("COLORSTUDIO_BACKEND", "torch")
    assert Predictor(m, "cpu").backend == "torch"
    with pytest.raises(ValueError, match="unknown inference backend"):
        Predictor(m, "cpu", backend="tensorrt-ish")


def test_explicit_ort_without_onnxruntime_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(backends, "ort_available", lambda: False)
    m = small_unet()
    with pytest.raises(backends.BackendError, match="not installed"):
        Predictor(m, "cpu", backend="onnxruntime")
    assert Predictor(m, "cpu").backend == "torch"  # auto: silently torch when ORT is absent


@pytest.mark.slow
def test_fused_copy_matches_and_leaves_the_model_and_state_dict_untouched():
    m = small_unet()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    fused = backends.fuse_conv_bn(m)
    n_bn = lambda mod: sum(isinstance(x, nn.BatchNorm2d) for x in mod.modules())  # noqa: E731
    assert n_bn(fused) == 0 and n_bn(m) > 0
    x = np.random.default_rng(1).uniform(-0.5, 0.5, (2, 1, 64, 96)).astype(np.float32)
    np.testing.assert_allclose(eager(fused, x), eager(m, x), atol=1e-5)
    Predictor(m, "cpu").predict_ab(x)
    after = m.state_dict()
    assert list(after) == list(before)
    for k, v in before.items():
        assert torch.equal(after[k], v), k
        assert after[k].is_contiguous(), k  # still saves as a plain tensor


@pytest.mark.slow
def test_fusion_of_transposed_conv_and_bn():
    torch.manual_seed(0)
    seq = nn.Sequential(nn.ConvTranspose2d(4, 6, 4, 2, 1, bias=False), nn.BatchNorm2d(6), nn.ReLU())
    seq[1].running_mean.uniform_(-1, 1)
    seq[1].running_var.uniform_(0.5, 2)
    seq.eval()
    fused = backends.fuse_conv_bn(seq)
    assert isinstance(fused[1], nn.Identity)
    x = torch.randn(2, 4, 5, 7)
    with torch.no_grad():
        torch.testing.assert_close(fused(x), seq(x), atol=1e-5, rtol=1e-5)


@pytest.mark.slow
def test_in_place_weight_changes_are_picked_up():
    m = small_unet(0)
    p = Predictor(m, "cpu")
    x = np.random.default_rng(2).uniform(-0.5, 0.5, (1, 1, 64, 64)).astype(np.float32)
    first = p.predict_ab(x)
    m.load_state_dict(small_unet(1).state_dict())  # e.g. a training step or a new checkpoint
    second = p.predict_ab(x)
    assert not np.allclose(first, second)
    np.testing.assert_allclose(second, eager(m, x), atol=1e-4)


def test_hint_model_runs_on_ort():
    m = small_unet(hints=True)
    p = Predictor(m, "cpu", backend="onnxruntime")
    x = np.random.default_rng(3).uniform(-0.5, 0.5, (1, 4, 64, 64)).astype(np.float32)
    np.testing.assert_allclose(p.predict_ab(x), eager(m, x), atol=1e-4)
    assert p.backend == "onnxruntime"


@pytest.mark.slow
def test_exports_of_saved_weights_are_cached_on_disk(tmp_path):
    m = small_unet()
    m.meta = {"family": "unet-gan"}  # as create() sets for weights read from a file
    x = np.random.default_rng(4).uniform(-0.5, 0.5, (1, 1, 64, 64)).astype(np.float32)
    Predictor(m, "cpu").predict_ab(x)
    files = list((tmp_path / "cache" / "onnx").glob("*.onnx"))
    assert len(files) == 1 and files[0].name.startswith("unet-gan-predict_ab-")
    p2 = Predictor(m, "cpu")
    p2.warm_up("predict_ab")
    assert list((tmp_path / "cache" / "onnx").glob("*.onnx")) == files
    np.testing.assert_allclose(p2.predict_ab(x), eager(m, x), atol=1e-4)
    # different weights -> a different file; random init (no meta) -> nothing on disk
    m2 = small_unet(5)
    m2.meta = {"family": "unet-gan"}
    Predictor(m2, "cpu").predict_ab(x)
    assert len(list((tmp_path / "cache" / "onnx").glob("*.onnx"))) == 2
    Predictor(small_unet(6), "cpu").predict_ab(x)
    assert len(list((tmp_path / "cache" / "onnx").glob("*.onnx"))) == 2


@pytest.mark.slow
def test_a_damaged_cache_file_is_replaced(tmp_path):
    m = small_unet()
    m.meta = {"family": "unet-gan"}
    x = np.random.default_rng(6).uniform(-0.5, 0.5, (1, 1, 64, 64)).astype(np.float32)
    Predictor(m, "cpu").predict_ab(x)
    (f,) = (tmp_path / "cache" / "onnx").glob("*.onnx")
    f.write_bytes(b"not an onnx model")
    p = Predictor(m, "cpu", backend="onnxruntime")
    np.testing.assert_allclose(p.predict_ab(x), eager(m, x), atol=1e-4)
    assert p.backend == "onnxruntime"


class ShapeFrozen(Colorizer):
    """Traces to a graph that only works at the traced size (a Python int from a shape)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        w = int(y.shape[-1])  # frozen into the trace as a constant
        return y[..., : w // 2].repeat(1, 1, 1, 2)


def test_an_export_that_disagrees_falls_back_to_torch_and_says_so(caplog):
    m = ShapeFrozen().eval()
    p = Predictor(m, "cpu")
    x = np.random.default_rng(7).uniform(-0.5, 0.5, (1, 1, 32, 48)).astype(np.float32)
    with caplog.at_level("WARNING"):
        out = p.predict_ab(x)
    np.testing.assert_allclose(out, eager(m, x), atol=1e-5)
    assert p.backend == "torch"
    assert p.backend_note and "running on torch" in p.backend_note
    assert any("ONNX Runtime unavailable" in r.message for r in caplog.records)


@pytest.mark.slow
def test_fixed_size_translator_runs_at_other_sizes_too():
    torch.manual_seed(0)
    m = create("pix2pix-facades", weights=False, ngf=4, num_downs=5)
    p = Predictor(m, "cpu", backend="onnxruntime")
    for side in (256, 64):  # its render size, then another size the pipeline may ask for
        x = np.random.default_rng(side).uniform(-1, 1, (1, 3, side, side)).astype(np.float32)
        np.testing.assert_allclose(p.run(x), eager(m, x, "forward"), atol=1e-4)
    assert p.backend == "onnxruntime"


@pytest.mark.slow
def test_inputs_ort_rejects_run_on_torch_and_torch_explains():
    m = create("pix2pix-facades", weights=False, ngf=4, num_downs=5)
    p = Predictor(m, "cpu")
    x = np.zeros((1, 3, 48, 48), np.float32)  # not a multiple of 2**num_downs
    with pytest.raises(ValueError, match="multiples of 32"):
        p.run(x)


@pytest.mark.slow
def test_auto_keeps_ort_where_it_is_faster_and_torch_where_torch_is(monkeypatch):
    m = small_unet()
    x = np.random.default_rng(8).uniform(-0.5, 0.5, (1, 1, 64, 64)).astype(np.float32)
    calls = []

    def fake_best_of(fn, n=3):  # first call times ORT, second torch
        calls.append(fn)
        return 1.0 if len(calls) % 2 else ratio

    monkeypatch.setattr(backends.OrtRunner, "_best_of", staticmethod(fake_best_of))
    ratio = 2.0  # torch twice as slow -> ORT
    p = Predictor(m, "cpu")
    np.testing.assert_allclose(p.predict_ab(x), eager(m, x), atol=1e-4)
    assert p.backend == "onnxruntime" and p.backend_note is None
    ratio = 0.25  # torch four times faster -> torch, and the note says so
    p = Predictor(m, "cpu")
    np.testing.assert_allclose(p.predict_ab(x), eager(m, x), atol=1e-4)
    assert p.backend == "torch" and "4.0x faster" in p.backend_note
    calls.clear()
    p = Predictor(m, "cpu", backend="onnxruntime")  # an explicit choice is not second-guessed
    p.predict_ab(x)
    assert p.backend == "onnxruntime" and not calls


@pytest.mark.parametrize("fastest", ["split", "torch", "ort"])
def test_batches_are_timed_again_and_run_the_fastest_way(monkeypatch, fastest):
    """Issue 36: a batch of 8 cost the default colorizer more per image than one image, and
    the engines gain differently from a batch: the first batch is timed three ways (one
    image at a time, whole on torch, whole on ORT) and its batches run the fastest way;
    single images keep the engine their probe chose, and nothing is timed again."""
    m = small_unet()
    one = np.random.default_rng(8).uniform(-0.5, 0.5, (1, 1, 64, 64)).astype(np.float32)
    batch = np.repeat(one, 4, 0)
    # The runner times: the b1 probe (ORT, torch), then the batch (split, torch, ORT).
    order = ["probe-ort", "probe-torch", "split", "torch", "ort"]
    times = {"probe-ort": 1.0, "probe-torch": 1.0, "split": 1.0, "torch": 1.0, "ort": 1.0, fastest: 0.25}
    timed = []

    def fake_best_of(fn, n=3):
        name = order[len(timed)]
        timed.append(name)
        return times[name]

    monkeypatch.setattr(backends.OrtRunner, "_best_of", staticmethod(fake_best_of))
    ran = []
    real_torch, real_run = backends.TorchRunner.__call__, backends.OrtRunner._run
    monkeypatch.setattr(backends.TorchRunner, "__call__", lambda self, x, method: ran.append(("torch", len(x)))
                        or real_torch(self, x, method))
    monkeypatch.setattr(backends.OrtRunner, "_run", lambda self, sess, x, method: ran.append(("ort", len(x)))
                        or real_run(self, sess, x, method))
    p = Predictor(m, "cpu")
    np.testing.assert_allclose(p.predict_ab(one), eager(m, one), atol=1e-4)
    assert p.backend == "onnxruntime"                  # a tie at b1: ORT stays
    np.testing.assert_allclose(p.predict_ab(batch), eager(m, batch), atol=1e-4)
    assert timed == order
    ran.clear()
    p.predict_ab(batch)
    want = {"split": [("ort", 1)] * 4, "torch": [("torch", 4)], "ort": [("ort", 4)]}[fastest]
    assert ran == want
    ran.clear()
    p.predict_ab(one)
    assert ran == [("ort", 1)] and len(timed) == len(order)   # one image: its engine; nothing timed again


@pytest.mark.slow
def test_streams_run_side_by_side_and_agree_with_the_model(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    m = small_unet()
    p = Predictor(m, "cpu", backend="onnxruntime")
    monkeypatch.setattr(p._runner, "threads", 2)   # as on a 2-core machine, whatever this one is
    assert p.streams("predict_ab") == 2
    rng = np.random.default_rng(3)
    xs = [rng.uniform(-0.5, 0.5, s).astype(np.float32) for s in [(1, 1, 64, 64), (1, 1, 96, 128)] * 3]
    with ThreadPoolExecutor(2) as ex:
        outs = list(ex.map(lambda x: p.run_stream(x, "predict_ab"), xs))
    for x, y in zip(xs, outs):
        np.testing.assert_allclose(y, eager(m, x), atol=1e-4)
    # torch (and GPUs) run one input at a time on all threads: run_stream is plain run there.
    pt = Predictor(m, "cpu", backend="torch")
    assert pt.streams("predict_ab") == 1
    np.testing.assert_allclose(pt.run_stream(xs[0], "predict_ab"), eager(m, xs[0]), atol=1e-4)
