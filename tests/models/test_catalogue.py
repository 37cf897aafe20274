"""The model catalogue: what a model is, from the registry, the weights' metadata and the
scores file beside them (core.io.scorefile), named by the one list of photo groups."""

from __future__ import annotations

from colorstudio.models import spec
from colorstudio.models.catalogue import ModelEntry, list_models


def test_shipped_entries_carry_their_weights_and_scores():
    entries = list_models("colorize")
    assert entries and all(e.task == "colorize" and e.origin == "shipped" for e in entries)
    for e in entries:
        s = spec(e.name)
        assert e.weights == (s.weights_path() if s.has_weights else None) and e.trained == s.has_weights
    trained = [e for e in entries if e.trained and e.scores.groups]
    assert trained, "no shipped colorizer with scores per kind of photo"
    assert "Held-out gain over no colour (dB): people " in trained[0].summary


def test_scores_given_as_the_files_object_are_read_by_the_schema():
    e = ModelEntry("m", "colorize", True, "d", "", 256, True, False,
                   scores={"groups": {"animals": {"gain_db": 1.25}, "hires": {"gain_db": -0.5}}})
    assert e.scores.groups["animals"]["gain_db"] == 1.25
    assert "animals & objects +1.2, hires -0.5" in e.summary
    bad = ModelEntry("m", "colorize", True, "d", "", 256, True, False, scores={"groups": {"people": "x"}})
    assert bad.summary.endswith("(Its training facts or scores file is malformed and was skipped.)")
