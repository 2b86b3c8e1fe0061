"""Cross-validation (`mtl_core.models.cv`): the "auto" strength, stratified folds, and speed-ups that change no answer.

- ``"auto"`` chooses by held-out accuracy (ties to the weakest strength) and refits
  at the chosen value; stratified folds keep both classes of every task.
- Newton in rounds on the problems still going (`MTLEstimator._in_rounds`) makes
  the same iterations as one long run (to rounding).
- Warm-started CV (fold fits from the whole-data fits, a looser tolerance for the
  Newton models) chooses the same strengths as CV with every fit from zero at
  Newton's full tolerance, and the final fit started from CV's whole-data fit
  reaches the same optimum as a fit from zero.

The evidence and the guarded rule it settles CV's ties with are in test_evidence.py.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from sklearn.base import clone

from mtl_core import (
    CrossValidationError,
    LowRankMTL,
    MeanRegularizedMTL,
    MinorityClassWarning,
    PooledLogistic,
    SingleTaskLogistic,
    make_tasks,
)
from mtl_core.batch import pack_problems
from mtl_core.models import cv as cv_module
from mtl_core.models.cv import select_strength_batch, stratified_fold_ids
from mtl_core.solvers import NEWTON_TOL

MODELS = [
    pytest.param(lambda: SingleTaskLogistic(alpha="auto"), id="stl"),
    pytest.param(lambda: PooledLogistic(alpha="auto"), id="pooled"),
    # CV mechanics: the plain k-fold rule (the default rule adds repeats and the evidence on top).
    pytest.param(lambda: MeanRegularizedMTL(lam="auto", selection="cv", cv_repeats=1), id="mean_regularized"),
]


def _problems(n: int, seed: int = 0, **kw):
    out = []
    for i in range(n):
        ts = make_tasks(seed=seed + i, **kw)
        out.append((ts.X_train, ts.y_train))
    return pack_problems(out)


# ----------------------------------------------------------------------------- "auto" strength and folds


@pytest.mark.parametrize("model", [
    SingleTaskLogistic(alpha="auto"),
    MeanRegularizedMTL(lam="auto", alpha=0.01, lam_grid=[1e-3, 1e-1, 10.0], selection="cv", cv_repeats=1),
    LowRankMTL(lam="auto", alpha=0.01, lam_grid=[1e-4, 1e-2, 1.0]),
], ids=lambda m: m.name)
def test_auto_strength(model):
    ts = make_tasks(n_tasks=3, n_features=3, n_train=[20, 30, 25], seed=4)
    model.fit(ts.X_train, ts.y_train)
    res = model.cv_results_
    assert res is not None and res["parameter"] == model.strength_param
    grid, loss, acc = np.asarray(res["grid"]), np.asarray(res["mean_loss"]), np.asarray(res["mean_accuracy"])
    assert loss.shape == acc.shape == grid.shape and np.all(np.isfinite(loss))
    assert np.all((acc >= 0) & (acc <= 1)) and np.all(loss > 0)
    chosen = getattr(model, model.strength_param + "_")
    assert chosen == res["best"] and chosen in grid
    i = int(np.flatnonzero(grid == chosen)[0])
    # Selection rule documented in mtl_core/models/cv.py: the highest held-out accuracy, ties going
    # to the weakest strength (smallest grid value).
    best_acc = acc.max()
    assert acc[i] >= best_acc - 1e-12, (grid, acc, chosen)
    assert not np.any((acc >= best_acc - 1e-12) & (grid < chosen)), (grid, acc, chosen)
    # the final model is the plain fit at the chosen value
    ref = clone(model).set_params(**{model.strength_param: chosen}).fit(ts.X_train, ts.y_train)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-10)
    assert ref.cv_results_ is None


def test_auto_strength_prefers_strong_sharing_for_identical_tasks():
    """Identical tasks: pooling is right, so CV must not pick the smallest lam of a wide grid."""
    ts = make_tasks(n_tasks=4, n_features=5, n_train=12, relatedness=1.0, label_noise=0.05, seed=2)
    m = MeanRegularizedMTL(lam="auto", alpha=0.01, lam_grid=[1e-4, 1e-2, 1.0, 1e2]).fit(ts.X_train, ts.y_train)
    assert m.lam_ >= 1.0


def test_stratified_folds_hold_both_classes():
    rng = np.random.default_rng(0)
    probs = []
    for b in range(2):
        Xs, ys = [], []
        for n_t, n_pos in [(17, 6), (9, 2), (30, 15), (5, 1)]:
            y = np.zeros(n_t, dtype=int)
            y[rng.choice(n_t, n_pos, replace=False)] = 1
            Xs.append(rng.normal(size=(n_t, 2)))
            ys.append(y)
        probs.append((Xs, ys))
    batch = pack_problems(probs)
    k = 3
    folds = stratified_fold_ids(batch, k, np.random.default_rng(1))
    assert folds.shape == batch.mask.shape
    assert np.all(folds[~batch.mask] == -1)
    for b in range(2):
        for t in range(4):
            real = batch.mask[b, t]
            f, s = folds[b, t][real], batch.s[b, t][real]
            for cls in (-1.0, 1.0):
                fc = f[s == cls]
                count = fc.size
                if count >= 2:
                    assert np.all((fc >= 0) & (fc < k))
                    per_fold = np.bincount(fc, minlength=k)
                    assert per_fold.max() - per_fold.min() <= 1  # stratified: balanced across folds
                    if count >= k:
                        assert np.all(per_fold >= 1)  # every fold holds out this class
            # every training part keeps both classes of every task
            for fold in range(k):
                train = s[f != fold]
                assert (train > 0).any() and (train < 0).any()
    # a different seed gives a different assignment
    other = stratified_fold_ids(batch, k, np.random.default_rng(2))
    assert not np.array_equal(folds, other)


@pytest.mark.parametrize("k", [3, 5])
def test_minority_class_is_spread_over_min_k_n_minority_folds(k):
    """A task's minority class with m >= 2 samples is held out in min(k, m) folds; a single one never."""
    rng = np.random.default_rng(5)
    minorities = [1, 2, 3, 4, 5, 7]
    Xs = [rng.normal(size=(40, 2)) for _ in minorities]
    ys = [np.r_[np.ones(m, dtype=int), np.zeros(40 - m, dtype=int)] for m in minorities]
    batch = pack_problems([(Xs, ys)])
    for seed in range(5):
        folds = stratified_fold_ids(batch, k, np.random.default_rng(seed))[0]
        for t, m in enumerate(minorities):
            held = folds[t, :40][ys[t] == 1]
            expected = 0 if m == 1 else min(k, m)
            assert np.unique(held[held >= 0]).size == expected, (k, m, held)
            assert np.all(held >= 0) == (m >= 2)


