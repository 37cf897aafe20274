"""Scores per kind of photo (bench/quality): held-out rule, skin, cast, hint tests."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from colorstudio.core import color
from colorstudio.core.inference.predictor import Predictor
from colorstudio.core.io.scorefile import read_scores, scores_path
from colorstudio.models import create
from trainer import data as tdata
from trainer.report.group_eval import evaluate_files, hue_error_deg, random_hint_colour
from colorstudio.core.photo_groups import GROUPS
from trainer.groups import held_out, held_out_by_group


@pytest.fixture(scope="module")
def photo_root(tmp_path_factory):
    """Tiny stand-ins for two real set folders: a face set (skin row) and the interiors."""
    root = tmp_path_factory.mktemp("sets")
    rng = np.random.default_rng(3)
    for name in ("utkface_faces", "places365_indoor_rooms"):
        (root / name).mkdir()
        for i in range(41):
            small = rng.integers(0, 256, (3, 3, 3)).astype(np.uint8)
            cv2.imwrite(str(root / name / f"{i:03d}.jpg"), cv2.resize(small, (48, 40), interpolation=cv2.INTER_CUBIC))
    return root


def test_held_out_is_the_trainers_split(photo_root):
    by = held_out_by_group(photo_root)
    assert set(by) == {"people", "interiors"}  # groups without folders are left out
    files = tdata.list_images(photo_root / "utkface_faces")
    assert by["people"] == tdata.split_files(files, 20)[1] == [files[0], files[20], files[40]]
    assert len(held_out(photo_root, ("utkface_faces", "places365_indoor_rooms"), limit=4)) == 4
    assert {g.key for g in GROUPS} == {"people", "interiors", "animals", "scenes", "mixed", "hires"}


def test_hue_error_and_in_gamut_hint_colours():
    assert hue_error_deg(np.array([10.0, 0.0]), np.array([0.0, 10.0])) == pytest.approx(90.0)
    assert hue_error_deg(np.array([10.0, 1.0]), np.array([-10.0, 1.0])) == pytest.approx(168.58, abs=0.1)
    assert hue_error_deg(np.array([5.0, -5.0]), np.array([5.0, 5.0])) == pytest.approx(90.0)
    rng = np.random.default_rng(0)
    for L in (30.0, 55.0, 80.0):
        a, b = random_hint_colour(L, rng)
        assert 25 <= np.hypot(a, b) <= 55
        back = color.rgb_to_lab(color.lab_to_rgb(np.array([[[L, a, b]]], np.float32)))[0, 0]
        assert np.abs(back[1:] - [a, b]).max() < 2.0


def test_evaluate_files_scores_skin_cast_and_hints(photo_root):
    pred = Predictor(create("unet-hints", weights=False, base=8, depth=2, hint_skip=True), device="cpu")
    files = held_out(photo_root, ("utkface_faces",))
    r = evaluate_files(pred, files, size=32, hints=True, skin=True, example_ids=[0])
    assert r["images"] == 3 and r["skin_images"] == 3 and len(r["_examples"]) == 1
    assert 0 <= r["skin_hue_error_median"] <= 180 and r["skin_chroma_ratio"] >= 0
    assert r["gain_db"] == pytest.approx(r["psnr_rgb"] - r["base_psnr_rgb"])
    assert r["cast"] == pytest.approx(np.linalg.norm(np.subtract(r["mean_ab"], r["mean_ab_gt"])))
    assert 0 <= r["hint1_landed"] <= 1 and "hints_gain_db" in r
    r2 = evaluate_files(pred, held_out(photo_root, ("places365_indoor_rooms",)), size=32, skin=True)
    assert "skin_hue_error_median" not in r2 and "hints_gain_db" not in r2  # skin only on face sets


def test_model_card_of_a_mix_run_has_the_per_group_table(photo_root, tmp_path):

    from helpers import tiny_config
    from trainer.report.cards import write_card
    from trainer.engine.export import export_run
    from trainer.engine.loop import train

    run = tmp_path / "run"
    train(tiny_config("unet-hints", photo_root, "max_steps=1", "val_every_nth=20", "model.hint_skip=true"), run)
    w = export_run(run, tmp_path / "unet-hints.safetensors")
    card = write_card(w).read_text()
    assert "| people (faces, portraits, fashion) | 3 |" in card and "| interiors | 3 |" in card
    assert "10 truth hints" in card
    res = read_scores(scores_path(w))
    assert set(res.groups) == {"people", "interiors"} and "skin_hue_error_median" in res.groups["people"]
    assert "hint1_landed" in res.groups["interiors"] and not res.skipped
