"""engine.balance: folder-weighted epoch order (shares, determinism, ranks, no early repeats)."""

from collections import Counter
from pathlib import Path

import pytest

from trainer.config import ConfigError, TrainConfig
from trainer.engine.balance import FolderBalancedSampler, folder_of, folder_shares


def _folders(**sizes: int) -> list[str]:
    return [k for k, n in sizes.items() for _ in range(n)]


def test_folder_of_takes_the_top_level_folder():
    root = Path("/data/photos")
    assert folder_of(root / "scenes" / "a" / "x.jpg", root) == "scenes"
    assert folder_of(root / "x.jpg", root) == ""


def test_square_root_shares_lift_small_folders():
    s = folder_shares({"big": 900, "small": 100}, 0.5)
    assert s["big"] == pytest.approx(0.75) and s["small"] == pytest.approx(0.25)
    assert folder_shares({"big": 900, "small": 100}, 0.0) == {"big": 0.5, "small": 0.5}


def test_an_epoch_draws_folders_by_their_shares_and_keeps_its_length():
    s = FolderBalancedSampler(_folders(big=900, small=100), 0.5, seed=3)
    order = list(s)
    assert len(order) == len(s) == 1000
    c = Counter("big" if i < 900 else "small" for i in order)
    assert c == {"big": 750, "small": 250}
    # the small folder repeats only after all of its files were drawn once
    small = [i for i in order if i >= 900]
    assert set(small) == set(range(900, 1000))
    assert max(Counter(small).values()) == 3


def test_the_order_depends_on_seed_and_epoch_only():
    f = _folders(a=50, b=10, c=7)
    s1, s2 = FolderBalancedSampler(f, 0.5, seed=1), FolderBalancedSampler(f, 0.5, seed=1)
    assert list(s1) == list(s2)
    s2.set_epoch(1)
    assert list(s1) != list(s2)
    assert list(FolderBalancedSampler(f, 0.5, seed=2)) != list(s1)


def test_ranks_split_one_epoch_without_overlap():
    f = _folders(a=41, b=20)
    whole = FolderBalancedSampler(f, 0.0, num_replicas=2, seed=5).epoch_order()
    r0, r1 = (list(FolderBalancedSampler(f, 0.0, num_replicas=2, rank=r, seed=5)) for r in (0, 1))
    assert len(r0) == len(r1) == 30
    assert len(whole) == 60 and sorted(r0 + r1) == sorted(whole.tolist())


def test_the_config_bounds_the_power():
    with pytest.raises(ConfigError):
        TrainConfig(family="unet-gan", folder_balance=1.5).validate()
