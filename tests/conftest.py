"""Shared test settings: the repository root on the path, and quiet engine warnings."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# AppTest runs the app in this process: keep its computations here too (tests monkeypatch the
# engine and count calls). The worker-process path has its own tests (test_offload.py, and the
# load-test smoke test against the real app).
import os

os.environ.setdefault("MTL_WORKERS", "0")
