"""The workflow tests of plug-in instruments import the toy instrument of
tests/instruments/test_instruments.py (its reader, files and registration) by module name."""

import sys
from pathlib import Path

TOY_DIR = str(Path(__file__).resolve().parents[1] / "instruments")
if TOY_DIR not in sys.path:
    sys.path.insert(0, TOY_DIR)