def _imbalanced_tasks(seed: int = 0, n: int = 40, n_pos: int = 4, d: int = 6, signal: float = 1.0):
    """Tasks with 10% positives: one informative feature, the others noise."""
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for _ in range(3):
        y = np.zeros(n, dtype=int)
        y[rng.choice(n, n_pos, replace=False)] = 1
        X = rng.normal(size=(n, d))
        X[:, 0] += signal * y
        Xs.append(X)
        ys.append(y)
    return Xs, ys


def _reference_held_out(Xs, ys, grid, k, seed):
    """Every task's held-out labels and decision values per strength, by hand with scikit-learn's fits."""
    from sklearn.linear_model import LogisticRegression

    folds = stratified_fold_ids(pack_problems([(Xs, ys)]), k, np.random.default_rng(seed))[0]
    out = []
    for alpha in grid:
        per_task = []
        for t, (X, y) in enumerate(zip(Xs, ys)):
            f = folds[t, : len(y)]
            z = np.full(len(y), np.nan)
            for fold in range(k):
                train, test = f != fold, f == fold
                if test.any():
                    clf = LogisticRegression(C=1.0 / (train.sum() * alpha), solver="newton-cholesky", tol=1e-10)
                    z[test] = clf.fit(X[train], y[train]).decision_function(X[test])
            held = f >= 0
            per_task.append((y[held], z[held]))
        out.append(per_task)
    return out


