"""The batched metrics agree with scikit-learn's, row by row, with padding and ties."""

import numpy as np
import pytest
from sklearn import metrics as skm

from mtl_core.metrics import METRICS, accuracy, balanced_accuracy, check_scoring, log_loss, per_task_scores, roc_auc


def _rows(seed: int, n_rows: int = 30, n: int = 25):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n_rows, n))
    z[::3] = np.round(z[::3])  # rows with many ties
    s = np.where(rng.random((n_rows, n)) < rng.uniform(0.05, 0.6, (n_rows, 1)), 1.0, -1.0)
    w = (rng.random((n_rows, n)) < 0.8).astype(float)  # padding
    return z, s, w


def _kept(z, s, w, i):
    keep = w[i] > 0
    return (s[i][keep] > 0).astype(int), z[i][keep]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_sklearn_on_padded_rows(seed):
    z, s, w = _rows(seed)
    auc, bal, acc, ll = roc_auc(z, s, w), balanced_accuracy(z, s, w), accuracy(z, s, w), log_loss(z, s, w)
    checked = 0
    for i in range(z.shape[0]):
        y, zi = _kept(z, s, w, i)
        assert acc[i] == pytest.approx(skm.accuracy_score(y, zi > 0))
        assert ll[i] == pytest.approx(skm.log_loss(y, 1 / (1 + np.exp(-zi)), labels=[0, 1]), rel=1e-9)
        if 0 < y.sum() < len(y):
            assert auc[i] == pytest.approx(skm.roc_auc_score(y, zi), abs=1e-12)
            assert bal[i] == pytest.approx(skm.balanced_accuracy_score(y, zi > 0), abs=1e-12)
            checked += 1
        else:
            assert np.isnan(auc[i]) and np.isnan(bal[i])
    assert checked > 20


def test_leading_axes_are_kept_and_weights_repeat_samples():
    z, s, w = _rows(5, n_rows=12)
    for f in METRICS.values():
        out = f(z.reshape(3, 4, -1), s.reshape(3, 4, -1), w.reshape(3, 4, -1))
        assert out.shape == (3, 4)
        np.testing.assert_allclose(out.ravel(), f(z, s, w))
    # a weight of 2 is the sample written twice
    z1, s1 = np.array([0.3, -1.0, 2.0, 0.3]), np.array([1.0, -1.0, -1.0, -1.0])
    w1 = np.array([2.0, 1.0, 1.0, 1.0])
    z2, s2 = np.array([0.3, 0.3, -1.0, 2.0, 0.3]), np.array([1.0, 1.0, -1.0, -1.0, -1.0])
    for f in METRICS.values():
        assert f(z1, s1, w1) == pytest.approx(f(z2, s2))


def test_majority_rule_is_chance_for_the_imbalance_aware_metrics():
    s = np.array([1.0] * 3 + [-1.0] * 97)
    z = -np.ones(100)  # always "no mine"
    assert accuracy(z, s) == pytest.approx(0.97)
    assert balanced_accuracy(z, s) == pytest.approx(0.5)
    assert roc_auc(z, s) == pytest.approx(0.5)


def test_per_task_scores_of_ragged_tasks_match_sklearn_by_name_and_by_callable():
    rng = np.random.default_rng(4)
    ys = [rng.integers(0, 2, size=n) for n in (5, 12, 8)]
    ys[0][:2] = [0, 1]  # both classes in every task
    zs = [rng.normal(size=len(y)) + y for y in ys]
    refs = {
        "accuracy": lambda y, z: skm.accuracy_score(y, z > 0),
        "balanced_accuracy": lambda y, z: skm.balanced_accuracy_score(y, z > 0),
        "roc_auc": skm.roc_auc_score,
        "log_loss": lambda y, z: skm.log_loss(y, 1 / (1 + np.exp(-z)), labels=[0, 1]),
    }
    for name, ref in refs.items():
        expected = [ref(y, z) for y, z in zip(ys, zs)]
        np.testing.assert_allclose(per_task_scores(name, zs, ys), expected, rtol=1e-12)
        np.testing.assert_allclose(per_task_scores(ref, zs, ys), expected, rtol=1e-12)
    assert check_scoring("log_loss") == ("log_loss", False) and check_scoring(skm.roc_auc_score) == ("roc_auc_score", True)
    with pytest.raises(ValueError, match="scoring must be one of 'accuracy'"):
        check_scoring("f1")


def test_task_mean_skips_undefined_tasks():
    from mtl_core.metrics import task_mean

    values = np.array([[0.5, np.nan, 1.0], [np.nan, np.nan, np.nan]])
    out = task_mean(values)
    assert out[0] == pytest.approx(0.75) and np.isnan(out[1])
