"""The architecture's boundaries hold: pyproject's import-linter contracts, and no import
cycle between our modules, not even through an import inside a function.

Run as a script (``python tests/test_boundaries.py [ROOT]``) it prints the cycles, the
module graph's size and the largest modules of a checkout.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("colorstudio", "trainer")
CONTRACTS = 9   # pyproject's [[tool.importlinter.contracts]]: deleting one must fail here


# --------------------------------------------------------------------------- the module graph
def module_files(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of ``packages`` under ``root``."""
    out: dict[str, Path] = {}
    for pkg in packages:
        for f in sorted((root / pkg).rglob("*.py")):
            parts = list(f.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = f
    return out


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Dotted names an Import/ImportFrom node may load (``from a import b``: a.b and a)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [f"{target}.{a.name}" for a in node.names] + [target]


def import_graph(root: Path = ROOT, packages=PACKAGES) -> dict[str, set[str]]:
    """module -> modules of ``packages`` it imports anywhere (top level, in functions and
    classes, under ``if``/``try``).  ``from a import b`` points at the submodule ``a.b``
    when there is one, else at ``a``; ``import a.b.c`` points at ``a.b.c`` only (as
    grimp, import-linter's graph, does: parent packages are not edges)."""
    files = module_files(root, packages)
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = _imported(node, mod, is_pkg)
            if isinstance(node, ast.ImportFrom):
                subs = [n for n in names[:-1] if n in files]
                hits = subs if subs else ([names[-1]] if names[-1] in files else [])
                if len(subs) < len(names) - 1 and names[-1] in files:
                    hits.append(names[-1])   # some names are attributes of the package itself
            else:
                hits = []
                for n in names:   # the deepest of our modules the dotted name reaches
                    parts = n.split(".")
                    while parts and ".".join(parts) not in files:
                        parts.pop()
                    if parts:
                        hits.append(".".join(parts))
            graph[mod].update(h for h in hits if h != mod)
    return graph


def tangles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (each imports all the others,
    directly or not), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:   # Tarjan, iteratively (deep graphs, no recursion limit)
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        group.append(w)
                        if w == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(groups)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a -> b -> ... -> a) for each strongly connected group of modules."""
    out = []
    for group in tangles(graph):   # the shortest way from the group's first module back to it
        members, start = set(group), group[0]
        prev: dict[str, str] = {}
        todo, found = [start], None
        while todo and found is None:
            nxt = []
            for a in todo:
                for b in sorted(graph[a] & members):
                    if b == start:
                        found = a
                        break
                    if b not in prev:
                        prev[b] = a
                        nxt.append(b)
                if found is not None:
                    break
            todo = nxt
        path = [found]
        while path[-1] != start:
            path.append(prev[path[-1]])
        out.append(path[::-1] + [start])
    return out


def largest_modules(root: Path = ROOT, n: int = 12) -> list[tuple[int, str]]:
    lines = [(len(p.read_text(encoding="utf-8").splitlines()), m) for m, p in module_files(root).items()]
    return sorted(lines, reverse=True)[:n]


# --------------------------------------------------------------------------- tests
def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles (imports inside functions count):\n" + "\n".join(
        " -> ".join(c) for c in found)


def test_cycle_finder_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "colorstudio"
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("from colorstudio.core import b\n")
    (pkg / "core" / "b.py").write_text("def f():\n    from . import c\n")
    (pkg / "core" / "c.py").write_text("def g():\n    from .a import x\n")
    assert cycles(import_graph(tmp_path, ("colorstudio",))) == [
        ["colorstudio.core.a", "colorstudio.core.b", "colorstudio.core.c", "colorstudio.core.a"]]


def test_import_contracts_kept():
    exe = Path(sys.executable).parent / "lint-imports"
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    res = subprocess.run(cmd + ["--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert f"Contracts: {CONTRACTS} kept, 0 broken" in res.stdout, res.stdout[-3000:]


def test_core_imports_without_qt_or_torch():
    """The core loads without Qt, and without torch until a network is needed."""
    code = ("import sys; import colorstudio.core.batch, colorstudio.core.batch.frames, colorstudio.core.io.imageio, "
            "colorstudio.core.colorize.pipeline, colorstudio.core.io.runs, colorstudio.cli; "
            "print(sorted(m for m in ('torch', 'PySide6', 'trainer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


if __name__ == "__main__":
    where = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    g = import_graph(where)
    found = cycles(g)
    print(f"{len(g)} modules, {sum(map(len, g.values()))} import edges, {len(found)} cycle group(s)")
    for c, t in zip(found, tangles(g)):
        print("  " + " -> ".join(c) + (f"   (group of {len(t)}: {', '.join(t)})" if len(t) > len(c) - 1 else ""))
    print("largest modules:")
    for n, m in largest_modules(where):
        print(f"  {n:5d}  {m}")
