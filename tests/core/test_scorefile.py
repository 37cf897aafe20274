"""The scores file beside a model's weights (<weights>.eval.json): one schema, read in one place."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from colorstudio.core.io.scorefile import EvalScores, read_scores, scores_path, write_scores

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "resources" / "weights").glob("*.eval.json")) + \
    sorted((ROOT / "bench" / "weights").glob("*.eval.json"))


def _same(a, b) -> bool:
    """JSON values equal, NaN equal to NaN (a score that could not be taken)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scores_file_fits_the_schema_and_round_trips(path, tmp_path):
    s = read_scores(path)
    assert not s.empty and s.skipped == 0 and s.protocol
    again = read_scores(write_scores(tmp_path / path.name, s))
    assert again == s or _same(again.to_json(), s.to_json())
    assert _same(s.to_json(), json.loads(path.read_text()))


def test_a_colorizers_groups_and_a_translators_baseline():
    assert SHIPPED, "no shipped scores files"
    eff = read_scores(scores_path(ROOT / "resources" / "weights" / "effnet-unet.safetensors"))
    assert {"people", "scenes"} <= set(eff.groups) and "gain_db" in eff.groups["people"]
    facades = read_scores(ROOT / "resources" / "weights" / "pix2pix-facades.eval.json")
    assert facades.model and facades.baseline == facades.baselines["class_mean"] and "l1" in facades.baseline


@pytest.mark.parametrize("obj,skipped", [({"groups": 5}, 1), ({"groups": {"people": {"gain_db": "high"}}}, 1),
                                         ({"groups": {"people": []}}, 1), ({"model": {"l1": None}}, 1),
                                         ({"model": {"l1": True}, "images": "many"}, 2), ([1, 2], 1)])
def test_what_does_not_fit_is_left_out_and_counted(tmp_path, obj, skipped):
    f = tmp_path / "m.eval.json"
    f.write_text(json.dumps(obj))
    s = read_scores(f)
    assert s.skipped == skipped and not s.model.get("l1") and "gain_db" not in s.groups.get("people", {})
    with pytest.raises(ValueError, match="schema"):
        write_scores(tmp_path / "w.eval.json", obj if isinstance(obj, dict) else {"groups": obj})


def test_missing_huge_and_broken_files(tmp_path):
    assert read_scores(tmp_path / "none.eval.json") == EvalScores()
    big = tmp_path / "big.eval.json"
    big.write_bytes(b'{"x": "' + b"x" * (3 * 2 ** 20) + b'"}')
    broken = tmp_path / "broken.eval.json"
    broken.write_text('{"groups": {')
    for f in (big, broken):
        s = read_scores(f)
        assert s.empty and s.skipped == 1


def test_a_runs_validation_in_the_schemas_shape(tmp_path):
    s = EvalScores.from_validation({"psnr_rgb": 24.5, "psnr_rgb_gray": 23.0})
    assert s.model["psnr_rgb"] == 24.5 and s.baseline == {"psnr_rgb": 23.0}
    assert EvalScores.from_validation({}).empty
    written = json.loads(write_scores(tmp_path / "r.eval.json", s).read_text())
    assert written == {"model": {"psnr_rgb": 24.5, "psnr_rgb_gray": 23.0}, "baseline_ab0": {"psnr_rgb": 23.0}}