def _mean_task_metric(held_out, metric):
    return np.array([np.mean([metric(y, z) for y, z in per_task]) for per_task in held_out])


def test_scoring_options_on_an_imbalanced_problem():
    """Accuracy picks the majority rule; ROC AUC and balanced accuracy pick by ranking; log-loss by loss.

    Every curve is checked against held-out scores computed by hand with scikit-learn's
    fits and metrics, and every choice is the best of its curve (ties to the weakest strength).
    """
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    Xs, ys = _imbalanced_tasks()
    grid = SingleTaskLogistic().strength_grid()
    fitted = {}
    for scoring in ["accuracy", "roc_auc", "balanced_accuracy", "log_loss", roc_auc_score]:
        with pytest.warns(MinorityClassWarning):  # 4 positives for 5 folds
            fitted[scoring] = SingleTaskLogistic(alpha="auto", scoring=scoring, random_state=3).fit(Xs, ys)
    acc_res = fitted["accuracy"].cv_results_
    auc_res = fitted["roc_auc"].cv_results_
    # accuracy is flat at the majority rate (0.9: every sample called negative) over the strong end
    # of the grid, and picks its weakest value there
    acc = acc_res["mean_accuracy"]
    i_acc = int(np.flatnonzero(grid == fitted["accuracy"].alpha_)[0])
    assert acc.max() == pytest.approx(0.9) and np.allclose(acc[i_acc:], 0.9) and np.all(acc[:i_acc] < 0.9 - 1e-9)
    # ROC AUC discriminates where accuracy is flat, and chooses otherwise
    auc = auc_res["mean_score"]
    held_out = _reference_held_out(Xs, ys, grid, 5, 3)
    np.testing.assert_allclose(auc, _mean_task_metric(held_out, roc_auc_score), atol=1e-9)
    assert np.ptp(auc[i_acc:]) > 0.05
    assert fitted["roc_auc"].alpha_ == grid[np.argmax(auc)] != fitted["accuracy"].alpha_
    assert auc.max() > auc[i_acc] + 0.02
    # a scikit-learn metric as the callable gives the same curve and choice
    np.testing.assert_allclose(fitted[roc_auc_score].cv_results_["mean_score"], auc_res["mean_score"], atol=1e-12)
    assert fitted[roc_auc_score].cv_results_["scoring"] == "roc_auc_score"
    assert fitted[roc_auc_score].alpha_ == fitted["roc_auc"].alpha_
    bal = fitted["balanced_accuracy"].cv_results_["mean_score"]
    np.testing.assert_allclose(bal, _mean_task_metric(held_out, lambda y, z: balanced_accuracy_score(y, z > 0)), atol=1e-12)
    assert fitted["balanced_accuracy"].alpha_ == grid[np.argmax(np.round(bal, 12))]
    # log-loss is minimized, and its curve is the held-out log-loss
    loss_res = fitted["log_loss"].cv_results_
    np.testing.assert_allclose(loss_res["mean_score"], loss_res["mean_loss"], rtol=1e-12)
    assert fitted["log_loss"].alpha_ == grid[np.argmin(loss_res["mean_score"])]
    # the accuracy curve does not depend on the scoring
    for scoring, model in fitted.items():
        np.testing.assert_array_equal(model.cv_results_["mean_accuracy"], acc_res["mean_accuracy"])


