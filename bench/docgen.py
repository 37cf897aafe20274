"""Generated sections of the docs: a benchmark rewrites only its own block of a page.

A block is delimited by ``<!-- generated:start NAME -->`` and ``<!-- generated:end NAME -->``
lines; what is written around it by hand (readings of the tables, pictures looked at)
stays when the benchmark runs again.
"""

from __future__ import annotations

from pathlib import Path


def splice(path: Path, name: str, text: str, title: str = "") -> str:
    """``path``'s text with block ``name`` replaced by ``text`` (appended when missing;
    a missing page starts with ``title``).  Returns the new page; the caller writes it."""
    start, end = f"<!-- generated:start {name} -->", f"<!-- generated:end {name} -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if start in old and end in old:
        head, rest = old.split(start, 1)
        return head + block + rest.split(end, 1)[1]
    if not old.strip():
        return (f"{title}\n\n" if title else "") + block + "\n"
    return old.rstrip() + "\n\n" + block + "\n"


def write_block(path: Path, name: str, text: str, title: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(splice(path, name, text, title), encoding="utf-8")
