import numpy as np
import pytest
import torch

from colorstudio.core import color
from trainer.engine import losses
from trainer.engine.sampling import sample_hints
from trainer.engine.surgery import init_from


def test_rebalance_weights_favour_rare_colours():
    rng = np.random.default_rng(0)
    common = rng.normal(0, 3, (9000, 2))              # near gray
    rare = rng.normal((60, 40), 3, (1000, 2))         # saturated
    rb = losses.AbRebalance.from_samples(np.concatenate([common, rare]).astype(np.float32))
    ab = torch.tensor([[[[0.0]], [[0.0]]], [[[60.0]], [[40.0]]]]) / color.AB_SCALE
    w = rb(ab).flatten()
    assert w[1] > 2 * w[0]
    abn = torch.from_numpy(np.concatenate([common, rare]).astype(np.float32).T[None, :, :, None]) / color.AB_SCALE
    assert float(rb(abn).mean()) == pytest.approx(1.0, rel=0.05)  # E_p[w] = 1


def test_gan_labels_tricks():
    logits = torch.zeros(1000, 1)
    assert torch.all(losses.gan_labels(logits, True) == 1)
    assert torch.allclose(losses.gan_labels(logits, True, smoothing=0.1), torch.tensor(0.9))
    noisy = losses.gan_labels(logits, False, noise=0.05)
    assert 0 <= noisy.min() and noisy.max() <= 0.05 and noisy.std() > 0
    flipped = losses.gan_labels(logits, True, flip=0.5)
    assert 0.3 < float((flipped == 0).float().mean()) < 0.7


def test_pixel_losses_and_unknown_name():
    a, b = torch.zeros(1, 2, 4, 4), torch.ones(1, 2, 4, 4)
    assert float(losses.pixel_loss("l1", a, b)) == 1.0
    assert float(losses.pixel_loss("mse", a, 2 * b)) == 4.0
    assert float(losses.pixel_loss("l1", a, b, weight=torch.full((1, 1, 4, 4), 2.0))) == 2.0
    with pytest.raises(ValueError, match="unknown pixel loss"):
        losses.pixel_loss("l3", a, b)


def test_hints_reveal_ground_truth_patches():
    ab = torch.rand(64, 2, 16, 16) * 2 - 1
    h = sample_hints(ab, np.random.default_rng(0), p=0.125, max_hints=8)
    mask = h[:, 2] > 0
    assert 0 < float(mask.float().mean()) < 0.5
    assert (mask.flatten(1).sum(1) == 0).any()  # some images get no hints at all
    assert torch.all(h[:, :2][~mask.unsqueeze(1).expand(-1, 2, -1, -1)] == 0)


def test_init_from_pads_new_inputs_and_rejects_misfits(tmp_path):
    from colorstudio.core.io.checkpoint import save_weights
    from colorstudio.models import create
    from trainer.engine.loop import TrainError

    src = create("unet-gan", weights=False, base=8, depth=2)
    save_weights(tmp_path / "c.safetensors", src.state_dict())
    dst = create("unet-hints", weights=False, base=8, depth=2)
    assert init_from(dst, str(tmp_path / "c.safetensors"))["padded_inputs"] == 1
    w = dst.stem[0][0].weight.detach()
    assert float(w[:, 1:].abs().mean()) > 0.1 * float(w[:, :1].abs().mean())  # hints are heard from step 0
    with pytest.raises(TrainError, match="shape"):
        init_from(create("unet-hints", weights=False, base=16, depth=2), str(tmp_path / "c.safetensors"))


def test_hint_neighbourhood_weights_the_pixels_around_hints():
    from trainer.engine.losses import hint_neighbourhood

    m = torch.zeros(2, 1, 32, 32)
    m[0, 0, 10, 10] = 1.0
    m[0, 0, 20:23, 20:23] = 1.0
    n = hint_neighbourhood(m, 2.0, (32, 32))
    assert n[0, 0, 10, 10] == 1.0 and n[0, 0, 21, 21] == 1.0 and float(n.max()) == 1.0
    assert 0.5 < n[0, 0, 10, 12] < 1.0 and n[0, 0, 10, 20] < 0.01  # falls off with distance
    assert float(n[1].abs().max()) == 0.0                             # no hints: plain loss
    assert hint_neighbourhood(m, 2.0, (16, 16)).shape == (2, 1, 16, 16)
