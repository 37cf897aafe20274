"""docs/architecture.md stays true: every package it names exists, every package is named."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text()


def _packages() -> set[str]:
    found = set()
    for top in ("colorstudio", "trainer"):
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    found.add("colorstudio.resources")            # resources/ installs as this package
    if (ROOT / "trainer" / "presets").is_dir():
        found.add("trainer.presets")
    return found


def _named() -> set[str]:
    table = DOC.split("## Packages", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_.]+)` \|", table, re.M))


def test_every_package_is_named_in_the_map():
    missing = _packages() - _named() - {"colorstudio"}
    assert not missing, f"docs/architecture.md does not name {sorted(missing)}"


def test_every_package_named_in_the_map_exists():
    top_level = {"bench", "tests", "scripts"}
    for name in _named():
        if name in top_level:
            assert (ROOT / name).is_dir(), name
        elif name == "colorstudio.resources":
            assert (ROOT / "resources" / "__init__.py").is_file()
        else:
            assert (ROOT.joinpath(*name.split(".")) / "__init__.py").is_file() or \
                (ROOT.joinpath(*name.split("."))).is_dir(), f"{name} is named but does not exist"


def test_modules_named_in_the_map_exist():
    """Module names in back-quotes inside a package's row must be files of that package."""
    table = DOC.split("## Packages", 1)[1].split("\n## ", 1)[0]
    for row in table.splitlines()[2:]:
        m = re.match(r"^\| `([a-z_.]+)` \| (.*?) \|", row)
        if not m or m.group(1) in ("bench", "tests", "scripts", "colorstudio.resources", "trainer.presets"):
            continue
        folder = ROOT.joinpath(*m.group(1).split("."))
        for mod in re.findall(r"`([a-z_]+)\*?`", m.group(2)):
            hits = list(folder.glob(f"{mod}*.py")) + [p for p in [folder / mod] if p.is_dir()]
            assert hits, f"docs/architecture.md names {m.group(1)}.{mod}, which does not exist"
