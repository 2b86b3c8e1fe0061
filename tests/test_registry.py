"""The model registry (`mtl_core.MODELS`): one check over every registered model, and who reads it."""

from __future__ import annotations

import inspect
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mtl_core import MODELS, MTLEstimator, make_tasks
from mtl_core.cli import MODEL_KEYS
from mtl_core.models.registry import BASELINES, MTL_MODELS, spec_for_cli

ROOT = Path(__file__).resolve().parents[1]
QUICK = {"k": 1, "n_hidden": 3}


@pytest.mark.parametrize("key", list(MODELS))
def test_every_registered_model_is_a_working_estimator(key):
    spec = MODELS[key]
    assert spec.key == key and issubclass(spec.cls, MTLEstimator)
    params = inspect.signature(spec.cls).parameters
    # the strength, the scenario's options and the app's solver settings are constructor parameters
    assert spec.strength in params and params[spec.strength].default is not inspect.Parameter.empty
    for name in spec.options + tuple(name for name, _ in spec.fit_options):
        assert name in params, (key, name)
    assert spec.name == spec.cls().name and spec.label and spec.explanation and spec.auto_rule
    assert spec.fallback_strength > 0 and spec.view_strength > 0
    # the objective the Models page shows is written in the class docstring
    from dashboard.model_info import mtl_objective

    assert mtl_objective(key)
    ts = make_tasks(n_tasks=3, n_features=2, n_train=12, n_test=50, seed=1)
    model = spec.make(spec.view_strength, **{name: QUICK[name] for name in spec.options}, **dict(spec.fit_options))
    with np.errstate(all="ignore"):
        model.fit(ts.X_train, ts.y_train)
    assert getattr(model, spec.strength + "_") == spec.view_strength
    assert model.coef_.shape == (3, 2) and model.intercept_.shape == (3,)
    acc = model.score(ts.X_test, ts.y_test)
    assert acc.shape == (3,) and np.all((acc >= 0) & (acc <= 1))
    assert spec.make("auto").get_params()[spec.strength] == "auto"


def test_keys_are_unique_and_every_reader_lists_every_model():
    from dashboard.figures.models import STRUCTURE_VIEWS
    from dashboard.scenario import MODEL_LABELS, Scenario

    assert len({s.cli for s in MODELS.values()}) == len(MODELS)
    assert set(MODELS) == set(BASELINES) | set(MTL_MODELS) and set(BASELINES) == {"stl", "pooled"}
    assert set(MODEL_KEYS) == {s.cli for s in MODELS.values()}  # the command line
    assert list(MODEL_LABELS) == list(MTL_MODELS)  # the sidebar's menu
    assert set(STRUCTURE_VIEWS) == set(MTL_MODELS)  # the Models page
    for key, spec in MTL_MODELS.items():
        assert spec_for_cli(spec.cli) is spec and spec_for_cli(key) is spec
        assert Scenario(model=key).mtl_name == spec.name
    with pytest.raises(KeyError):
        spec_for_cli("magic")


def test_the_engine_imports_nothing_of_the_app():
    code = (
        "import sys, mtl_core, mtl_core.cli, mtl_core.experiments, mtl_core.datasets\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dashboard', 'streamlit', 'plotly', 'kaleido'}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    # not even lazily, inside a function
    pattern = re.compile(r"^\s*(from|import)\s+(dashboard|streamlit|plotly|kaleido)\b", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "mtl_core").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_dashboard_command_line_exports_a_scenario(tmp_path):
    from dashboard.cli import main

    out = io.StringIO()
    code = main(["export", "--n-tasks", "3", "--n-train", "10", "--n-test", "100", "--model", "lowrank", "--lam", "0.05",
                 "--format", "html", "--out-dir", str(tmp_path)], out=out)
    assert code == 0, out.getvalue()
    files = sorted(tmp_path.iterdir())
    assert files and all(f.suffix == ".html" and f.stat().st_size > 1000 for f in files)
    assert "MTL (low-rank)" in files[0].read_text()
    assert "wrote" in out.getvalue()


def test_dashboard_command_line_bad_arguments_one_line_status_2(capsys):
    from dashboard.cli import main

    assert main(["export", "--model", "stl"], out=io.StringIO()) == 2  # a baseline is not an MTL model
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error:") and "--model" in err
    proc = subprocess.run([sys.executable, "-m", "mtl_core", "export"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr  # moved to python -m dashboard export
