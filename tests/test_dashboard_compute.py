"""Fits, results table, captions, presets' lessons and the sweep helpers (no Streamlit)."""

import numpy as np
import pandas as pd
import pytest

from dashboard import compute, sweeps
from dashboard.presets import PRESETS, matching_preset, mean_table
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


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_shows_its_lesson(key):
    preset = PRESETS[key]
    data = compute.compare_scenario(preset.scenario, with_gd=False)
    assert all(o.ok for o in data.exact.values())
    assert preset.check(data.table), data.table.pivot(index="task", columns="model", values="test_accuracy")
    assert matching_preset(preset.scenario) is preset


#: Seeds other than the presets' own on which every lesson must hold on average.
OTHER_SEEDS = range(100, 110)


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_lesson_holds_on_average_over_other_seeds(key):
    preset = PRESETS[key]
    tables = [compute.compare_scenario(preset.scenario.replace(seed=s), with_gd=False).table for s in OTHER_SEEDS]
    mean = mean_table(tables)
    assert preset.check(mean), mean.pivot(index="task", columns="model", values="test_accuracy")


def test_preset_checks_can_fail():
    """Each check rejects the opposite lesson: a table where MTL equals STL everywhere."""
    table = compute.compare_scenario(PRESETS["few_related"].scenario, with_gd=False).table.copy()
    stl = table[table.model == "STL"].set_index("task")["test_accuracy"]
    flat = table.copy()
    flat["test_accuracy"] = [stl[t] if m != "Pooled" else a for m, t, a in zip(flat.model, flat.task, flat.test_accuracy)]
    for key in ("few_related", "negative_transfer", "outlier_task", "data_poor_task"):
        assert not PRESETS[key].check(flat), key


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


def test_sweep_spec_contains_the_scenario_and_threads_match_one_call():
    s = Scenario(relatedness=0.65, n_train=12)
    spec = sweeps.sweep_spec(s, repeats=2)
    assert 0.65 in spec.relatedness and 12 in spec.n_train
    small = sweeps.SweepSpec((0.0, 1.0), (5, 10), 2, 0, 1.0, spec.data)
    summary = sweeps.run_sweep(small, progress=lambda d, t: None)
    from mtl_core import experiments

    one = experiments.sweep(relatedness=[0.0, 1.0], n_train=[5, 10], models=sweeps.sweep_models(small), repeats=2,
                            seed=0, **small.data_kwargs).summary
    cols = ["relatedness", "n_train", "model"]
    a = summary.sort_values(cols).reset_index(drop=True)
    b = one.sort_values(cols).reset_index(drop=True)
    assert np.allclose(a["gap_mean"], b["gap_mean"]) and np.allclose(a["mean_accuracy"], b["mean_accuracy"])
    curve = sweeps.learning_curve(summary, 0.9)
    assert set(curve["relatedness"]) == {1.0}
    assert sweeps.sweep_notice(summary, s)
    assert 0 < sweeps.estimate_seconds(sweeps.sweep_spec(Scenario())) < 8


def test_task_metrics_equal_the_engines_score_and_log_loss():
    from dashboard.compute import fit_exact, make_taskset, task_metrics

    scenario = Scenario(n_tasks=5, n_features=3, n_train=30, poor_task_n=6)  # tasks of different sizes
    ts = make_taskset(scenario.task_spec())
    model = fit_exact(ts, "mtl", scenario.mtl_key()).model
    got = task_metrics(model, ts)
    np.testing.assert_array_equal(got["train_accuracy"], model.score(ts.X_train, ts.y_train))
    np.testing.assert_array_equal(got["test_accuracy"], model.score(ts.X_test, ts.y_test))
    np.testing.assert_allclose(got["train_loss"], model.log_loss(ts.X_train, ts.y_train), rtol=1e-12)
    np.testing.assert_allclose(got["test_loss"], model.log_loss(ts.X_test, ts.y_test), rtol=1e-12)
    assert len(set(got["train_accuracy"].round(6))) > 1  # per task, not one number repeated


# ----------------------------------------------------------------------------- honest words (issue 12)


def _summary(rows: list[tuple]) -> pd.DataFrame:
    """Sweep summary rows ``(model, relatedness, n_train, gap_mean, gap_low, gap_high)`` (accuracy fractions)."""
    return pd.DataFrame(rows, columns=["model", "relatedness", "n_train", "gap_mean", "gap_low", "gap_high"])


def test_gap_verdict_needs_the_whole_interval_on_one_side():
    assert sweeps.gap_verdict(0.01, 0.03) == sweeps.BETTER
    assert sweeps.gap_verdict(-0.03, -0.01) == sweeps.WORSE
    assert sweeps.gap_verdict(-0.05, 0.01) == sweeps.UNCLEAR
    assert sweeps.gap_verdict(-0.05, 0.0) == sweeps.UNCLEAR  # touching 0 is not excluding it
    assert sweeps.gap_verdict(float("nan"), float("nan")) == sweeps.UNCLEAR  # one draw: no interval


