"""Correctness tests of the MTL models in `mtl_core.models`.

Every expected value comes from an independent source: finite differences,
scikit-learn's ``LogisticRegression`` / ``log_loss``, closed-form optimality
(KKT) conditions, or the limits of the objectives stated in the docstrings.
The "auto" strength is tested in test_cv.py and test_evidence.py, the common check over
every registered model in test_registry.py, bad input in test_validation.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit, logit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from mtl_core import (
    JointFeatureMTL,
    LowRankMTL,
    MeanRegularizedMTL,
    PooledLogistic,
    SharedHiddenMTL,
    SharedSubspaceMTL,
    SingleTaskLogistic,
    make_tasks,
)
from mtl_core.batch import pack_tasks


# ----------------------------------------------------------------------------- data


def make_problem(seed, n=(20, 35, 50), d=4, scale=1.0, relevant=None, noise=1.0):
    """Random linear tasks with logistic label noise; unequal sizes; both classes in every task."""
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for n_t in n:
        while True:
            X = rng.normal(size=(n_t, d))
            w = scale * rng.normal(size=d)
            if relevant is not None:
                w[relevant:] = 0.0
            y = (X @ w + 0.4 * rng.normal() + noise * rng.logistic(size=n_t) > 0).astype(np.int64)
            if 0 < y.sum() < n_t:
                break
        Xs.append(X)
        ys.append(y)
    return Xs, ys


def task_log_loss(X, y, w, b):
    """Mean log-loss of a linear task model, by scikit-learn."""
    return log_loss(y, expit(X @ w + b), labels=[0, 1])


def sk_logreg(X, y, C, sample_weight=None, fit_intercept=True):
    """scikit-learn reference fit, to high precision (newton-cholesky is an exact Newton solver)."""
    m = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000, fit_intercept=fit_intercept)
    return m.fit(X, y, sample_weight=sample_weight)


def pooled_design(Xs, ys):
    T = len(Xs)
    X = np.vstack(Xs)
    y = np.concatenate(ys)
    sw = np.concatenate([np.full(len(v), 1.0 / (T * len(v))) for v in ys])
    task = np.concatenate([np.full(len(v), t) for t, v in enumerate(ys)])
    return X, y, sw, task


# ----------------------------------------------------------------------------- gradients

MODELS_FOR_GRADIENTS = [
    (SingleTaskLogistic(alpha=0.3), 0.3),
    (PooledLogistic(alpha=0.2), 0.2),
    (MeanRegularizedMTL(lam=0.7, alpha=0.4), 0.7),
    (LowRankMTL(lam=0.1, alpha=0.25), 0.1),
    (JointFeatureMTL(lam=0.1, alpha=0.25), 0.1),
    (SharedSubspaceMTL(k=2, alpha=0.35), 0.35),
    (SharedHiddenMTL(n_hidden=5, activation="tanh", alpha=0.15), 0.15),
    (SharedHiddenMTL(n_hidden=5, activation="relu", alpha=0.15), 0.15),
]


def _random_params(model, batch, hp, rng):
    init = model._init_params(batch, hp)
    return {k: rng.normal(scale=0.7, size=v.shape) for k, v in init.items()}


@pytest.mark.parametrize("model, value", MODELS_FOR_GRADIENTS, ids=lambda m: getattr(m, "name", None))
def test_smooth_gradient_matches_finite_differences(model, value):
    Xs, ys = make_problem(11, n=(9, 14, 6), d=4)
    batch = pack_tasks(Xs, ys)
    hp = model.batch_hyperparams(1, value)
    rng = np.random.default_rng(5)
    for attempt in range(50):
        params = _random_params(model, batch, hp, rng)
        if getattr(model, "activation", None) != "relu":
            break
        pre = batch.X[0] @ params["V"][0] + params["c"][0]
        if np.min(np.abs(pre[batch.mask[0]])) > 1e-3:  # stay away from the kinks
            break
    else:  # pragma: no cover
        pytest.fail("could not draw relu parameters away from the kinks")

    f, g = model._smooth(params, batch, hp, need_grad=True)
    f_only, none = model._smooth(params, batch, hp, need_grad=False)
    assert none is None
    np.testing.assert_allclose(f, f_only, rtol=1e-14)
    assert set(g) == set(params)
    h = 1e-6
    n_checked = 0
    for key, value_arr in params.items():
        fd = np.zeros_like(value_arr)
        for idx in np.ndindex(value_arr.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            fp = model._smooth(plus, batch, hp, need_grad=False)[0][0]
            fm = model._smooth(minus, batch, hp, need_grad=False)[0][0]
            fd[idx] = (fp - fm) / (2 * h)
            n_checked += 1
        assert g[key].shape == value_arr.shape
        np.testing.assert_allclose(g[key], fd, rtol=1e-6, atol=1e-8, err_msg=f"gradient of {key}")
    assert n_checked >= batch.n_features + 1


# ----------------------------------------------------------------------------- objectives


def _objective_reference(model, params, Xs, ys):
    """The objective of the model's docstring, computed from scratch (scikit-learn's log_loss)."""
    T = len(Xs)
    p = {k: v[0] for k, v in params.items()}
    if isinstance(model, SingleTaskLogistic):
        a = model.alpha
        return np.mean([task_log_loss(X, y, p["W"][t], p["b"][t]) + a / 2 * p["W"][t] @ p["W"][t]
                        for t, (X, y) in enumerate(zip(Xs, ys))])
    if isinstance(model, PooledLogistic):
        return np.mean([task_log_loss(X, y, p["w"], p["b"]) for X, y in zip(Xs, ys)]) + model.alpha / 2 * p["w"] @ p["w"]
    if isinstance(model, MeanRegularizedMTL):
        terms = [task_log_loss(X, y, p["w0"] + p["V"][t], p["b"][t]) + model.lam / 2 * p["V"][t] @ p["V"][t]
                 for t, (X, y) in enumerate(zip(Xs, ys))]
        return np.mean(terms) + model.alpha / 2 * p["w0"] @ p["w0"]
    if isinstance(model, SharedSubspaceMTL):
        W = p["A"] @ p["P"].T
        data = np.mean([task_log_loss(X, y, W[t], p["b"][t]) for t, (X, y) in enumerate(zip(Xs, ys))])
        return data + model.alpha / 2 * np.sum(p["A"] ** 2)
    if isinstance(model, SharedHiddenMTL):
        act = np.tanh if model.activation == "tanh" else (lambda a: np.maximum(a, 0))
        data = np.mean([log_loss(y, expit(act(X @ p["V"] + p["c"]) @ p["U"][t] + p["b"][t]), labels=[0, 1])
                        for t, (X, y) in enumerate(zip(Xs, ys))])
        return data + model.alpha / 2 * (np.sum(p["V"] ** 2) + np.sum(p["U"] ** 2))
    W = p["W"]
    data = np.mean([task_log_loss(X, y, W[t], p["b"][t]) for t, (X, y) in enumerate(zip(Xs, ys))])
    ridge = model.alpha / 2 * np.sum(W**2)
    if isinstance(model, LowRankMTL):
        return data + model.lam * np.linalg.norm(W, "nuc") + ridge
    assert isinstance(model, JointFeatureMTL)
    return data + model.lam * np.sum(np.linalg.norm(W, axis=0)) + ridge


@pytest.mark.parametrize("model, value", MODELS_FOR_GRADIENTS, ids=lambda m: getattr(m, "name", None))
def test_objective_matches_docstring_formula(model, value):
    Xs, ys = make_problem(3, n=(12, 30, 7), d=4)
    batch = pack_tasks(Xs, ys)
    hp = model.batch_hyperparams(1, value)
    params = _random_params(model, batch, hp, np.random.default_rng(8))
    if isinstance(model, SharedSubspaceMTL):  # the objective is defined with orthonormal P
        params["P"] = np.linalg.qr(params["P"][0])[0][None]
    ours = model.objective_batch(params, batch, hp)[0]
    assert ours == pytest.approx(_objective_reference(model, params, Xs, ys), rel=1e-10)
    # the per-task data loss, too
    data = model.data_loss_batch(params, batch)[0]
    assert data.shape == (3,)


@pytest.mark.parametrize("model", [
    SingleTaskLogistic(alpha=0.05), PooledLogistic(alpha=0.05), MeanRegularizedMTL(lam=0.5, alpha=0.05),
    LowRankMTL(lam=0.02, alpha=0.05), JointFeatureMTL(lam=0.02, alpha=0.05),
], ids=lambda m: m.name)
def test_fitted_attributes_describe_the_fitted_objective(model):
    """objective(), coef_/intercept_, predict_proba, log_loss and score agree with each other."""
    Xs, ys = make_problem(4, n=(25, 40, 30), d=3)
    model.fit(Xs, ys)
    T = len(Xs)
    assert model.coef_.shape == (T, 3) and model.intercept_.shape == (T,)
    data = np.array([task_log_loss(X, y, model.coef_[t], model.intercept_[t]) for t, (X, y) in enumerate(zip(Xs, ys))])
    np.testing.assert_allclose(model.task_scores(Xs, ys, "log_loss"), data, rtol=1e-10)
    for t, (X, y) in enumerate(zip(Xs, ys)):
        np.testing.assert_allclose(model.predict_proba(X, t)[:, 1], expit(X @ model.coef_[t] + model.intercept_[t]), rtol=1e-12)
        assert model.task_scores(Xs, ys)[t] == pytest.approx(np.mean((X @ model.coef_[t] + model.intercept_[t] > 0) == y))
    W = model.coef_
    a = model.alpha
    if isinstance(model, SingleTaskLogistic):
        ref = np.mean(data + a / 2 * np.sum(W**2, axis=1))
    elif isinstance(model, PooledLogistic):
        assert np.all(W == W[0])
        ref = data.mean() + a / 2 * W[0] @ W[0]
    elif isinstance(model, MeanRegularizedMTL):
        np.testing.assert_allclose(W, model.shared_coef_ + model.offsets_, rtol=1e-12)
        ref = data.mean() + model.lam / 2 * np.mean(np.sum(model.offsets_**2, 1)) + a / 2 * model.shared_coef_ @ model.shared_coef_
    elif isinstance(model, LowRankMTL):
        np.testing.assert_allclose(model.singular_values_, np.linalg.svd(W, compute_uv=False), atol=1e-12)
        ref = data.mean() + model.lam * np.linalg.norm(W, "nuc") + a / 2 * np.sum(W**2)
    else:
        np.testing.assert_allclose(model.feature_norms_, np.linalg.norm(W, axis=0), atol=1e-12)
        ref = data.mean() + model.lam * np.linalg.norm(W, axis=0).sum() + a / 2 * np.sum(W**2)
    assert model.objective(Xs, ys) == pytest.approx(ref, rel=1e-10)


# ----------------------------------------------------------------------------- STL / pooled == scikit-learn


@pytest.mark.parametrize("seed, d, alpha", [(0, 1, 0.1), (1, 3, 1e-3), (2, 6, 0.05), (3, 10, 0.02), (4, 10, 1.0)])
def test_single_task_equals_sklearn(seed, d, alpha):
    Xs, ys = make_problem(seed, n=(15, 42, 77, 30), d=d)
    model = SingleTaskLogistic(alpha=alpha).fit(Xs, ys)
    assert model.converged_
    for t, (X, y) in enumerate(zip(Xs, ys)):
        # sklearn minimizes C sum_i loss_i + ||w||^2/2 = C n_t (L_t + ||w||^2 / (2 C n_t)): C = 1/(n_t alpha)
        sk = sk_logreg(X, y, C=1.0 / (len(y) * alpha))
        np.testing.assert_allclose(model.coef_[t], sk.coef_[0], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(model.intercept_[t], sk.intercept_[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed, d, alpha", [(0, 2, 0.1), (1, 5, 1e-3), (2, 10, 0.03)])
def test_pooled_equals_sklearn_with_task_weights(seed, d, alpha):
    Xs, ys = make_problem(seed, n=(15, 60, 33), d=d)
    model = PooledLogistic(alpha=alpha).fit(Xs, ys)
    X, y, sw, _ = pooled_design(Xs, ys)
    # sklearn 1.9 minimizes  C * sum_i sw_i loss_i + ||w||^2 / 2  (the user guide writes the same
    # problem as (1/S) sum_i sw_i loss_i + ||w||^2 / (2 S C), S = sum_i sw_i).  With sw_i = 1/(T n_t),
    # sum_i sw_i loss_i = (1/T) sum_t L_t and S = 1, so C = 1/alpha reproduces our objective.
    sk = sk_logreg(X, y, C=1.0 / alpha, sample_weight=sw)
    for t in range(len(Xs)):
        np.testing.assert_allclose(model.coef_[t], sk.coef_[0], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(model.intercept_[t], sk.intercept_[0], rtol=1e-5, atol=1e-5)


def test_pooled_weighs_tasks_equally_not_samples():
    """Duplicating every sample of one task changes nothing (each task has weight 1/T)."""
    Xs, ys = make_problem(7, n=(20, 30, 25), d=3)
    a = PooledLogistic(alpha=0.05).fit(Xs, ys)
    Xs2 = [np.vstack([Xs[0], Xs[0]])] + Xs[1:]
    ys2 = [np.concatenate([ys[0], ys[0]])] + ys[1:]
    b = PooledLogistic(alpha=0.05).fit(Xs2, ys2)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    # ...while sklearn without task weights on the concatenated data differs
    X, y, _, _ = pooled_design(Xs2, ys2)
    unweighted = sk_logreg(X, y, C=1.0 / (0.05 * len(y)))
    assert np.abs(unweighted.coef_[0] - b.coef_[0]).max() > 1e-3


# ----------------------------------------------------------------------------- mean-regularized limits


def test_mean_regularized_small_lam_is_unregularized_single_task():
    """lam -> 0: offsets are free, so w_t = w0 + v_t minimizes L_t alone (the ridge on w0 just
    sends w0 -> 0): the limit is *unpenalized* per-task logistic regression, whatever alpha."""
    Xs, ys = make_problem(0, n=(60, 80, 100), d=3)
    ref = np.array([sk_logreg(X, y, C=np.inf).coef_[0] for X, y in zip(Xs, ys)])
    ref_b = np.array([sk_logreg(X, y, C=np.inf).intercept_[0] for X, y in zip(Xs, ys)])
    dists = []
    for lam in (1e-1, 1e-3, 1e-5):
        m = MeanRegularizedMTL(lam=lam, alpha=0.1).fit(Xs, ys)
        dists.append(np.abs(m.coef_ - ref).max())
    assert dists[0] > 1e-2  # at lam = 0.1 the tasks are visibly pulled together
    assert dists[0] > dists[1] > dists[2]
    m = MeanRegularizedMTL(lam=1e-9, alpha=0.1).fit(Xs, ys)
    np.testing.assert_allclose(m.coef_, ref, atol=1e-5)
    np.testing.assert_allclose(m.intercept_, ref_b, atol=1e-5)
    assert np.abs(m.shared_coef_).max() < 1e-6


def test_mean_regularized_large_lam_is_shared_weights_with_task_intercepts():
    """lam -> inf: v_t -> 0, leaving min (1/T) sum_t L_t(w, b_t) + alpha/2 ||w||^2.

    Reference: scikit-learn on the concatenated data with task-weights 1/(T n_t), no global
    intercept and one-hot task columns scaled by K (their coefficient c_t gives b_t = K c_t,
    penalized by only alpha/(2 K^2) b_t^2, negligible for K = 1e3)."""
    Xs, ys = make_problem(1, n=(30, 50, 70), d=3)
    T, alpha, K = len(Xs), 0.1, 1e3
    X, y, sw, task = pooled_design(Xs, ys)
    Z = np.hstack([X, K * np.eye(T)[task]])
    sk = sk_logreg(Z, y, C=1.0 / alpha, sample_weight=sw, fit_intercept=False)
    w_ref, b_ref = sk.coef_[0][:3], K * sk.coef_[0][3:]
    dists = []
    for lam in (1.0, 1e2, 1e4):
        m = MeanRegularizedMTL(lam=lam, alpha=alpha).fit(Xs, ys)
        dists.append(np.abs(m.coef_ - w_ref).max())
    assert dists[0] > 1e-2 and dists[0] > dists[1] > dists[2]
    m = MeanRegularizedMTL(lam=1e8, alpha=alpha).fit(Xs, ys)
    np.testing.assert_allclose(m.coef_, np.broadcast_to(w_ref, (T, 3)), atol=1e-5)
    np.testing.assert_allclose(m.intercept_, b_ref, atol=1e-5)
    assert np.abs(m.offsets_).max() < 1e-5
    # and it is not simply pooling: the task intercepts differ
    assert np.ptp(b_ref) > 0.05


# ----------------------------------------------------------------------------- structure: low rank, L2,1


def _smooth_grad_W(Xs, ys, W, b, alpha):
    """Gradient of (1/T) sum_t L_t + alpha/2 ||W||_F^2 with respect to W and b (independent code)."""
    T = len(Xs)
    gW = np.zeros_like(W)
    gb = np.zeros(T)
    for t, (X, y) in enumerate(zip(Xs, ys)):
        r = (expit(X @ W[t] + b[t]) - y) / len(y) / T
        gW[t] = X.T @ r
        gb[t] = r.sum()
    return gW + alpha * W, gb


def _lam_max(Xs, ys):
    """Gradient G0 of the data term at W = 0 with the optimal intercepts logit(mean y_t)."""
    b0 = logit([np.mean(y) for y in ys])
    G0, _ = _smooth_grad_W(Xs, ys, np.zeros((len(Xs), Xs[0].shape[1])), b0, 0.0)
    return G0, b0


def test_low_rank_large_lam_gives_rank_one_and_kkt():
    Xs, ys = make_problem(1, n=(50, 60, 70, 80), d=5, scale=2.0)
    G0, b0 = _lam_max(Xs, ys)
    lam_max = np.linalg.norm(G0, 2)  # W = 0 is optimal iff ||G0||_2 <= lam
    # beyond lam_max: everything is shrunk to 0 and the intercepts are the task log-odds
    m0 = LowRankMTL(lam=1.02 * lam_max, alpha=0.01).fit(Xs, ys)
    assert np.abs(m0.coef_).max() < 1e-10
    np.testing.assert_allclose(m0.intercept_, b0, atol=1e-6)
    # a bit below: exactly one direction survives
    m1 = LowRankMTL(lam=0.8 * lam_max, alpha=0.01).fit(Xs, ys)
    sv = np.linalg.svd(m1.coef_, compute_uv=False)
    assert sv[0] > 1e-2
    assert np.all(sv[1:] <= 1e-8 * sv[0])
    # KKT of the trace norm: -G = lam (u v^T + Z) with Z orthogonal to u, v and ||Z||_2 <= 1
    G, gb = _smooth_grad_W(Xs, ys, m1.coef_, m1.intercept_, 0.01)
    np.testing.assert_allclose(gb, 0, atol=1e-7)
    U, S, Vt = np.linalg.svd(m1.coef_)
    u, v = U[:, :1], Vt[:1].T
    np.testing.assert_allclose(u.T @ (-G) @ v, [[m1.lam]], rtol=1e-5)
    Z = -G / m1.lam - u @ v.T
    np.testing.assert_allclose(u.T @ Z, 0, atol=1e-5)
    np.testing.assert_allclose(Z @ v, 0, atol=1e-5)
    assert np.linalg.norm(Z, 2) <= 1 + 1e-6
    # and a small lam keeps full rank (so the test above can fail)
    m2 = LowRankMTL(lam=1e-3 * lam_max, alpha=0.01).fit(Xs, ys)
    assert np.linalg.svd(m2.coef_, compute_uv=False)[-1] > 1e-2
    np.testing.assert_allclose(m2.singular_values_, np.linalg.svd(m2.coef_, compute_uv=False), atol=1e-12)


def test_joint_feature_zeroes_whole_irrelevant_features_and_kkt():
    relevant = 3
    Xs, ys = make_problem(2, n=(50, 60, 70, 80), d=8, scale=2.0, relevant=relevant)
    lam, alpha = 0.05, 0.01
    m = JointFeatureMTL(lam=lam, alpha=alpha).fit(Xs, ys)
    W = m.coef_
    assert W.shape == (4, 8)
    assert np.all(W[:, relevant:] == 0.0)  # whole features dropped, in every task
    assert np.all(np.abs(W[:, :relevant]) > 1e-3)  # the relevant ones kept by every task
    np.testing.assert_allclose(m.feature_norms_, np.linalg.norm(W, axis=0), atol=1e-12)
    # KKT of the group penalty, feature by feature (group = one column of coef_)
    G, gb = _smooth_grad_W(Xs, ys, W, m.intercept_, alpha)
    np.testing.assert_allclose(gb, 0, atol=1e-7)
    for j in range(8):
        nj = np.linalg.norm(W[:, j])
        if nj == 0:
            assert np.linalg.norm(G[:, j]) <= lam * (1 + 1e-6)
        else:
            np.testing.assert_allclose(G[:, j] + lam * W[:, j] / nj, 0, atol=1e-6)
    # with a tiny lam nothing is dropped (the test above can fail)
    m_small = JointFeatureMTL(lam=1e-4, alpha=alpha).fit(Xs, ys)
    assert np.all(m_small.feature_norms_ > 1e-4)


# ----------------------------------------------------------------------------- shared subspace


@pytest.mark.parametrize("T, d", [(3, 5), (4, 2)])
def test_shared_subspace_full_dimension_is_unconstrained_ridge(T, d):
    """With k = min(T, d) every W is reachable, so the optimum of (1/T) sum L_t + alpha/2 ||W||_F^2
    (= (1/T) sum_t [L_t + (T alpha)/2 ||w_t||^2]) is per-task ridge with strength T*alpha,
    i.e. scikit-learn with C = 1/(n_t T alpha)."""
    Xs, ys = make_problem(5, n=(30, 45, 60, 25)[:T], d=d)
    alpha = 0.02
    m = SharedSubspaceMTL(k=min(T, d), alpha=alpha).fit(Xs, ys)
    for t, (X, y) in enumerate(zip(Xs, ys)):
        sk = sk_logreg(X, y, C=1.0 / (len(y) * T * alpha))
        np.testing.assert_allclose(m.coef_[t], sk.coef_[0], atol=1e-5)
        np.testing.assert_allclose(m.intercept_[t], sk.intercept_[0], atol=1e-5)
    np.testing.assert_allclose(m.P_.T @ m.P_, np.eye(min(T, d)), atol=1e-10)


def test_shared_subspace_k1_orthonormal_monotone_and_stationary():
    Xs, ys = make_problem(6, n=(30, 45, 60, 40), d=5, scale=1.5)
    alpha = 0.01
    m = SharedSubspaceMTL(k=1, alpha=alpha).fit(Xs, ys)
    P, A = m.P_, m.task_coords_
    assert P.shape == (5, 1) and A.shape == (4, 1)
    np.testing.assert_allclose(P.T @ P, np.eye(1), atol=1e-12)
    np.testing.assert_allclose(m.coef_, A @ P.T, atol=1e-12)
    assert np.linalg.matrix_rank(m.coef_, tol=1e-9) == 1
    obj = m.history_["objective"]
    assert len(obj) >= 2
    assert np.all(np.diff(obj) <= 1e-12 * np.abs(obj[1:]))
    assert obj[-1] < obj[0]
    assert m.objective(Xs, ys) == pytest.approx(obj[-1], rel=1e-12)
    # first-order stationarity on the constraint set P^T P = I: gradients in A and b vanish and the
    # Riemannian gradient in P (G_P - P sym(P^T G_P)) vanishes.
    G, gb = _smooth_grad_W(Xs, ys, m.coef_, m.intercept_, alpha)
    np.testing.assert_allclose(gb, 0, atol=1e-6)
    np.testing.assert_allclose(G @ P, 0, atol=1e-6)  # dF/dA
    GP = G.T @ A
    sym = 0.5 * (P.T @ GP + GP.T @ P)
    np.testing.assert_allclose(GP - P @ sym, 0, atol=1e-6)
    # the constraint costs something compared with the unconstrained optimum
    full = SingleTaskLogistic(alpha=4 * alpha).fit(Xs, ys)
    assert m.objective(Xs, ys) > full.objective(Xs, ys) + 1e-4


# ----------------------------------------------------------------------------- shared hidden layer


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_shared_hidden_beats_chance_on_nonlinear_tasks(activation):
    ts = make_tasks(n_tasks=3, n_features=2, n_train=80, n_test=400, family="nonlinear", seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning at max_iter is fine here
        m = SharedHiddenMTL(n_hidden=6, activation=activation, alpha=1e-3, max_iter=400).fit(ts.X_train, ts.y_train)
    acc = m.task_scores(ts.X_test, ts.y_test)
    base = np.array([max(np.mean(y), 1 - np.mean(y)) for y in ts.y_test])  # majority-class rate
    assert np.all(acc > base + 0.15), (acc, base)
    # the training objective went down from the random start
    assert m.history_["objective"][-1] < m.history_["objective"][0] - 0.1
    assert m.hidden_weights_.shape == (2, 6) and m.head_coef_.shape == (3, 6)


# ----------------------------------------------------------------------------- scoring every task


@pytest.mark.parametrize("model", [m for m, _ in MODELS_FOR_GRADIENTS], ids=lambda m: type(m).__name__)
def test_decision_functions_score_every_task_like_decision_function(model):
    ts = make_tasks(n_tasks=3, n_features=3, n_train=[8, 20, 13], seed=6)
    m = clone(model).fit(ts.X_train, ts.y_train)
    for Xs in (ts.X_train, ts.X_test):  # tasks of different sizes, and of equal ones
        got = m.decision_functions(Xs)
        assert [len(z) for z in got] == [len(X) for X in Xs]
        for t, z in enumerate(got):
            np.testing.assert_allclose(z, m.decision_function(Xs[t], t), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="fitted on 3"):
        m.decision_functions(ts.X_test[:2])
