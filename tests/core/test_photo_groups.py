"""The kinds of photo a model is scored on and the held-out rule: one list for the trainer,
the benchmarks and the app's model catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from colorstudio.core.photo_groups import GROUPS, HELD_OUT_EVERY, group, held_out_split, short_name


def test_one_list_with_a_table_label_and_a_sentence_name():
    keys = [g.key for g in GROUPS]
    assert keys == ["people", "interiors", "animals", "scenes", "mixed", "hires"]
    assert [short_name(k) for k in keys[:5]] == ["people", "interiors", "animals & objects", "scenes", "mixed"]
    assert short_name("unknown") == "unknown" and group("animals").label == "animals and objects"
    with pytest.raises(KeyError, match="one of people"):
        group("nope")


def test_the_held_out_rule_every_20th_file_of_each_folder_from_the_first():
    files = [Path(d) / f"{i:03d}.png" for d in ("b", "a") for i in range(41)]
    kept, held = held_out_split(files)
    assert HELD_OUT_EVERY == 20
    assert held == [Path("a") / f"{i:03d}.png" for i in (0, 20, 40)] + [Path("b") / f"{i:03d}.png" for i in (0, 20, 40)]
    assert len(kept) == 82 - 6 and not set(kept) & set(held)
    with pytest.raises(ValueError):
        held_out_split(files, 1)
