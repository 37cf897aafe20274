"""The calibrated decoding of the bin head (issue 30): sure colour kept, unsure colour
muted, one colour per region of one lightness."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from colorstudio.core.color import abbins
from colorstudio.models import create
from colorstudio.models.ab_bins import Calibration, box_mean, calibrated_decode, guided_filter

BINS = torch.from_numpy(abbins.ab_bins())


def _logits_at(points: list[tuple[float, float, float]], hw=(8, 8)) -> torch.Tensor:
    """Logits whose softmax puts weight w on the bin nearest each (a, b, w), a little elsewhere."""
    p = torch.full((len(BINS),), 1e-4)
    for a, b, w in points:
        p[((BINS - torch.tensor([a, b])) ** 2).sum(1).argmin()] += w
    p = p / p.sum()
    return torch.log(p)[None, :, None, None].expand(1, len(BINS), *hw).clone()


def test_one_peak_keeps_its_colour_two_peaks_go_neutral():
    sure = calibrated_decode(_logits_at([(40, 30, 1.0)]), None, BINS, 0.38, Calibration())
    chroma = sure.colour().norm(dim=1)
    assert float(sure.keep.min()) == 1.0 and float((sure.colour() - torch.tensor([40.0, 30.0])[None, :, None, None])
                                                   .abs().max()) < 3.0
    torn = calibrated_decode(_logits_at([(50, 40, 0.5), (-20, -45, 0.5)]), None, BINS, 0.38, Calibration())
    assert float(torn.sure.max()) < 0.1            # the annealed mean lies between the peaks
    assert float(torn.colour().norm(dim=1).max()) < 5.0 < float(chroma.min())
    # the plain annealed mean of the same distribution is a confident mix
    assert float(torn.ab.norm(dim=1).min()) > 5.0


def test_coherence_averages_probabilities_within_a_region_not_across_an_edge():
    torch.manual_seed(0)
    h = w = 16
    guide = torch.zeros(1, 1, h, w)
    guide[..., w // 2:] = 0.4                           # an edge of 40 L units down the middle
    left = _logits_at([(45, 35, 1.0)], (h, w // 2)) + 2.0 * torch.randn(1, len(BINS), h, w // 2)
    right = _logits_at([(-25, -40, 1.0)], (h, w // 2)) + 2.0 * torch.randn(1, len(BINS), h, w // 2)
    logits = torch.cat([left, right], -1)
    plain = calibrated_decode(logits, guide, BINS, 0.38, Calibration(radius=0))
    coherent = calibrated_decode(logits, guide, BINS, 0.38, Calibration(radius=4, subsample=1))
    spread = lambda d, s: float(d.colour()[..., s].std(dim=(2, 3)).mean())  # noqa: E731
    assert spread(coherent, slice(0, w // 2)) < 0.5 * spread(plain, slice(0, w // 2))
    # each side keeps its own hue: a at the left is red-ish, at the right blue-ish
    c = coherent.colour()
    assert float(c[0, 0, :, :w // 2 - 1].min()) > 10 and float(c[0, 1, :, w // 2 + 1:].max()) < -10


def test_box_mean_and_guided_filter():
    x = torch.randn(2, 5, 13, 9)
    ref = F.avg_pool2d(F.avg_pool2d(x, (1, 7), 1, (0, 3), count_include_pad=False), (7, 1), 1, (3, 0),
                       count_include_pad=False)
    torch.testing.assert_close(box_mean(x, 3), ref, atol=1e-5, rtol=1e-5)
    flat = torch.zeros(1, 1, 13, 9)
    torch.testing.assert_close(guided_filter(x[:1], flat, 3, 1e-3), box_mean(box_mean(x[:1], 3), 3),
                               atol=1e-5, rtol=1e-5)


def test_calibration_options_are_checked():
    with pytest.raises(ValueError, match="unknown calibration option"):
        Calibration.of({"radiuss": 3})
    with pytest.raises(ValueError, match="out of range"):
        Calibration.of({"sure_lo": 0.6, "sure_hi": 0.5})
    assert Calibration.of(None) == Calibration()


def test_model_decodes_with_its_calibration_and_reports_sureness():
    torch.manual_seed(1)
    kw = dict(weights=False, decoder=[8, 8, 8, 8], bridge=8, bins_head=True)
    on, off = create("effnet-unet", **kw), create("effnet-unet", **kw, calibration={"on": False})
    off.load_state_dict(on.state_dict())
    x = torch.rand(1, 1, 64, 96) - 0.5
    with torch.no_grad():
        a, b = on(x), off(x)
        ab, logits = on._decode(x)
        torch.testing.assert_close(b, off.combine(ab, logits, x))
        torch.testing.assert_close(a, on.combine(ab, logits, x))
    assert a.shape == b.shape == (1, 2, 32, 48) and not torch.allclose(a, b)
    s = on.confidence(x)
    assert s.shape == (1, 1, 16, 24) and 0.0 <= float(s.min()) <= float(s.max()) <= 1.0
    assert create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8).confidence(x) is None
    assert np.isfinite(a.numpy()).all()


def _weights_favouring(chroma_at_least: float, factor: float) -> torch.Tensor:
    """Rebalancing weights that count colours of at least this chroma ``factor`` times."""
    return torch.where(BINS.norm(dim=1) >= chroma_at_least, factor, 1.0)


def test_prior_correction_undoes_the_rebalancing():
    # A head trained with vivid colours counted 20x says "red" with 0.8 where honestly it is
    # 0.8 / 20 against 0.2 for gray: the correction brings the gray back.
    logits = _logits_at([(45, 35, 0.8), (0, 0, 0.2)])
    w = _weights_favouring(20.0, 20.0)
    bold = calibrated_decode(logits, None, BINS, 0.38, Calibration(sure_lo=0.0, sure_hi=0.01), w)
    honest = calibrated_decode(logits, None, BINS, 0.38, Calibration(sure_lo=0.0, sure_hi=0.01,
                                                                     prior_correction=1.0), w)
    assert float(bold.colour().norm(dim=1).min()) > 30.0 > 10.0 > float(honest.colour().norm(dim=1).max())
    # without the model's weights the option changes nothing
    none = calibrated_decode(logits, None, BINS, 0.38, Calibration(sure_lo=0.0, sure_hi=0.01, prior_correction=1.0))
    torch.testing.assert_close(none.colour(), bold.colour())


def test_colour_gate_mutes_where_colour_itself_is_unlikely():
    w = _weights_favouring(20.0, 20.0)
    cal = Calibration(sure_lo=0.0, sure_hi=0.01, gate_chroma=15.0, gate_lo=0.3, gate_hi=0.6)
    likely = calibrated_decode(_logits_at([(45, 35, 0.97), (0, 0, 0.03)]), None, BINS, 0.38, cal, w)
    unlikely = calibrated_decode(_logits_at([(45, 35, 0.8), (0, 0, 0.2)]), None, BINS, 0.38, cal, w)
    assert float(likely.keep.min()) == 1.0 and float(unlikely.keep.max()) == 0.0
    with pytest.raises(ValueError, match="out of range"):
        Calibration.of({"gate_lo": 0.7, "gate_hi": 0.6})


def test_class_weights_travel_in_the_model_config(tmp_path):
    from colorstudio.core.io import checkpoint

    w = [1.0 + i / 313 for i in range(313)]
    m = create("effnet-unet", weights=False, decoder=[8, 8, 8, 8], bridge=8, bins_head=True, class_weights=w)
    path = checkpoint.save_weights(tmp_path / "m.safetensors", m.state_dict(), {"family": "effnet-unet",
                                                                                "config": m.config})
    again = create("effnet-unet", weights=path)
    torch.testing.assert_close(again.class_weights, torch.tensor(w))