def test_scoring_callable_skips_tasks_whose_held_out_samples_hold_one_class():
    """A task with one positive never holds it out: "roc_auc" leaves the task out, and so does a
    scikit-learn metric that raises on one class."""
    from sklearn.metrics import roc_auc_score

    Xs, ys = _imbalanced_tasks()
    ys[1] = np.r_[np.ones(1, dtype=int), np.zeros(39, dtype=int)]
    with pytest.warns(MinorityClassWarning):
        builtin = SingleTaskLogistic(alpha="auto", scoring="roc_auc").fit(Xs, ys)
    with pytest.warns(MinorityClassWarning):
        callable_ = SingleTaskLogistic(alpha="auto", scoring=roc_auc_score).fit(Xs, ys)
    np.testing.assert_allclose(callable_.cv_results_["mean_score"], builtin.cv_results_["mean_score"], atol=1e-12)
    # a callable that fails for another reason is not silenced
    def broken(y_true, z):
        raise ValueError("broken metric")

    with pytest.raises(ValueError, match="broken metric"), warnings.catch_warnings():
        warnings.simplefilter("ignore", MinorityClassWarning)
        SingleTaskLogistic(alpha="auto", scoring=broken).fit(Xs, ys)


def test_scoring_that_needs_both_classes_needs_two_of_each():
    Xs, ys = _imbalanced_tasks(n_pos=1)
    with pytest.raises(CrossValidationError, match='scoring="roc_auc" needs a task with at least 2 samples of each class'):
        SingleTaskLogistic(alpha="auto", scoring="roc_auc").fit(Xs, ys)
    # the evidence rule then decides alone, as it does when cross-validation is impossible
    with _no_minority_warning():  # no cross-validation ran
        m = MeanRegularizedMTL(lam="auto", scoring="roc_auc").fit(Xs, ys)
    assert m.cv_results_ is None and m.evidence_results_ is not None


def test_minority_class_warning_names_the_tasks():
    Xs, ys = _imbalanced_tasks(n_pos=10)
    ys[1] = np.r_[np.ones(3, dtype=int), np.zeros(37, dtype=int)]
    with pytest.warns(MinorityClassWarning, match=r"^Task 1 \(0-based\) has fewer samples of the minority class than the 5 "):
        SingleTaskLogistic(alpha="auto").fit(Xs, ys)
    with _no_minority_warning():  # 10 positives >= 5 folds in every task
        SingleTaskLogistic(alpha="auto").fit(Xs[:1] + Xs[2:], ys[:1] + ys[2:])
        SingleTaskLogistic(alpha="auto", cv=3).fit(Xs, ys)  # 3 positives >= 3 folds
    with _no_minority_warning():  # no cross-validation, no warning
        SingleTaskLogistic(alpha=0.1).fit(Xs, ys)


@contextmanager
def _no_minority_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", MinorityClassWarning)
        yield



# ----------------------------------------------------------------------------- speed-ups that change no answer


