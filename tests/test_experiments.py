"""Experiments: compare, sweep (paired intervals, batching), learning curve, lambda path, and the story in numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone

from mtl_core import MeanRegularizedMTL, PooledLogistic, SingleTaskLogistic, make_tasks
from mtl_core.experiments import (
    compare,
    evaluate_tasksets,
    lambda_path,
    learning_curve,
    repeat_seed,
    run_grid,
    summary_columns,
    sweep,
)


def test_compare_table_matches_direct_fits():
    ts = make_tasks(n_tasks=3, n_features=3, n_train=15, n_test=200, relatedness=0.7, seed=4)
    models = [SingleTaskLogistic(alpha=0.05), MeanRegularizedMTL(lam=0.3)]
    res = compare(ts, models)
    assert set(res.table.model) == {"STL", "MTL (mean-regularized)"}
    assert len(res.table) == 2 * 3
    for label, model in zip(["STL", "MTL (mean-regularized)"], models):
        direct = clone(model).fit(ts.X_train, ts.y_train)
        rows = res.table[res.table.model == label].sort_values("task")
        np.testing.assert_allclose(rows.test_accuracy, direct.task_scores(ts.X_test, ts.y_test))
        np.testing.assert_allclose(rows.train_loss, direct.task_scores(ts.X_train, ts.y_train, "log_loss"), rtol=1e-9)
    stl = res.table[res.table.model == "STL"].set_index("task").test_accuracy
    mtl = res.table[res.table.model == "MTL (mean-regularized)"].set_index("task")
    np.testing.assert_allclose(mtl.gap_vs_stl, mtl.test_accuracy - stl)
    assert res.mean_gap["MTL (mean-regularized)"] == pytest.approx(float(np.mean(mtl.test_accuracy - stl)))
    # the caller's estimators are left unfitted
    assert not hasattr(models[0], "coef_")


def test_compare_adds_stl_reference_and_dedupes_names():
    ts = make_tasks(n_tasks=2, n_features=2, n_train=12, n_test=50, seed=1)
    res = compare(ts, [MeanRegularizedMTL(lam=0.1), MeanRegularizedMTL(lam=10.0)])
    labels = list(dict.fromkeys(res.table.model))
    assert labels[0] == "STL" and res.reference == "STL"
    assert len(set(labels)) == 3
    assert all(np.isfinite(res.table.test_accuracy))


def test_sweep_rows_and_paired_interval():
    models = [SingleTaskLogistic(), PooledLogistic(), MeanRegularizedMTL(lam=1.0)]
    res = sweep(relatedness=[0.0, 1.0], n_train=[5, 12], models=models, repeats=4, seed=3, n_tasks=3, n_features=2, n_test=100)
    # one row per cell, repeat, model, task
    assert len(res.table) == 2 * 2 * 4 * 3 * 3
    assert len(res.summary) == 2 * 2 * 3
    # recompute one cell's paired interval by hand from the tidy table
    cell = res.table[(res.table.relatedness == 1.0) & (res.table.n_train == 12)]
    per_rep = cell.groupby(["model", "repeat"]).test_accuracy.mean().unstack("repeat")
    gaps = (per_rep.loc["Pooled"] - per_rep.loc["STL"]).to_numpy()
    half = stats.t.ppf(0.975, len(gaps) - 1) * gaps.std(ddof=1) / np.sqrt(len(gaps))
    row = res.summary[(res.summary.relatedness == 1.0) & (res.summary.n_train == 12) & (res.summary.model == "Pooled")].iloc[0]
    assert row.gap_mean == pytest.approx(gaps.mean())
    assert row.gap_low == pytest.approx(gaps.mean() - half)
    assert row.gap_high == pytest.approx(gaps.mean() + half)


def test_sweep_cell_equals_single_fits_on_the_same_tasks():
    """Batched sweep results are those of ordinary one-problem fits on the tasks of each repeat."""
    res = sweep(relatedness=[0.5], n_train=[8], models=[SingleTaskLogistic(alpha=0.1), MeanRegularizedMTL(lam=0.5)],
                repeats=3, seed=11, n_tasks=3, n_features=2, n_test=80)
    for r in range(3):
        ts = make_tasks(n_tasks=3, n_features=2, n_train=8, n_test=80, relatedness=0.5, seed=repeat_seed(11, r))
        for label, model in [("STL", SingleTaskLogistic(alpha=0.1)), ("MTL (mean-regularized)", MeanRegularizedMTL(lam=0.5))]:
            acc = model.fit(ts.X_train, ts.y_train).task_scores(ts.X_test, ts.y_test)
            got = res.table[(res.table.repeat == r) & (res.table.model == label)].sort_values("task").test_accuracy
            np.testing.assert_allclose(got, acc)


def test_sweep_progress_and_chunking(monkeypatch):
    import mtl_core.experiments as ex

    calls = []
    monkeypatch.setattr(ex, "CHUNK_BYTES", 2000)  # force many small chunks
    small = sweep(relatedness=[0.2, 0.9], n_train=[6], models=[SingleTaskLogistic()], repeats=3, seed=0,
                  n_tasks=2, n_test=60, progress=lambda d, t: calls.append((d, t)))
    monkeypatch.setattr(ex, "CHUNK_BYTES", 32 * 2**20)
    big = sweep(relatedness=[0.2, 0.9], n_train=[6], models=[SingleTaskLogistic()], repeats=3, seed=0, n_tasks=2, n_test=60)
    pd.testing.assert_frame_equal(small.table, big.table)
    assert calls[-1][0] == calls[-1][1] and len(calls) > 1
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))


def test_learning_curve_and_lambda_path_shapes():
    lc = learning_curve(n_train=[5, 40], models=[SingleTaskLogistic(), MeanRegularizedMTL(lam=1.0)], repeats=3, n_tasks=3, n_test=100)
    assert set(lc.columns) >= {"n_train", "model", "mean_accuracy", "accuracy_low", "accuracy_high"}
    assert len(lc) == 4
    assert (lc.accuracy_low <= lc.mean_accuracy).all() and (lc.mean_accuracy <= lc.accuracy_high).all()
    lp = lambda_path(lams=[1e-3, 1.0, 1e3], repeats=3, n_tasks=3, n_train=10, n_test=100)
    assert list(lp.path.lam) == [1e-3, 1.0, 1e3]
    assert set(lp.references.model) == {"STL", "Pooled"}
    assert lp.cv_lam.shape == (3,) and np.all(np.isin(lp.cv_lam, [1e-3, 1.0, 1e3]))
    assert lp.bayes_accuracy == pytest.approx(0.9)


def test_lambda_path_ends_match_stl_and_shared_weights():
    """The STL end of the path equals STL's accuracy (same draws) when alpha and lam agree."""
    lp = lambda_path(lams=[1e-9], repeats=3, alpha=1e-9, n_tasks=3, n_train=30, n_test=200, seed=2)
    stl = lp.references.set_index("model").loc["STL", "mean_accuracy"]
    # lam ~ 0 and alpha ~ 0: both are (nearly) unregularized per-task fits
    assert lp.path.mean_accuracy.iloc[0] == pytest.approx(stl, abs=0.01)


