"""tests/reliability imports its corpus as ``reliability.corpus`` and the trainer's tiny
recipes from tests/trainer/helpers.py (``photo_dir`` comes from tests/conftest.py)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "trainer"))
