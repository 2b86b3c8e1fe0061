"""Bad input to the estimators (`mtl_core._validation` and the checks of `MTLEstimator`): a clear ValueError
that names the problem (and the task, for per-task data). `make_tasks`'s ranges are tested in test_tasks.py."""

from __future__ import annotations

import numpy as np
import pytest

from mtl_core import (
    JointFeatureMTL,
    LowRankMTL,
    MeanRegularizedMTL,
    PooledLogistic,
    SharedHiddenMTL,
    SharedSubspaceMTL,
    SingleTaskLogistic,
)
from mtl_core.models.registry import MODELS

#: Every registered model at a fixed strength (small, quick settings where a model has options).
QUICK = {"k": 1, "n_hidden": 2, "n_clusters": 2}
ALL_MODELS = [
    (lambda spec=spec: spec.make(spec.view_strength, **{name: QUICK[name] for name in spec.options}))
    for spec in MODELS.values()
]
MODEL_IDS = list(MODELS)


def _data(T=3, n=10, d=3, seed=0):
    rng = np.random.default_rng(seed)
    Xs = [rng.normal(size=(n, d)) for _ in range(T)]
    ys = [np.tile([0, 1], n // 2) for _ in range(T)]
    return Xs, ys


def _with(task, X=None, y=None):
    Xs, ys = _data()
    if X is not None:
        Xs[task] = X(Xs[task]) if callable(X) else X
    if y is not None:
        ys[task] = y(ys[task]) if callable(y) else y
    return Xs, ys


def _nan(X):
    X = X.copy()
    X[3, 1] = np.nan
    return X


def _inf(X):
    X = X.copy()
    X[0, 2] = -np.inf
    return X


FIT_CASES = [
    ("one class", _with(1, y=np.zeros(10, dtype=int)), r"task 1\b.*both classes"),
    ("one class (all 1)", _with(2, y=np.ones(10, dtype=int)), r"task 2\b.*both classes"),
    ("nan in X", _with(1, X=_nan), r"task 1\b.*NaN"),
    ("inf in X", _with(2, X=_inf), r"task 2\b.*infinite"),
    ("X/y length mismatch", _with(0, y=lambda y: y[:7]), r"task 0\b.*10 samples.*7 labels"),
    ("fewer than 2 samples", _with(2, X=lambda X: X[:1], y=lambda y: y[:1]), r"task 2\b.*at least 2 samples"),
    ("labels 2", _with(1, y=lambda y: 2 * y), r"task 1\b.*labels must be 0 or 1.*2"),
    ("labels -1/+1", _with(0, y=lambda y: 2 * y - 1), r"task 0\b.*labels must be 0 or 1.*-1"),
    ("labels 0.5", _with(1, y=lambda y: np.r_[y[:-1], 0.5]), r"task 1\b.*labels must be 0 or 1.*0\.5"),
    ("labels strings", _with(1, y=np.array(["a", "b"] * 5)), r"task 1\b.*labels must be 0 or 1"),
    ("labels nan", _with(2, y=lambda y: np.r_[y[:-1], np.nan]), r"task 2\b.*labels must be 0 or 1"),
    ("feature count differs", _with(1, X=lambda X: X[:, :2]), r"task 1\b.*expected 3 features, got 2"),
    ("1-D features", _with(1, X=lambda X: X[:, 0]), r"task 1\b.*2-D"),
    ("2-D labels", _with(0, y=lambda y: y[:, None]), r"task 0\b.*1-D"),
    ("non-numeric features", _with(0, X=np.array([["a", "b", "c"]] * 10)), r"task 0\b.*numeric"),
]


@pytest.mark.parametrize("make_model", ALL_MODELS, ids=MODEL_IDS)
@pytest.mark.parametrize("name, data, pattern", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_bad_training_data(make_model, name, data, pattern):
    model = make_model()
    with pytest.raises(ValueError, match=pattern):
        model.fit(*data)
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize("Xs, ys, pattern", [
    ([], [], r"[Aa]t least one task"),
    (*_data()[:1], _data()[1][:2], r"one entry per task.*3.*2"),
    (np.zeros((10, 3)), np.zeros(10), r"one feature matrix per task"),
    ([np.zeros((4, 0))] * 2, [np.array([0, 1, 0, 1])] * 2, r"task 0\b.*no features"),
])
def test_bad_task_lists(Xs, ys, pattern):
    with pytest.raises(ValueError, match=pattern):
        SingleTaskLogistic().fit(Xs, ys)


@pytest.fixture(scope="module")
def fitted():
    Xs, ys = _data()
    return SingleTaskLogistic(alpha=0.1).fit(Xs, ys), Xs, ys


@pytest.mark.parametrize("X, task, pattern", [
    (np.zeros((4, 2)), 0, r"2 features.*fitted with 3"),
    (np.zeros((4, 5)), 1, r"5 features.*fitted with 3"),
    (np.zeros(3), 0, r"2-D"),
    (np.zeros((2, 3, 1)), 0, r"2-D"),
    (np.full((2, 3), np.nan), 0, r"NaN"),
    (np.full((2, 3), np.inf), 0, r"infinite"),
    (np.zeros((4, 3)), 3, r"task.*0\.\.2.*3"),
    (np.zeros((4, 3)), -1, r"task.*-1"),
    (np.zeros((4, 3)), 1.0, r"task must be an integer"),
])
@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_bad_predict_input(fitted, X, task, pattern, method):
    model = fitted[0]
    with pytest.raises(ValueError, match=pattern):
        getattr(model, method)(X, task)


@pytest.mark.parametrize("method", ["score", "task_scores", "objective", "optimality_residual"])
def test_bad_evaluation_data(fitted, method):
    model, Xs, ys = fitted
    with pytest.raises(ValueError, match=r"3 tasks.*got 2|got 2.*3 tasks"):
        getattr(model, method)(Xs[:2], ys[:2])
    with pytest.raises(ValueError, match=r"task 1\b.*expected 3 features, got 4"):
        getattr(model, method)([Xs[0], np.zeros((10, 4)), Xs[2]], ys)


def test_unfitted_model():
    with pytest.raises(ValueError, match="not fitted"):
        MeanRegularizedMTL(lam=0.1).predict(np.zeros((2, 3)), task=0)
    with pytest.raises(ValueError, match="not fitted"):
        LowRankMTL(lam=0.1).score(*_data())


def test_bad_eval_set():
    Xs, ys = _data()
    with pytest.raises(ValueError, match=r"eval_set has 2 tasks.*3"):
        SingleTaskLogistic().fit(Xs, ys, eval_set=(Xs[:2], ys[:2]))
    with pytest.raises(ValueError, match=r"task 0\b.*expected 3 features"):
        SingleTaskLogistic().fit(Xs, ys, eval_set=([X[:, :2] for X in Xs], ys))
    with pytest.raises(ValueError, match=r"task 2\b.*labels must be 0 or 1"):
        SingleTaskLogistic().fit(Xs, ys, eval_set=(Xs, ys[:2] + [ys[2] + 3]))


HYPER_CASES = [
    (lambda: SingleTaskLogistic(alpha=-1.0), r"alpha.*>= 0.*-1"),
    (lambda: SingleTaskLogistic(alpha=np.nan), r"alpha.*finite"),
    (lambda: PooledLogistic(alpha=np.inf), r"alpha.*finite"),
    (lambda: PooledLogistic(alpha="big"), r"alpha.*'big'"),
    (lambda: PooledLogistic(alpha=True), r"alpha.*True"),
    (lambda: PooledLogistic(alpha=None), r"alpha.*None"),
    (lambda: MeanRegularizedMTL(lam=-0.5), r"lam.*>= 0"),
    (lambda: MeanRegularizedMTL(lam=0.1, alpha=-2.0), r"alpha.*>= 0"),
    (lambda: LowRankMTL(lam=-1e-3), r"lam.*>= 0"),
    (lambda: JointFeatureMTL(lam=0.1, alpha=-1e-3), r"alpha.*>= 0"),
    (lambda: SharedHiddenMTL(alpha=-1.0), r"alpha.*>= 0"),
    # "auto" only for the strength parameter
    (lambda: MeanRegularizedMTL(lam=0.1, alpha="auto"), r"[Oo]nly lam.*auto.*alpha"),
    (lambda: LowRankMTL(lam=0.1, alpha="auto"), r"[Oo]nly lam.*auto.*alpha"),
    (lambda: JointFeatureMTL(lam="auto", alpha="auto"), r"[Oo]nly lam.*auto.*alpha"),
    # solver and gradient-descent settings
    (lambda: SingleTaskLogistic(solver="sgd"), r"solver.*'sgd'"),
    (lambda: LowRankMTL(lam=0.1, solver="lbfgs"), r"solver.*'lbfgs'"),
    (lambda: SingleTaskLogistic(solver="gd", learning_rate=0.0), r"learning_rate.*positive"),
    (lambda: SingleTaskLogistic(solver="gd", learning_rate=-1.0), r"learning_rate.*positive"),
    (lambda: SingleTaskLogistic(solver="gd", learning_rate=np.nan), r"learning_rate.*positive"),
    (lambda: PooledLogistic(solver="gd", n_epochs=0), r"n_epochs.*positive integer"),
    (lambda: PooledLogistic(solver="gd", n_epochs=2.5), r"n_epochs.*positive integer"),
    (lambda: PooledLogistic(solver="gd", n_snapshots=0), r"n_snapshots.*positive integer"),
    (lambda: PooledLogistic(solver="gd", n_snapshots=-3), r"n_snapshots.*positive integer"),
    (lambda: SingleTaskLogistic(alpha="auto", cv=1), r"cv.*>= 2"),
    # candidate grids for "auto"
    (lambda: MeanRegularizedMTL(lam="auto", lam_grid=[]), r"lam_grid"),
    (lambda: MeanRegularizedMTL(lam="auto", lam_grid=[0.1, -1.0]), r"lam_grid.*-1"),
    (lambda: LowRankMTL(lam="auto", lam_grid=[np.nan]), r"lam_grid"),
    (lambda: SharedSubspaceMTL(alpha="auto", alpha_grid=[-1.0]), r"alpha_grid"),
    # model-specific
    (lambda: SharedSubspaceMTL(k=0), r"k must be .*between 1 and .*3.*got 0"),
    (lambda: SharedSubspaceMTL(k=4), r"k must be .*between 1 and .*3.*got 4"),
    (lambda: SharedSubspaceMTL(k=2.5), r"k must be an integer"),
    (lambda: SharedSubspaceMTL(k=True), r"k must be an integer"),
    (lambda: SharedSubspaceMTL(k=4, solver="gd"), r"k must be"),
    (lambda: SharedSubspaceMTL(k=4, alpha="auto"), r"k must be"),
    (lambda: SharedHiddenMTL(n_hidden=0), r"n_hidden.*0"),
    (lambda: SharedHiddenMTL(n_hidden=1000), r"n_hidden.*1000"),
    (lambda: SharedHiddenMTL(activation="sigmoid"), r"activation.*'sigmoid'"),
]


@pytest.mark.parametrize("make_model, pattern", HYPER_CASES, ids=[str(i) for i in range(len(HYPER_CASES))])
def test_bad_hyperparameters(make_model, pattern):
    model = make_model()
    with pytest.raises(ValueError, match=pattern):
        model.fit(*_data(T=3, n=20, d=3))
    assert not hasattr(model, "coef_")


def test_set_params_unknown_name():
    with pytest.raises(ValueError, match=r"Invalid parameter 'foo'.*Valid parameters are"):
        SingleTaskLogistic().set_params(foo=1)


def test_auto_needs_enough_samples_per_class():
    Xs = [np.array([[0.0], [1.0]])] * 2
    ys = [np.array([0, 1])] * 2
    with pytest.raises(ValueError, match=r'alpha="auto".*at least 2'):
        SingleTaskLogistic(alpha="auto").fit(Xs, ys)
    SingleTaskLogistic(alpha=0.1).fit(Xs, ys)  # a fixed strength is fine with 2 samples