def test_sweep_rejects_bad_arguments():
    with pytest.raises(ValueError, match="repeats"):
        sweep(relatedness=[0.5], n_train=[5], repeats=0)
    with pytest.raises(ValueError, match="relatedness"):
        sweep(relatedness=[1.5], n_train=[5], repeats=1, models=[SingleTaskLogistic()])
    with pytest.raises(ValueError, match="n_train"):
        sweep(relatedness=[0.5], n_train=[], repeats=1)


# ---------------------------------------------------------------- the story
def _gaps(relatedness: float, n_train: int, repeats: int, seed: int):
    models = [SingleTaskLogistic(alpha="auto"), PooledLogistic(alpha="auto"), MeanRegularizedMTL(lam="auto")]
    res = sweep(relatedness=[relatedness], n_train=[n_train], models=models, repeats=repeats, seed=seed,
                n_tasks=10, n_features=10, n_test=1000)
    return res.summary.set_index("model")


@pytest.mark.slow
def test_story_related_tasks_few_samples_mtl_wins():
    s = _gaps(0.9, 10, repeats=8, seed=21)
    gap = s.loc["MTL (mean-regularized)"]
    assert gap.gap_mean > 0.05, gap  # several accuracy points
    assert gap.gap_low > 0.0


@pytest.mark.slow
def test_story_unrelated_tasks_cv_protects_while_pooling_collapses():
    s = _gaps(0.0, 10, repeats=8, seed=22)
    assert abs(s.loc["MTL (mean-regularized)"].gap_mean) < 0.01, s
    assert s.loc["Pooled"].gap_mean < -0.03, s


