"""The benchmark's own pieces: the ECCV16 reference net and the table's target lines."""

from __future__ import annotations


import numpy as np
import pytest


from bench.reference_eccv16 import colorize_reference, eccv16
from bench.speed import Report, Row, Stat, write_markdown


@pytest.mark.slow
def test_eccv16_reference_has_the_published_size_and_shapes():
    net = eccv16()
    n_params = sum(p.numel() for p in net.parameters())
    assert 32.0e6 < n_params < 32.5e6  # the published ECCVGenerator: ~32.2 M parameters
    img = np.random.default_rng(0).integers(0, 256, (37, 53), dtype=np.uint8)
    out = colorize_reference(img, net)
    assert out.shape == (37, 53, 3) and out.dtype == np.uint8


def test_report_lists_every_missed_target(tmp_path):
    rep = Report()
    rep.add(Row("2", "photo", Stat(612.0, 600.0, 640.0, 5), "ms", "{:.0f}", "< 500 ms", False))
    rep.add(Row("3", "saturation", Stat(40.0, 38.0, 45.0, 9), "ms", "{:.0f}", "< 100 ms", True))
    rep.add(Row("1", "peak", Stat(300.0, 290.0, 310.0, 10), "GFLOP/s", "{:.0f}"))
    text = rep.text()
    assert "MISSED [2] photo: 612 ms (target < 500 ms)" in text
    assert "saturation" in text and "MISSED [3]" not in text
    doc = tmp_path / "perf.md"
    doc.write_text("# Perf\n\nintro\n<!-- bench:start -->\nold\n<!-- bench:end -->\n\nafter\n")
    write_markdown(doc, rep.markdown())
    body = doc.read_text()
    assert "old" not in body and "intro" in body and "after" in body
    assert "| 2 | photo | 612 ms | 600 | 640 | 5 | < 500 ms | MISSED |" in body


def test_stat_map_keeps_min_below_max():
    s = Stat(0.5, 0.25, 1.0, 3).map(lambda t: 1.0 / t)
    assert (s.med, s.lo, s.hi) == pytest.approx((2.0, 1.0, 4.0))


def test_quality_targets_say_met_or_missed_per_group():
    """Issue 30's targets: gain (people +5.3, others +1.0), colourfulness 65%, colour recall no
    lower and false vivid halved against the decoding before issue 30, skin, aged photos within
    0.5 dB, hints +3 dB."""
    from bench.quality import colorizer_targets, hint_targets

    good = {"gain_db": 1.5, "colourfulness_ratio": 0.8, "cast": 2.0, "colour_recall": 0.7, "false_vivid": 0.01,
            "skin_hue_error_median": 9.0, "skin_chroma_ratio": 0.85, "hints_gain_db": 3.5, "hint1_landed": 0.95,
            "hint1_spread": 0.6}
    res = {"people": dict(good, gain_db=5.6), "scenes": dict(good, gain_db=0.9, cast=6.0),
           "animals": dict(good, colour_recall=0.3, colourfulness_ratio=0.6)}
    before = {"people": dict(good, false_vivid=0.03), "animals": dict(good, false_vivid=0.015)}
    aged = {"people": dict(good, gain_db=4.9), "scenes": dict(good, gain_db=0.5, skin_hue_error_median=40.0)}
    lines = dict(colorizer_targets("m", res, aged, before))
    assert lines["m people: gain +5.60 dB >= +5.3 dB"] and lines["m skin: hue error 9° <= 10°"]
    assert not lines["m scenes: gain +0.90 dB >= +1.0 dB"]
    assert not lines["m scenes: colour cast 6.0 <= 5 Lab units"]
    assert not lines["m animals: colourfulness 60% >= 65%"]
    assert not lines["m animals: colour recall 30% >= before 70%"]
    assert lines["m people: colour recall 70% >= before 70%"]
    assert lines["m people: false vivid 1.00% <= half of before 3.00%"]
    assert not lines["m animals: false vivid 1.00% <= half of before 1.50%"]
    assert not lines["m people aged: gain +4.90 dB within 0.5 dB of clean +5.60"]
    assert lines["m scenes aged: gain +0.50 dB within 0.5 dB of clean +0.90"]
    assert not lines["m skin aged: hue error 40° <= 15° (no olive or blue skin)"]
    hints = dict(hint_targets("h", {"people": dict(good, hint1_landed=0.5)}))
    assert not hints["h people: single hint lands 50% >= 90%"] and hints["h people: 10 hints +3.50 dB >= +3.0 dB"]


def test_generated_blocks_keep_the_hand_written_text(tmp_path):
    from bench.docgen import splice, write_block

    page = tmp_path / "doc.md"
    write_block(page, "bench.x", "table 1", "# Title")
    page.write_text(page.read_text() + "\nWhat I saw in the table.\n")
    write_block(page, "bench.x", "table 2")
    text = page.read_text()
    assert text.startswith("# Title") and "table 2" in text and "table 1" not in text
    assert text.rstrip().endswith("What I saw in the table.")
    assert splice(page, "bench.y", "other").count("generated:start") == 2
