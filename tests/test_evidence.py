"""The automatic sharing strength of mean-regularized MTL: the evidence and the guarded rule."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import log_expit, logsumexp

from mtl_core import MeanRegularizedMTL, PooledLogistic, SingleTaskLogistic, make_tasks
from mtl_core.batch import pack_tasks
from mtl_core.experiments import evaluate_tasksets
from mtl_core.models.cv import select_strength_batch
from mtl_core.models.evidence import INTERCEPT_PRIOR_STD, mean_regularized_log_evidence


def _log_joint(theta, Xs, ys, lam, alpha):
    """log prior + log likelihood of the hierarchical model, written directly (equal task sizes).

    ``theta`` of shape (..., d + T d + T): ``w0``, the offsets ``v_t``, the intercepts ``b_t``.
    """
    T, d = len(Xs), Xs[0].shape[1]
    c = Xs[0].shape[0]
    w0 = theta[..., :d]
    V = theta[..., d: d + T * d].reshape(theta.shape[:-1] + (T, d))
    b = theta[..., d + T * d:]
    out = 0.0
    for t in range(T):
        s = 2.0 * ys[t] - 1.0
        z = (w0 + V[..., t, :]) @ Xs[t].T + b[..., t, None]
        out = out + np.sum(log_expit(s * z), axis=-1)
    # Gaussian log densities with precisions c*T*alpha (w0), c*lam (v_t), 1/std^2 (b_t)
    for x, prec in ((w0, c * T * alpha), (V.reshape(V.shape[:-2] + (-1,)), c * lam), (b, 1.0 / INTERCEPT_PRIOR_STD**2)):
        out = out + 0.5 * x.shape[-1] * np.log(prec / (2 * np.pi)) - 0.5 * prec * np.sum(x * x, axis=-1)
    return out


def _importance_log_evidence(Xs, ys, lam, alpha, n_draws=200_000, seed=0):
    """log p(y | lam) by importance sampling from a widened Gaussian around the posterior mode."""
    T, d = len(Xs), Xs[0].shape[1]
    k = d + T * d + T
    neg = lambda th: -_log_joint(th, Xs, ys, lam, alpha)
    mode = minimize(neg, np.zeros(k), method="BFGS", options={"gtol": 1e-10}).x
    eps = 1e-3
    E = np.eye(k) * eps
    H = np.array([[(neg(mode + E[i] + E[j]) - neg(mode + E[i] - E[j]) - neg(mode - E[i] + E[j]) + neg(mode - E[i] - E[j]))
                   / (4 * eps * eps) for j in range(k)] for i in range(k)])
    cov = 4.0 * np.linalg.inv(0.5 * (H + H.T))  # widened: heavier tails than the posterior
    rng = np.random.default_rng(seed)
    L = np.linalg.cholesky(cov)
    z = rng.standard_normal((n_draws, k))
    draws = mode + z @ L.T
    log_q = -0.5 * np.sum(z * z, 1) - 0.5 * k * np.log(2 * np.pi) - np.sum(np.log(np.diag(L)))
    log_w = _log_joint(draws, Xs, ys, lam, alpha) - log_q
    return logsumexp(log_w) - np.log(n_draws)


@pytest.mark.parametrize("lam", [0.05, 1.0, 20.0])
def test_evidence_is_a_tight_lower_bound_of_the_true_evidence(lam):
    # A problem small enough to integrate numerically: 2 tasks, 1 feature, 5 samples each (5 parameters).
    ts = make_tasks(n_tasks=2, n_features=2, n_train=5, relatedness=0.8, seed=3)
    Xs = [X[:, :1] for X in ts.X_train]
    batch = pack_tasks(Xs, ts.y_train)
    bound = mean_regularized_log_evidence(batch, np.array([lam]), np.array([0.01]))[0]
    exact = _importance_log_evidence(Xs, ts.y_train, lam, 0.01, n_draws=40_000)
    # The variational bound never exceeds the evidence and is close to it (Jaakkola-Jordan bounds
    # are loosest for broad posteriors: measured gaps 0.5-1.0 nat here, smallest lam loosest).
    assert bound <= exact + 0.05, (bound, exact)
    assert bound >= exact - 1.5, (bound, exact)


def test_evidence_tracks_the_true_evidence_across_strengths():
    ts = make_tasks(n_tasks=2, n_features=2, n_train=6, relatedness=0.0, seed=11)
    Xs = [X[:, :1] for X in ts.X_train]
    batch = pack_tasks(Xs, ts.y_train)
    lams = np.array([0.01, 0.3, 10.0])
    bound = mean_regularized_log_evidence(
        type(batch)(batch.X, batch.s, np.repeat(batch.sw, 3, 0), batch.mask), lams, np.full(3, 0.01))
    exact = np.array([_importance_log_evidence(Xs, ts.y_train, lam, 0.01, n_draws=40_000) for lam in lams])
    # Differences between strengths (what the selection uses) agree within the bound's slack.
    np.testing.assert_allclose(bound - bound[0], exact - exact[0], atol=0.6)


def test_evidence_prefers_sharing_for_identical_tasks_and_not_for_unrelated_ones():
    grid = np.logspace(-4, 2, 13)
    same = make_tasks(n_tasks=6, n_features=3, n_train=15, relatedness=1.0, seed=5)
    other = make_tasks(n_tasks=6, n_features=3, n_train=100, relatedness=0.0, seed=5)
    model = MeanRegularizedMTL(lam="auto", selection="evidence")
    best_same, res_same = select_strength_batch(model, pack_tasks(same.X_train, same.y_train), grid)
    best_other, res_other = select_strength_batch(model, pack_tasks(other.X_train, other.y_train), grid)
    assert best_same[0] >= 10.0, res_same["log_evidence"]
    assert best_other[0] <= 0.1, res_other["log_evidence"]


def test_evidence_is_minus_infinity_at_zero_strength():
    ts = make_tasks(n_tasks=3, n_features=2, n_train=10, seed=0)
    batch = pack_tasks(ts.X_train, ts.y_train)
    out = mean_regularized_log_evidence(
        type(batch)(batch.X, batch.s, np.repeat(batch.sw, 2, 0), batch.mask), np.array([0.0, 1.0]), np.full(2, 0.01))
    assert out[0] == -np.inf and np.isfinite(out[1])


def test_guarded_rule_picks_the_best_evidence_among_cv_candidates():
    ts = make_tasks(n_tasks=4, n_features=3, n_train=12, relatedness=0.7, seed=8)
    model = MeanRegularizedMTL(lam="auto").fit(ts.X_train, ts.y_train)
    res = model.evidence_results_
    assert res is model.cv_results_ and res["method"] == "evidence+cv"
    acc, ev, cand = res["mean_accuracy"], res["log_evidence"], res["candidate"]
    np.testing.assert_array_equal(cand, acc >= acc.max() - 1e-12)  # the strengths tied at the best accuracy
    i = int(np.flatnonzero(res["grid"] == model.lam_)[0])
    assert cand.sum() > 1  # a tie for the evidence to settle (frequent with few samples)
    assert cand[i] and ev[i] == ev[cand].max()
    assert np.all(np.isnan(ev[~cand])) and np.all(np.isfinite(ev[cand]))  # computed where needed only
    # the final model is the plain fit at the chosen value
    ref = MeanRegularizedMTL(lam=model.lam_).fit(ts.X_train, ts.y_train)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-8)


def test_guarded_rule_falls_back_to_the_evidence_when_cv_is_impossible():
    # One sample of each class per task: nothing can be held out.
    rng = np.random.default_rng(0)
    Xs = [rng.standard_normal((2, 2)) for _ in range(3)]
    ys = [np.array([0, 1])] * 3
    model = MeanRegularizedMTL(lam="auto").fit(Xs, ys)
    assert model.cv_results_ is None and model.evidence_results_ is not None
    with pytest.raises(ValueError, match='needs at least 2 samples'):
        MeanRegularizedMTL(lam="auto", selection="cv").fit(Xs, ys)


@pytest.mark.parametrize("kwargs, match", [
    ({"selection": "bayes"}, "selection must be"),
    ({"cv_repeats": 0}, "cv_repeats must be"),
    ({"cv_repeats": 1.5}, "cv_repeats must be"),
])
def test_bad_selection_settings(kwargs, match):
    ts = make_tasks(n_tasks=2, n_train=10, seed=0)
    with pytest.raises(ValueError, match=match):
        MeanRegularizedMTL(lam="auto", **kwargs).fit(ts.X_train, ts.y_train)


def _cell_means(models, seeds, **scenario):
    tasksets = [make_tasks(seed=seed, **scenario) for seed in seeds]
    scores, _ = evaluate_tasksets(tasksets, models)
    return 100 * scores["accuracy"].mean(axis=(1, 2))


def test_regret_on_a_small_grid():
    """Issue 12's setting (6 tasks, label noise 0.1, intercept spread 0.5, seeds 0-7).

    With 6 samples per task in 5 features and nearly identical tasks, the rule
    before issue 12 (CV accuracy, ties to the weakest strength) lost 5.2 points to
    pooling (STL 64.8, pooled 72.9, MTL 67.7); the evidence settling CV's ties
    loses 2.2. On unrelated tasks MTL stays within a point of STL.
    """
    common = dict(n_tasks=6, label_noise=0.1, intercept_spread=0.5)
    models = [SingleTaskLogistic(alpha="auto"), PooledLogistic(alpha="auto"), MeanRegularizedMTL(lam="auto")]
    stl, pooled, mtl = _cell_means(models, range(8), n_features=5, n_train=6, relatedness=0.95, **common)
    assert mtl >= max(stl, pooled) - 2.5, (stl, pooled, mtl)
    stl, pooled, mtl = _cell_means(models, range(8), n_features=2, n_train=12, relatedness=0.0, **common)
    assert mtl >= max(stl, pooled) - 1.0, (stl, pooled, mtl)