@pytest.mark.slow
def test_story_plenty_of_data_gap_nearly_vanishes():
    s = _gaps(0.9, 500, repeats=3, seed=23)
    assert abs(s.loc["MTL (mean-regularized)"].gap_mean) < 0.01, s


def test_batched_scores_match_scikit_learn_on_imbalanced_tasks():
    """AUC and balanced accuracy of the batched experiments against scikit-learn's metrics on direct fits."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score

    tasksets = [make_tasks(n_tasks=3, n_features=3, n_train=30, n_test=120, class_balance=0.15, seed=s) for s in (1, 2)]
    models = [SingleTaskLogistic(alpha=0.1), MeanRegularizedMTL(lam=0.5)]
    scores, _ = evaluate_tasksets(tasksets, models)
    for i, model in enumerate(models):
        for k, ts in enumerate(tasksets):
            fitted = clone(model).fit(ts.X_train, ts.y_train)
            for t in range(ts.n_tasks):
                z = fitted.decision_function(ts.X_test[t], task=t)
                y = ts.y_test[t]
                assert 0 < y.mean() < 0.5  # imbalanced, both classes present
                assert scores["roc_auc"][i, k, t] == pytest.approx(roc_auc_score(y, z), abs=1e-9)
                assert scores["balanced_accuracy"][i, k, t] == pytest.approx(balanced_accuracy_score(y, z > 0), abs=1e-9)
                assert scores["accuracy"][i, k, t] == pytest.approx(accuracy_score(y, z > 0), abs=1e-9)


def test_run_grid_reports_every_metric_with_paired_gaps():
    res = run_grid([{"n_train": 12}], lambda seed, n_train: make_tasks(n_tasks=3, n_train=n_train, class_balance=0.2, seed=seed),
                   [SingleTaskLogistic(), MeanRegularizedMTL(lam=1.0)], repeats=3, seed=0)
    assert {"test_accuracy", "test_balanced_accuracy", "test_roc_auc"} <= set(res.table.columns)
    for metric in ("accuracy", "balanced_accuracy", "roc_auc"):
        col = summary_columns(metric)
        stl = res.summary[res.summary.model == "STL"].iloc[0]
        mtl = res.summary[res.summary.model != "STL"].iloc[0]
        assert stl[col["gap_mean"]] == 0.0 and 0.0 < stl[col["mean"]] <= 1.0
        per_rep = res.table.groupby(["model", "repeat"])[f"test_{metric}"].mean()
        gap = (per_rep["MTL (mean-regularized)"] - per_rep["STL"]).to_numpy()
        assert mtl[col["gap_mean"]] == pytest.approx(gap.mean())
        assert mtl[col["gap_low"]] < gap.mean() < mtl[col["gap_high"]]
    assert summary_columns("accuracy")["gap_mean"] == "gap_mean"  # the historical names stay


def test_run_grid_reports_only_the_metrics_asked_for():
    def factory(seed, n_train):
        return make_tasks(n_tasks=2, n_train=n_train, seed=seed)

    res = run_grid([{"n_train": 8}], factory, [SingleTaskLogistic()], repeats=2, metrics=("accuracy",))
    assert "test_accuracy" in res.table and "test_roc_auc" not in res.table and "mean_roc_auc" not in res.summary
    with pytest.raises(ValueError, match="metrics must name"):
        run_grid([{"n_train": 8}], factory, [SingleTaskLogistic()], repeats=2, metrics=("auc",))
