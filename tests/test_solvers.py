"""Tests of the optimizers behind the models: optimality, batching, numerics, gradient descent.

References are independent of the engine: objectives and gradients re-implemented
here with ``np.logaddexp``, minimized by ``scipy.optimize.minimize`` (smooth
models) or by a plain ISTA written below (trace-norm and L2,1 models);
scikit-learn's ``log_loss`` for the recorded losses.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import clone
from sklearn.metrics import log_loss

from mtl_core import (
    ConvergenceWarning,
    JointFeatureMTL,
    LowRankMTL,
    MeanRegularizedMTL,
    PooledLogistic,
    SharedHiddenMTL,
    SharedSubspaceMTL,
    SingleTaskLogistic,
    make_tasks,
)
from mtl_core.batch import TaskBatch, pack_problems, pack_tasks

RAISE = dict(over="raise", invalid="raise", divide="raise")


def make_problem(seed, n=(20, 35, 50), d=4, scale=1.0, noise=1.0):
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for n_t in n:
        while True:
            X = rng.normal(size=(n_t, d))
            y = (X @ (scale * rng.normal(size=d)) + 0.4 * rng.normal() + noise * rng.logistic(size=n_t) > 0).astype(int)
            if 0 < y.sum() < n_t:
                break
        Xs.append(X)
        ys.append(y)
    return Xs, ys


# ----------------------------------------------------------------------------- independent objectives


def _task_terms(Xs, ys, W, b):
    """Data term (1/T) sum_t L_t and its gradients in W (T, d) and b (T,)."""
    T = len(Xs)
    f, gW, gb = 0.0, np.zeros_like(W), np.zeros(T)
    for t, (X, y) in enumerate(zip(Xs, ys)):
        s = 2.0 * y - 1.0
        z = X @ W[t] + b[t]
        f += np.mean(np.logaddexp(0.0, -s * z)) / T
        r = -s * expit(-s * z) / len(y) / T
        gW[t] = X.T @ r
        gb[t] = r.sum()
    return f, gW, gb


def ref_stl(Xs, ys, alpha):
    T, d = len(Xs), Xs[0].shape[1]

    def fun(x):
        W, b = x[: T * d].reshape(T, d), x[T * d:]
        f, gW, gb = _task_terms(Xs, ys, W, b)
        return f + alpha / 2 * np.sum(W**2) / T, np.concatenate([(gW + alpha * W / T).ravel(), gb])

    return fun, T * d + T


def ref_pooled(Xs, ys, alpha):
    T, d = len(Xs), Xs[0].shape[1]

    def fun(x):
        w, b0 = x[:d], x[d]
        f, gW, gb = _task_terms(Xs, ys, np.tile(w, (T, 1)), np.full(T, b0))
        return f + alpha / 2 * w @ w, np.concatenate([gW.sum(0) + alpha * w, [gb.sum()]])

    return fun, d + 1


def ref_mean_reg(Xs, ys, lam, alpha):
    T, d = len(Xs), Xs[0].shape[1]

    def fun(x):
        w0, V, b = x[:d], x[d: d + T * d].reshape(T, d), x[d + T * d:]
        f, gW, gb = _task_terms(Xs, ys, w0 + V, b)
        f += lam / 2 * np.sum(V**2) / T + alpha / 2 * w0 @ w0
        return f, np.concatenate([gW.sum(0) + alpha * w0, (gW + lam * V / T).ravel(), gb])

    return fun, d + T * d + T


def scipy_minimum(fun, size):
    best = np.inf
    x = np.zeros(size)
    for _ in range(3):  # restarts from the previous solution tighten L-BFGS's last digits
        res = minimize(fun, x, jac=True, method="L-BFGS-B",
                       options={"maxiter": 20000, "maxfun": 40000, "gtol": 1e-12, "ftol": 1e-16, "maxcor": 30})
        x, best = res.x, min(best, res.fun)
    assert np.abs(fun(x)[1]).max() < 1e-7  # the reference itself is converged
    return best


def ista_minimum(Xs, ys, lam, alpha, penalty, n_iter=6000):
    """Plain proximal gradient (ISTA) with the fixed step 1/L, L a bound on the data curvature."""
    T, d = len(Xs), Xs[0].shape[1]
    L = max(0.25 * np.linalg.eigvalsh(np.c_[X, np.ones(len(X))].T @ np.c_[X, np.ones(len(X))] / len(X)).max()
            for X in Xs) / T + alpha
    step = 1.0 / L

    def prox(W, tau):
        if penalty == "trace":
            U, S, Vt = np.linalg.svd(W, full_matrices=False)
            return (U * np.maximum(S - tau, 0.0)) @ Vt
        norms = np.linalg.norm(W, axis=0)
        return W * np.where(norms > tau, 1 - tau / np.where(norms > 0, norms, 1), 0.0)

    def F(W, b):
        reg = np.linalg.norm(W, "nuc") if penalty == "trace" else np.linalg.norm(W, axis=0).sum()
        return _task_terms(Xs, ys, W, b)[0] + alpha / 2 * np.sum(W**2) + lam * reg

    W, b = np.zeros((T, d)), np.zeros(T)
    for _ in range(n_iter):
        _, gW, gb = _task_terms(Xs, ys, W, b)
        W_new = prox(W - step * (gW + alpha * W), step * lam)
        b_new = b - step * gb
        move = max(np.abs(W_new - W).max(), np.abs(b_new - b).max())
        W, b = W_new, b_new
    assert move < 1e-10  # ISTA itself has converged
    return F(W, b)


# ----------------------------------------------------------------------------- optimality


SMOOTH_CASES = [
    ("stl", 0, 0.05), ("stl", 1, 1e-3), ("pooled", 0, 0.01), ("pooled", 1, 0.2), ("meanreg", 0, 0.3), ("meanreg", 1, 5.0),
]


@pytest.mark.parametrize("kind, seed, value", SMOOTH_CASES)
def test_smooth_models_are_optimal(kind, seed, value):
    Xs, ys = make_problem(seed, n=(25, 40, 60, 33), d=5)
    if kind == "stl":
        model = SingleTaskLogistic(alpha=value).fit(Xs, ys)
        fun, size = ref_stl(Xs, ys, value)
        x = np.concatenate([model.coef_.ravel(), model.intercept_])
    elif kind == "pooled":
        model = PooledLogistic(alpha=value).fit(Xs, ys)
        fun, size = ref_pooled(Xs, ys, value)
        x = np.concatenate([model.coef_[0], model.intercept_[:1]])
    else:
        model = MeanRegularizedMTL(lam=value, alpha=0.02).fit(Xs, ys)
        fun, size = ref_mean_reg(Xs, ys, value, 0.02)
        x = np.concatenate([model.shared_coef_, model.offsets_.ravel(), model.intercept_])
    assert model.converged_
    assert model.optimality_residual(Xs, ys) < 1e-6
    F_engine = fun(x)[0]
    assert model.objective(Xs, ys) == pytest.approx(F_engine, rel=1e-12)
    F_ref = scipy_minimum(fun, size)
    assert F_engine <= F_ref + 1e-6 * abs(F_ref)
    assert abs(F_engine - F_ref) <= 1e-6 * abs(F_ref)
    # the gradient of the independent objective vanishes at the engine's solution
    assert np.abs(fun(x)[1]).max() < 1e-6


NONSMOOTH_CASES = [(LowRankMTL, 0, 0.02), (LowRankMTL, 1, 0.08), (JointFeatureMTL, 0, 0.02), (JointFeatureMTL, 1, 0.06)]


@pytest.mark.parametrize("cls, seed, lam", NONSMOOTH_CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_nonsmooth_models_are_optimal(cls, seed, lam):
    Xs, ys = make_problem(seed + 10, n=(30, 45, 60, 38), d=5, scale=1.5)
    alpha = 0.02
    model = cls(lam=lam, alpha=alpha).fit(Xs, ys)
    assert model.converged_
    assert model.optimality_residual(Xs, ys) < 1e-6
    F_ref = ista_minimum(Xs, ys, lam, alpha, "trace" if cls is LowRankMTL else "l21")
    F_engine = model.objective(Xs, ys)
    assert F_engine <= F_ref + 1e-6 * abs(F_ref)
    assert abs(F_engine - F_ref) <= 1e-6 * abs(F_ref)


def test_optimality_residual_detects_non_optimal_parameters():
    """The residual is not trivially small: perturbing the solution makes it large."""
    Xs, ys = make_problem(2, d=3)
    for model in (SingleTaskLogistic(alpha=0.1), LowRankMTL(lam=0.05, alpha=0.1)):
        model.fit(Xs, ys)
        assert model.optimality_residual(Xs, ys) < 1e-6
        model.params_ = {k: v + 0.05 for k, v in model.params_.items()}
        assert model.optimality_residual(Xs, ys) > 1e-3


# ----------------------------------------------------------------------------- batching

BATCH_MODELS = [
    (SingleTaskLogistic(alpha=0.05), [0.05, 0.5, 0.005]),
    (PooledLogistic(alpha=0.05), [0.05, 0.5, 0.005]),
    (MeanRegularizedMTL(lam=0.5, alpha=0.05), [0.5, 5.0, 0.05]),
    (LowRankMTL(lam=0.02, alpha=0.05), [0.02, 0.1, 0.002]),
    (JointFeatureMTL(lam=0.02, alpha=0.05), [0.02, 0.1, 0.002]),
    (SharedSubspaceMTL(k=1, alpha=0.05), [0.05, 0.5, 0.005]),
    (SharedHiddenMTL(n_hidden=3, alpha=0.05, max_iter=1000), [0.05, 0.5, 0.01]),
]


@pytest.mark.parametrize("model, values", BATCH_MODELS, ids=lambda m: getattr(m, "name", None))
def test_fit_batch_equals_one_by_one(model, values):
    problems = [make_problem(20 + i, n=n, d=3) for i, n in enumerate([(15, 30, 22), (40, 12, 25), (18, 18, 50)])]
    batch = pack_problems(problems)
    hp = model.batch_hyperparams(3)
    hp[model.strength_param] = np.array(values, dtype=float)  # a different strength per problem
    params, n_iter, conv = model.fit_batch(batch, hp)
    assert n_iter.shape == conv.shape == (3,)
    tol = 1e-4 if isinstance(model, SharedHiddenMTL) else 1e-6
    for i, (Xs, ys) in enumerate(problems):
        single = clone(model).set_params(**{model.strength_param: values[i]})
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            single.fit(Xs, ys)
        F_batch = single.objective(Xs, ys, params={k: v[i] for k, v in params.items()})
        assert F_batch == pytest.approx(single.objective(Xs, ys), rel=tol)
        if not isinstance(model, SharedHiddenMTL):
            W, b = single.linear_batch({k: v[i: i + 1] for k, v in params.items()}, batch.subset(np.array([i])))
            np.testing.assert_allclose(W[0], single.coef_, atol=1e-5)
            np.testing.assert_allclose(b[0], single.intercept_, atol=1e-5)


@pytest.mark.parametrize("model", [SingleTaskLogistic(alpha=0.05), MeanRegularizedMTL(lam=0.5, alpha=0.05),
                                   LowRankMTL(lam=0.02, alpha=0.05)], ids=lambda m: m.name)
def test_fit_batch_with_shared_features_and_subset_weights(model):
    """Cross-validation fits subsets through weights on shared padded features (X of batch size 1)."""
    Xs, ys = make_problem(30, n=(30, 24, 40), d=3)
    base = pack_tasks(Xs, ys)
    rng = np.random.default_rng(0)
    subsets, sw = [], np.zeros((3,) + base.sw.shape[1:])
    for i in range(3):
        keep = []
        for t, y in enumerate(ys):
            while True:
                k = rng.random(len(y)) < 0.7
                if 0 < y[k].sum() < k.sum():
                    break
            keep.append(k)
            sw[i, t, : len(y)] = k / k.sum()
        subsets.append(keep)
    batch = TaskBatch(base.X, base.s, sw, base.mask)
    params, _, _ = model.fit_batch(batch, model.batch_hyperparams(3))
    for i, keep in enumerate(subsets):
        single = clone(model).fit([X[k] for X, k in zip(Xs, keep)], [y[k] for y, k in zip(ys, keep)])
        W, b = single.linear_batch({k: v[i: i + 1] for k, v in params.items()}, batch.subset(np.array([i])))
        np.testing.assert_allclose(W[0], single.coef_, atol=1e-6)
        np.testing.assert_allclose(b[0], single.intercept_, atol=1e-6)


# ----------------------------------------------------------------------------- numerics


def _separable_huge(seed=0):
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for n_t in (20, 30, 25):
        X = rng.normal(size=(n_t, 3)) * 1e6
        y = (X[:, 0] - 0.5 * X[:, 1] > 0).astype(int)
        Xs.append(X)
        ys.append(y)
    return Xs, ys


@pytest.mark.parametrize("model", [
    SingleTaskLogistic(alpha=0.0), PooledLogistic(alpha=0.0), MeanRegularizedMTL(lam=0.0, alpha=0.0),
    MeanRegularizedMTL(lam=1.0, alpha=0.0), LowRankMTL(lam=1e-4, alpha=0.0, max_iter=300),
    JointFeatureMTL(lam=1e-4, alpha=0.0, max_iter=300), LowRankMTL(lam=0.0, alpha=0.0, max_iter=300),
    SharedSubspaceMTL(k=1, alpha=0.0), SharedSubspaceMTL(k=2, alpha=0.0),
], ids=lambda m: m.name)
def test_separable_huge_features_no_floating_point_error(model):
    Xs, ys = _separable_huge()
    with np.errstate(**RAISE), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # allowed: the optimum is at infinity
        model.fit(Xs, ys)
        proba = model.predict_proba(Xs[0], 0)
        obj = model.objective(Xs, ys)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert np.all(np.isfinite(proba)) and np.isfinite(obj)
    assert np.all(np.isfinite(model.history_["objective"]))
    # it did learn the separating direction: training accuracy is perfect
    assert np.all(model.task_scores(Xs, ys) == 1.0)


# ----------------------------------------------------------------------------- gradient descent


GD_MODELS = [
    SingleTaskLogistic(alpha=0.05), PooledLogistic(alpha=0.05), MeanRegularizedMTL(lam=0.5, alpha=0.05),
    LowRankMTL(lam=0.01, alpha=0.05), JointFeatureMTL(lam=0.01, alpha=0.05), SharedSubspaceMTL(k=2, alpha=0.05),
    SharedHiddenMTL(n_hidden=4, alpha=0.01),
]


@pytest.mark.parametrize("model", GD_MODELS, ids=lambda m: m.name)
def test_gd_history_decreases_and_snapshots_replay(model):
    ts = make_tasks(n_tasks=3, n_features=3, n_train=[20, 35, 28], n_test=200, seed=5)
    n_epochs = 40
    model = clone(model).set_params(solver="gd", learning_rate=0.1, n_epochs=n_epochs, n_snapshots=10)
    model.fit(ts.X_train, ts.y_train, eval_set=(ts.X_test, ts.y_test))
    h = model.history_
    for key in ("objective", "train_loss", "test_loss"):
        assert len(h[key]) == n_epochs + 1 and np.all(np.isfinite(h[key]))
    np.testing.assert_array_equal(h["iteration"], np.arange(n_epochs + 1))
    obj = h["objective"]
    assert np.all(np.diff(obj) <= 1e-12 * np.abs(obj[:-1]))  # small learning rate: monotone
    assert obj[-1] < obj[0] - 1e-3
    epochs = list(h["epoch"])
    assert epochs[0] == 0 and epochs[-1] == n_epochs and epochs == sorted(set(epochs))
    assert len(h["params"]) == len(epochs) == len(h["coef"]) == len(h["intercept"])
    assert h["coef"].shape[1:] == (3, 3)
    for i, ep in enumerate(epochs):
        snap = model.snapshot(i)
        train, test = [], []
        for t in range(3):
            p_test = model.predict_proba(ts.X_test[t], t, params=snap)[:, 1]
            p_train = model.predict_proba(ts.X_train[t], t, params=snap)[:, 1]
            if not isinstance(model, SharedHiddenMTL):  # coef/intercept describe the linear models exactly
                np.testing.assert_allclose(p_test, expit(ts.X_test[t] @ h["coef"][i][t] + h["intercept"][i][t]), rtol=1e-10)
            test.append(log_loss(ts.y_test[t], p_test, labels=[0, 1]))
            train.append(log_loss(ts.y_train[t], p_train, labels=[0, 1]))
        assert np.mean(test) == pytest.approx(h["test_loss"][ep], rel=1e-9)
        assert np.mean(train) == pytest.approx(h["train_loss"][ep], rel=1e-9)
        assert model.objective(ts.X_train, ts.y_train, params=snap) == pytest.approx(obj[ep], rel=1e-12)
    # the fitted model is the last snapshot
    np.testing.assert_allclose(model.predict_proba(ts.X_test[1], 1),
                               model.predict_proba(ts.X_test[1], 1, params=model.snapshot(-1)), rtol=1e-12)


@pytest.mark.parametrize("model, lr, n_epochs", [
    (SingleTaskLogistic(alpha=0.05), 1.0, 1500),
    (PooledLogistic(alpha=0.05), 1.0, 1500),
    (MeanRegularizedMTL(lam=0.5, alpha=0.05), 1.0, 1500),
    (LowRankMTL(lam=0.01, alpha=0.05), 1.0, 1500),
    (JointFeatureMTL(lam=0.01, alpha=0.05), 1.0, 1500),
], ids=lambda m: getattr(m, "name", None))
def test_gd_approaches_default_solver(model, lr, n_epochs):
    Xs, ys = make_problem(8, n=(30, 45, 38), d=3)
    exact = clone(model).fit(Xs, ys)
    gd = clone(model).set_params(solver="gd", learning_rate=lr, n_epochs=n_epochs).fit(Xs, ys)
    F_exact, F_gd = exact.objective(Xs, ys), gd.objective(Xs, ys)
    assert F_gd >= F_exact - 1e-9 * abs(F_exact)  # the default solver is optimal
    assert F_gd - F_exact <= 1e-6 * abs(F_exact)
    np.testing.assert_allclose(gd.coef_, exact.coef_, atol=1e-3)
    # and the early epochs were far from it (the test is not trivial)
    assert gd.history_["objective"][0] - F_exact > 1e-3


@pytest.mark.parametrize("model", GD_MODELS, ids=lambda m: m.name)
def test_gd_huge_learning_rate_is_a_clear_error(model):
    ts = make_tasks(n_tasks=3, n_features=3, n_train=20, seed=6)
    m = clone(model).set_params(solver="gd", learning_rate=1e8, n_epochs=60)
    with pytest.raises(ValueError, match="learning_rate"):
        m.fit(ts.X_train, ts.y_train)
    assert not hasattr(m, "coef_")  # no NaN model left behind
    with pytest.raises(ValueError, match="not fitted"):
        m.predict(ts.X_train[0], task=0)


def test_hessian_of_shared_features_matches_the_direct_product(monkeypatch):
    """The outer-product path for features shared by a batch of weightings gives the same Hessians."""
    import mtl_core.solvers as S

    rng = np.random.default_rng(5)
    for X, h in (
        (rng.standard_normal((1, 3, 7, 4)), rng.random((5, 3, 7))),  # tasks x samples (STL, mean-regularized)
        (rng.standard_normal((1, 21, 4)), rng.random((6, 21))),  # pooled samples
    ):
        with monkeypatch.context() as m:  # the outer-product path must not fall back to the direct one
            m.setattr(S, "weighted_xt", lambda *a: pytest.fail("direct path taken"))
            fast = S.hessian_builder(X, h.shape)(h)
        monkeypatch.setattr(S, "_OUTER_BYTES", 0)
        direct = S.hessian_builder(X, h.shape)(h)
        monkeypatch.undo()
        Xa = np.concatenate([np.broadcast_to(X, h.shape + X.shape[-1:]), np.ones(h.shape + (1,))], axis=-1)
        by_hand = np.einsum("...n,...ni,...nj->...ij", h, Xa, Xa)
        np.testing.assert_allclose(fast, by_hand, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(direct, by_hand, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("solver", ["logistic", "mean_regularized"])
def test_newton_stops_without_another_hessian_once_every_problem_converged(monkeypatch, solver):
    """One Newton system per iteration taken: none is built after the last problem converged."""
    import mtl_core.solvers as S

    rng = np.random.default_rng(11)
    X = rng.standard_normal((1, 3, 30, 4))
    s = np.where(rng.random((4, 3, 30)) < 0.5, -1.0, 1.0)
    sw = np.ones((4, 3, 30))
    built = []
    builder = S.hessian_builder
    monkeypatch.setattr(S, "hessian_builder", lambda X, shape: (lambda *a: built.append(1) or builder(X, shape)(*a)))
    if solver == "logistic":
        *_, n_iter, converged = S.newton_logistic(X, s, sw, np.array([1e-3, 1e-2, 1e-1, 1.0])[:, None])
    else:
        *_, n_iter, converged = S.newton_mean_regularized(X, s, sw, np.array([1e-3, 1e-2, 1e-1, 1.0]), 0.01)
    assert converged.all()
    assert n_iter.min() < n_iter.max()  # the batch's problems finish at different iterations
    assert len(built) == n_iter.max()