def test_sweep_notice_says_negative_transfer_only_where_the_interval_excludes_0():
    mtl = sweeps.MTL_LABEL
    noisy = _summary([
        (mtl, 0.0, 5, -0.04, -0.09, 0.01), (mtl, 1.0, 5, 0.03, -0.01, 0.07),
        (mtl, 0.0, 80, 0.0, -0.01, 0.01), (mtl, 1.0, 80, 0.002, -0.005, 0.009),
        ("Pooled", 0.0, 5, -0.03, -0.08, 0.02), ("Pooled", 0.0, 80, -0.02, -0.05, 0.01),
        ("Pooled", 1.0, 5, 0.05, 0.01, 0.09), ("Pooled", 1.0, 80, 0.0, -0.01, 0.01),
    ])
    text = " ".join(sweeps.sweep_notice(noisy, Scenario()))
    assert "negative transfer" not in text.lower()
    assert text.count("no clear difference") >= 3  # MTL's best, MTL's worst, pooling
    assert "−4.0 points" in text and "95% CI −9.0 to +1.0" in text
    clear = noisy.copy()
    clear.loc[0, ["gap_low", "gap_high"]] = (-0.06, -0.02)  # MTL at relatedness 0, 5 samples: clearly worse
    clear.loc[1, ["gap_low", "gap_high"]] = (0.01, 0.05)  # MTL at relatedness 1, 5 samples: clearly better
    clear.loc[[4, 5], "gap_high"] = (-0.01, -0.005)  # pooling unrelated tasks: clearly worse at both sizes
    notes = sweeps.sweep_notice(clear, Scenario())
    assert any(n.startswith("Negative transfer in 1 of 4 cells") and "5 samples per task at relatedness 0.00" in n
               for n in notes)
    assert any("clearly better than STL (95% interval above 0) in 1 of 4 cells" in n for n in notes)
    assert any("Pooling unrelated tasks" in n and "negative transfer in its purest form" in n for n in notes)
    partly = clear.copy()
    partly.loc[5, "gap_high"] = 0.01  # pooled at 80 samples: the interval contains 0 again
    pooled_note = sweeps.sweep_notice(partly, Scenario())[-1]
    assert "negative transfer (95% interval below 0) with 5 samples per task" in pooled_note
    assert "no clear difference at the other sizes" in pooled_note


def test_lambda_path_caption_explains_a_right_end_off_the_pooled_line():
    from mtl_core.experiments import LambdaPath

    def lp(end: float, pooled: float) -> LambdaPath:
        path = pd.DataFrame({"lam": [1e3, 1e-4], "mean_accuracy": [end, 0.8], "accuracy_low": [end - 0.02, 0.78],
                             "accuracy_high": [end + 0.02, 0.82]})  # unsorted on purpose: the right end is the largest λ
        refs = pd.DataFrame({"model": ["STL", "Pooled"], "mean_accuracy": [0.8, pooled], "accuracy_low": [0.78, pooled],
                             "accuracy_high": [0.82, pooled]})
        return LambdaPath(path, refs, np.array([0.1]), (0.8, 0.78, 0.82), 0.9)

    assert sweeps.lambda_path_ends(lp(0.75, 0.77)) == pytest.approx((75.0, 77.0))
    above = sweeps.lambda_path_caption(lp(0.78, 0.70))
    below = sweeps.lambda_path_caption(lp(0.75, 0.77))
    same = sweeps.lambda_path_caption(lp(0.771, 0.77))
    for text in (above, below, same):
        assert "not the pooled model" in text and "one intercept per task" in text
    assert "beats pooling (70.0%)" in above and "class balance" in above and "own thresholds" not in below
    assert "below pooling (77.0%)" in below and "few samples" in below
    assert "Here both reach about the same accuracy" in same and "beats" not in same and "below" not in same


def test_a_zero_delta_is_neutral():
    from dashboard import views

    for tiny in (0.0, 0.04, -0.04, -0.0):
        assert views.delta_vs_stl(tiny) == ("±0.0 points vs STL", "off", "off"), tiny
    assert views.delta_vs_stl(0.26) == ("+0.3 points vs STL", "normal", "auto")
    assert views.delta_vs_stl(-1.24) == ("-1.2 points vs STL", "normal", "auto")
    m = views.Metric("MTL", "80.0%", *views.delta_vs_stl(0.01))
    assert m._asdict() == dict(label="MTL", value="80.0%", delta="±0.0 points vs STL", delta_color="off", delta_arrow="off")
