"""Make the repository's ``bench`` directory importable as the ``bench`` package.

The benchmark is a script tree run from the repo root (``bench/run.py``), not
an installed package, so its helpers are imported from the checkout.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