@pytest.mark.parametrize("make", MODELS)
def test_rounds_make_the_same_iterations_as_one_run(make, monkeypatch):
    model = make()
    batch = _problems(12, n_tasks=4, n_features=6, n_train=[6, 9, 15, 40], relatedness=0.5)
    hp = model.batch_hyperparams(batch.n_batch, 0.0)
    hp[model.strength_param] = np.geomspace(1e-4, 10, batch.n_batch)  # weak penalties converge slowest
    short, n_short, c_short = model.fit_batch(batch, hp)
    monkeypatch.setattr(type(model), "_newton_round", 10_000)
    long, n_long, c_long = model.fit_batch(batch, hp)
    assert c_short.all() and c_long.all()
    assert np.array_equal(n_short, n_long)
    assert len(set(n_long.tolist())) > 1  # problems did finish at different iterations
    for k in long:
        # STL rounds restart a problem's already-converged tasks for one more (tiny) step.
        np.testing.assert_allclose(short[k], long[k], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", MODELS)
def test_warm_started_cv_chooses_what_cold_exact_cv_chooses(make, monkeypatch):
    batch = _problems(16, seed=100, n_tasks=5, n_features=4, n_train=12, relatedness=0.6)
    model = make()
    warm, warm_res = select_strength_batch(model, batch, seed=3)
    monkeypatch.setattr(type(model), "_cv_warm_start", False)
    monkeypatch.setattr(type(model), "_cv_tol", NEWTON_TOL)
    cold, cold_res = select_strength_batch(model, batch, seed=3)
    assert "chosen_fit" in warm_res and "chosen_fit" not in cold_res
    np.testing.assert_array_equal(warm, cold)
    np.testing.assert_allclose(warm_res["mean_accuracy"], cold_res["mean_accuracy"], atol=1e-12)
    # Held-out log-loss (reported, not used for the choice): close, but at the weakest penalties
    # (nearly separable folds, far-out optima) it follows the scale of the fit (0.2% seen).
    np.testing.assert_allclose(warm_res["mean_loss"], cold_res["mean_loss"], rtol=1e-2)


@pytest.mark.parametrize("make", MODELS)
def test_final_fit_from_cv_start_is_the_optimum_from_zero(make):
    ts = make_tasks(n_tasks=4, n_features=5, n_train=15, relatedness=0.7, seed=8)
    auto = make().fit(ts.X_train, ts.y_train)
    chosen = getattr(auto, auto.strength_param + "_")
    fixed = make().set_params(**{auto.strength_param: chosen}).fit(ts.X_train, ts.y_train)
    assert auto.converged_ and fixed.converged_
    assert auto.n_iter_ < fixed.n_iter_  # it did start close to the optimum
    for k in fixed.params_:
        np.testing.assert_allclose(auto.params_[k], fixed.params_[k], rtol=1e-7, atol=1e-9)
    assert auto.history_["objective"][-1] == pytest.approx(fixed.history_["objective"][-1], rel=1e-12)
    assert "chosen_fit" not in auto.cv_results_  # an internal starting point, not a result


def test_cv_tolerances_are_set_per_model():
    assert SingleTaskLogistic.cv_tol == PooledLogistic.cv_tol == MeanRegularizedMTL.cv_tol == 1e-4
    from mtl_core import LowRankMTL

    assert LowRankMTL.cv_tol == cv_module.CV_TOL  # first-order models keep the tighter one


def test_gradient_descent_with_auto_strength_keeps_no_internal_start():
    ts = make_tasks(n_tasks=3, n_features=2, n_train=15, seed=4)
    model = SingleTaskLogistic(alpha="auto", solver="gd", n_epochs=20).fit(ts.X_train, ts.y_train)
    assert "chosen_fit" not in model.cv_results_
    assert model.history_["epoch"][0] == 0  # trained from its own start


@pytest.mark.parametrize("make", MODELS)
def test_small_problems_fit_whole_data_and_folds_in_one_batch(make, monkeypatch):
    """The one-batch path for small problems chooses and fits what the warm-started path does."""
    ts = make_tasks(n_tasks=3, n_features=3, n_train=14, relatedness=0.6, seed=21)
    batch = pack_problems([(ts.X_train, ts.y_train)])
    model = make()
    calls = []
    fit_batch = type(model).fit_batch

    def counting(self, *args, **kwargs):
        calls.append(kwargs.get("init") is not None)
        return fit_batch(self, *args, **kwargs)

    monkeypatch.setattr(type(model), "fit_batch", counting)
    joint, joint_res = select_strength_batch(model, batch, seed=5)
    assert calls == [False]  # one batch, from zero
    calls.clear()
    monkeypatch.setattr(cv_module, "OVERHEAD_BOUND_WORK", 0)
    warm, warm_res = select_strength_batch(model, batch, seed=5)
    assert calls == [False, True]  # whole-data fits, then folds started from them
    np.testing.assert_array_equal(joint, warm)
    np.testing.assert_allclose(joint_res["mean_accuracy"], warm_res["mean_accuracy"], atol=1e-12)
    for k in warm_res["chosen_fit"]:  # the same whole-data fits start the final fit
        np.testing.assert_array_equal(joint_res["chosen_fit"][k], warm_res["chosen_fit"][k])
