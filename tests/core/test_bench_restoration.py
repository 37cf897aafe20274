"""bench.restoration's fills: the learned one beside Telea and Navier-Stokes on the same
photos and masks, its options, and the texture column."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench import restoration
from colorstudio.core.io import checkpoint
from colorstudio.models import create, registry


@pytest.fixture
def no_shipped_inpainter(monkeypatch, tmp_path):
    monkeypatch.setattr(registry.ModelSpec, "weights_path", lambda self: tmp_path / f"{self.name}.safetensors")


@pytest.fixture
def inpainter_file(tmp_path):
    m = create("inpaint-unet", weights=False, widths=[4, 4, 8, 8], dilations=[2])
    return checkpoint.save_weights(tmp_path / "inp.safetensors", m.state_dict(),
                                   {"family": "inpaint-unet", "config": m.config})


def _fills(argv):
    ap = restoration.parser()
    return restoration._fills(ap, ap.parse_args(argv))


def test_the_fill_options_parse(no_shipped_inpainter, inpainter_file):
    a = restoration.parser().parse_args(["--fills", "telea,ns,learned", "--inpainter", str(inpainter_file),
                                         "--fill", "learned"])
    assert (a.fills, a.inpainter, a.fill) == ("telea,ns,learned", inpainter_file, "learned")
    assert _fills([]) == (["telea", "ns"], None)                       # no inpainter: the classical ones
    fills, net = _fills(["--inpainter", str(inpainter_file)])
    assert fills == ["telea", "ns", "learned"] and net.name == "inpaint-unet"
    assert _fills(["--fills", "ns, telea"]) == (["ns", "telea"], None)


@pytest.mark.parametrize("argv, message", [
    (["--fills", "telea,blur"], "--fills: blur; each one of telea, ns, learned"),
    (["--fills", "telea,learned"], "the learned fill needs --inpainter WEIGHTS"),
    (["--fill", "learned"], "the learned fill needs --inpainter WEIGHTS"),
])
def test_bad_fill_options_are_one_line_errors(no_shipped_inpainter, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        _fills(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_an_inpainter_of_another_family_is_refused(no_shipped_inpainter, tmp_path, capsys):
    m = create("damage-unet", weights=False, widths=[4, 4, 8, 8])
    other = checkpoint.save_weights(tmp_path / "det.safetensors", m.state_dict(),
                                    {"family": "damage-unet", "config": m.config})
    with pytest.raises(SystemExit):
        _fills(["--fills", "learned", "--inpainter", str(other)])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith("error: --inpainter: det.safetensors holds a 'damage-unet' model, not 'inpaint-unet'")


def test_every_fill_is_scored_on_the_same_photos_with_its_texture(inpainter_file, tmp_path):
    rng = np.random.default_rng(0)
    photo = tmp_path / "p.png"
    cv2.imwrite(str(photo), cv2.resize(rng.integers(0, 256, (6, 8, 3)).astype(np.uint8), (160, 120)))
    _, net = _fills(["--fills", "telea,learned", "--inpainter", str(inpainter_file)])
    res = restoration.run({"photos": [photo]}, None, ["telea", "learned"], inpainter=net)
    g = res["groups"]["photos"]
    assert set(g) == {"oracle telea", "oracle learned"}
    assert g["oracle telea"].err_before == g["oracle learned"].err_before > 0     # the same masks
    assert g["oracle telea"].steps_truth == g["oracle learned"].steps_truth > 0
    assert 0.0 < g["oracle telea"].texture() < 2.0 and g["oracle learned"].texture() >= 0.0
    head = restoration.table(res)[0]
    assert "texture (oracle learned)" in head and "texture (oracle telea)" in head
    lines = restoration.targets(res)
    assert lines[0].startswith("fill telea with the true mask, all photos:") and "(1 photos)" in lines[0]
    assert lines[1].startswith("fill learned with") and lines[-1].startswith("no detector")
