"""The Sweep page's helpers (`dashboard.sweeps`): the spec, one call per thread, and honest words about intervals."""

import numpy as np
import pandas as pd
import pytest

from dashboard import sweeps
from dashboard.scenario import Scenario


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
