"""The architecture's boundaries (pyproject's import-linter contracts) hold."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_kept():
    exe = Path(sys.executable).parent / "lint-imports"
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    res = subprocess.run(cmd + ["--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken" in res.stdout or "0 broken" in res.stdout


def test_core_imports_without_qt_or_torch():
    """The core loads without Qt, and without torch until a network is needed."""
    code = ("import sys; import colorstudio.core.batch, colorstudio.core.frames, colorstudio.core.imageio, "
            "colorstudio.core.pipeline, colorstudio.cli; "
            "print(sorted(m for m in ('torch', 'PySide6', 'trainer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
