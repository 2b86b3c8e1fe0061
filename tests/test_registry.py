"""The model registry (`mtl_core.MODELS`): one check over every registered model, and who reads it.

That the engine imports nothing of the app is checked in test_layout.py; the app's command line in test_dashboard_cli.py."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from mtl_core import MODELS, MTLEstimator, make_tasks
from mtl_core.cli import MODEL_KEYS
from mtl_core.models.registry import BASELINES, MTL_MODELS, spec_for_cli

QUICK = {"k": 1, "n_hidden": 3, "n_clusters": 2}


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
    acc = model.task_scores(ts.X_test, ts.y_test)
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
