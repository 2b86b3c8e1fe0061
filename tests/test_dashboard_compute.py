"""The Compare page's fits (`dashboard.compute`): results table, notes, fallbacks and errors as messages (no Streamlit).

The presets' lessons are tested in test_presets.py, the sweep helpers in test_sweeps.py, the views in test_views.py."""

import numpy as np
import pandas as pd
import pytest

from dashboard import compute
from dashboard.scenario import Scenario

TABLE_COLUMNS = ["model", "task", "task_name", "related", "n_train", "train_accuracy", "test_accuracy",
                 "train_loss", "test_loss", "bayes_accuracy", "gap_vs_stl"]


@pytest.fixture(scope="module")
def default_data():
    return compute.compare_scenario(Scenario())


def test_compare_scenario_fits_every_role(default_data):
    d = default_data
    assert all(d.exact[r].ok for r in compute.ROLES) and all(d.gd[r].ok for r in compute.ROLES)
    assert list(d.table.columns[: len(TABLE_COLUMNS)]) == TABLE_COLUMNS
    assert set(d.table["model"]) == {"STL", "Pooled", "MTL (mean-regularized)"}
    stl = d.table[d.table.model == "STL"]
    assert np.allclose(stl["gap_vs_stl"], 0)
    assert len(d.gd["mtl"].model.history_["epoch"]) <= compute.MAX_SNAPSHOTS + 1


def test_same_scenario_same_numbers(default_data):
    again = compute.compare_scenario(Scenario(), with_gd=False)
    pd.testing.assert_frame_equal(default_data.table, again.table)


def test_notice_speaks_in_points(default_data):
    sentences = compute.notice(default_data)
    assert sentences and "points" in sentences[0]
    assert any("Bayes" in s or "No classifier" in s for s in sentences)


def test_cross_validation_impossible_falls_back_with_a_note():
    from mtl_core import make_tasks

    ts = make_tasks(n_tasks=3, n_train=2, seed=0)  # one sample of each class per task: no CV possible
    out = compute.fit_exact(ts, "stl", None)
    assert out.ok and out.fallback and any("was fixed at" in n for n in out.notes), out
    # Mean-regularized MTL still has the evidence, which holds nothing out.
    out = compute.fit_exact(ts, "mtl", ("mean_regularized", None))
    assert out.ok and not out.fallback and any("chosen by the evidence alone" in n for n in out.notes), out
    assert out.model.lam_ in out.model.evidence_results_["grid"]


def test_every_mtl_model_fits_with_auto_or_falls_back():
    from mtl_core.models.registry import MTL_MODELS

    ts = compute.make_taskset(Scenario(n_tasks=3).task_spec())
    for key in MTL_MODELS:
        if key == "shared_hidden":
            continue  # cross-validating the network takes ~30 s; its fixed-strength fits run elsewhere
        out = compute.fit_exact(ts, "mtl", Scenario(n_tasks=3, model=key).mtl_key())
        assert out.ok, out.error


def test_gd_divergence_is_a_message_not_an_exception():
    ts = compute.make_taskset(Scenario().task_spec())
    out = compute.fit_gd(ts, "stl", None, 0.01, learning_rate=1e308, n_epochs=20)
    assert not out.ok and "learning rate" in out.error
    assert compute.fit_gd(ts, "stl", None, 0.01, learning_rate=5.0, n_epochs=20).ok


def test_engine_value_errors_become_messages():
    ts = compute.make_taskset(Scenario(n_tasks=2, n_features=2).task_spec())
    out = compute.fit_exact(ts, "mtl", ("shared_subspace", 0.01, ("k", 5)))
    assert not out.ok and "k must be" in out.error


def test_cosine_helpers():
    W = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    C = compute.cosine_matrix(W)
    assert C[0, 0] == 1 and C[0, 1] == 0 and C[2, 2] == 0
    assert np.allclose(compute.cosine_to_truth(W[:2], np.array([[2.0, 0.0], [0.0, -1.0]])), [1, -1])


def test_task_metrics_equal_the_engines_score_and_log_loss():
    from dashboard.compute import fit_exact, make_taskset, task_metrics

    scenario = Scenario(n_tasks=5, n_features=3, n_train=30, poor_task_n=6)  # tasks of different sizes
    ts = make_taskset(scenario.task_spec())
    model = fit_exact(ts, "mtl", scenario.mtl_key()).model
    got = task_metrics(model, ts)
    np.testing.assert_array_equal(got["train_accuracy"], model.task_scores(ts.X_train, ts.y_train))
    np.testing.assert_array_equal(got["test_accuracy"], model.task_scores(ts.X_test, ts.y_test))
    np.testing.assert_allclose(got["train_loss"], model.task_scores(ts.X_train, ts.y_train, "log_loss"), rtol=1e-12)
    np.testing.assert_allclose(got["test_loss"], model.task_scores(ts.X_test, ts.y_test, "log_loss"), rtol=1e-12)
    assert len(set(got["train_accuracy"].round(6))) > 1  # per task, not one number repeated
