#!/usr/bin/env bash
# Build a self-contained ColorStudio folder in dist/ with PyInstaller (onedir).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m pip install -q "pyinstaller>=6.5"
"$PY" -m PyInstaller --noconfirm --clean packaging/colorstudio.spec
echo "built: $(ls -d dist/colorstudio-*)"
