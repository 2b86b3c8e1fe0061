"""Common estimator checks over every registered model, in the spirit of scikit-learn's ``check_estimator``.

scikit-learn's own checks feed single arrays ``X, y``; these estimators take
lists of per-task arrays and score one task at a time, so the checks are
adapted: every model in `mtl_core.MODELS` (a model added later is checked
automatically) must behave as a scikit-learn classifier where the conventions
carry over (clone, parameters, repr, tags, NotFittedError, fitted attributes,
determinism, clear errors on bad input). Problems are tiny and strengths fixed,
with one automatic-strength fit per model.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import mtl_core
from mtl_core import MODELS, make_tasks
from mtl_core.metrics import METRICS

# Small enough to keep every model's fit in milliseconds.
QUICK = {"k": 1, "n_hidden": 3, "n_clusters": 2}
KEYS = list(MODELS)


def _make(key, strength=None, **params):
    spec = MODELS[key]
    value = spec.view_strength if strength is None else strength
    return spec.make(value, **{**{name: QUICK[name] for name in spec.options}, **dict(spec.fit_options), **params})


@pytest.fixture(scope="module")
def tasks():
    return make_tasks(n_tasks=3, n_features=2, n_train=12, n_test=30, seed=3)


def _fit(model, ts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes on tiny problems are not what is checked here
        with np.errstate(all="ignore"):
            return model.fit(ts.X_train, ts.y_train)


@pytest.fixture(scope="module")
def fitted(tasks):
    """One fit per model, shared by the checks that only read it."""
    cache = {}

    def get(key):
        if key not in cache:
            cache[key] = _fit(_make(key), tasks)
        return cache[key]

    return get


@pytest.mark.parametrize("key", KEYS)
def test_clone_get_set_params_and_repr(key, fitted):
    model = fitted(key)
    assert is_classifier(model)
    params = model.get_params(deep=True)
    assert params == model.get_params(deep=False) and set(params) == set(inspect.signature(type(model)).parameters)
    copy = clone(model)
    assert copy is not model and type(copy) is type(model)
    assert repr(copy.get_params()) == repr(params)
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    check_is_fitted(model)  # does not raise
    # set_params returns the estimator, and get_params reads back what was set
    changed = dict(params, cv=3, random_state=7)
    other = type(model)()
    assert other.set_params(**changed) is other
    assert repr(other.get_params()) == repr(changed)
    # the repr names the class and rebuilds an estimator with the same parameters
    rebuilt = eval(repr(other), vars(mtl_core))
    assert type(rebuilt) is type(other) and repr(rebuilt.get_params()) == repr(changed)


@pytest.mark.parametrize("key", KEYS)
def test_init_stores_parameters_unchanged(key):
    """``__init__`` validates nothing and stores every argument as given (the object itself)."""
    spec = MODELS[key]
    names = list(inspect.signature(spec.cls).parameters)
    odd = {name: object() for name in names}  # no validation may run in __init__
    model = spec.cls(**odd)
    for name in names:
        assert getattr(model, name) is odd[name]
    assert model.get_params()[spec.strength] is odd[spec.strength]


@pytest.mark.parametrize("key", KEYS)
def test_not_fitted_error_before_fit(key, tasks):
    model = _make(key)
    calls = [
        lambda: model.predict(tasks.X_test[0], 0),
        lambda: model.predict_proba(tasks.X_test[0], 0),
        lambda: model.decision_function(tasks.X_test[0], 0),
        lambda: model.score(tasks.X_test, tasks.y_test),
        lambda: model.task_scores(tasks.X_test, tasks.y_test),
        lambda: model.objective(tasks.X_train, tasks.y_train),
    ]
    for call in calls:
        with pytest.raises(NotFittedError, match="not fitted yet"):
            call()


@pytest.mark.parametrize("key", KEYS)
def test_fit_returns_self_and_sets_only_trailing_underscore_attributes(key, tasks):
    model = _make(key)
    before = dict(vars(model))
    assert _fit(model, tasks) is model
    for name, value in before.items():  # the parameters are untouched by fit
        assert vars(model)[name] is value
    added = set(vars(model)) - set(before)
    assert added and all(name.endswith("_") for name in added), sorted(added)
    assert model.n_tasks_ == 3 and model.n_features_in_ == 2
    np.testing.assert_array_equal(model.classes_, [0, 1])


@pytest.mark.parametrize("key", KEYS)
def test_predict_requires_the_task_and_scores_have_their_shapes(key, tasks, fitted):
    model = fitted(key)
    for method in ("predict", "predict_proba", "decision_function"):
        param = inspect.signature(getattr(model, method)).parameters["task"]
        assert param.default is inspect.Parameter.empty, method
        with pytest.raises(TypeError):
            getattr(model, method)(tasks.X_test[0])
    X = tasks.X_test[1]
    proba = model.predict_proba(X, 1)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(model.predict(X, 1), (proba[:, 1] > 0.5).astype(int))
    score = model.score(tasks.X_test, tasks.y_test)
    assert isinstance(score, float)
    for metric in METRICS:
        per_task = model.task_scores(tasks.X_test, tasks.y_test, metric=metric)
        assert per_task.shape == (3,) and np.all(np.isfinite(per_task)), metric
    # score is the mean over tasks of each task's accuracy, counted by hand here
    by_hand = [np.mean(model.predict(X, t) == y) for t, (X, y) in enumerate(zip(tasks.X_test, tasks.y_test))]
    assert score == pytest.approx(np.mean(by_hand), abs=1e-15)


@pytest.mark.parametrize("key", KEYS)
def test_refit_with_the_same_seed_is_deterministic(key, tasks, fitted):
    first = fitted(key)
    second = _fit(clone(first), tasks)
    np.testing.assert_array_equal(first.coef_, second.coef_)
    np.testing.assert_array_equal(first.intercept_, second.intercept_)
    np.testing.assert_array_equal(first.decision_function(tasks.X_test[2], 2), second.decision_function(tasks.X_test[2], 2))


@pytest.mark.parametrize("key", KEYS)
def test_bad_input_is_a_clear_value_error(key, tasks, fitted):
    model = fitted(key)
    with pytest.raises(ValueError, match=r"3 features.*fitted with 2"):
        model.predict(np.zeros((4, 3)), 0)
    with pytest.raises(ValueError, match=r"task 1\b.*expected 2 features, got 3"):
        model.task_scores([tasks.X_test[0], tasks.X_test[1][:, [0, 1, 0]], tasks.X_test[2]], tasks.y_test)
    with pytest.raises(ValueError, match=r"task must be in 0\.\.2"):
        model.predict(tasks.X_test[0], 3)
    one_class = [y.copy() for y in tasks.y_train]
    one_class[1][:] = 1
    with pytest.raises(ValueError, match=r"task 1\b.*needs both classes"):
        clone(model).fit(tasks.X_train, one_class)
    with pytest.raises(ValueError, match=r"cv must be an integer >= 2"):
        clone(model).set_params(cv=1).fit(tasks.X_train, tasks.y_train)
    with pytest.raises(ValueError, match=r"scoring must be one of 'accuracy'"):
        clone(model).set_params(scoring="f1").fit(tasks.X_train, tasks.y_train)


@pytest.mark.parametrize("key", KEYS)
def test_auto_strength_with_a_scoring(key, tasks):
    """Every model has ``scoring``; with "auto" the selection reports it and picks within the grid."""
    assert "scoring" in inspect.signature(MODELS[key].cls).parameters
    spec = MODELS[key]
    grid_name = f"{spec.strength}_grid"  # a short grid where the model has one (fewer fits)
    short = {grid_name: [0.01, 0.1]} if grid_name in inspect.signature(spec.cls).parameters else {}
    model = _fit(_make(key, "auto", scoring="roc_auc", cv=3, **short), tasks)
    chosen = getattr(model, spec.strength + "_")
    assert chosen in model.strength_grid()
    results = model.cv_results_ if model.cv_results_ is not None else model.evidence_results_
    if model.cv_results_ is not None:
        assert results["scoring"] == "roc_auc" and results["mean_score"].shape == model.strength_grid().shape
