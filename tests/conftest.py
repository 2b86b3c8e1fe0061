"""Shared test settings (the repository root on the path, fits in this process) and shared fixtures."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# AppTest runs the app in this process: keep its computations here too (tests monkeypatch the
# engine and count calls). The worker-process path has its own tests (test_offload.py, and the
# load-test smoke test against the real app).
os.environ.setdefault("MTL_WORKERS", "0")


@pytest.fixture(scope="session", params=[
    {},
    dict(n_features=4, n_tasks=7, n_unrelated=2, x_feature=2, y_feature=0),
    dict(family="nonlinear", model="shared_hidden", strength=1e-3, n_epochs=20),
], ids=["default", "4d-7tasks", "nonlinear-hidden"])
def compare_data(request):
    """The Compare page's results on three scenarios, computed once for the figure and the export tests."""
    from dashboard import compute
    from dashboard.scenario import Scenario

    return compute.compare_scenario(Scenario(**request.param))
