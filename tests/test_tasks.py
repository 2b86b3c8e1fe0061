"""Tests of the synthetic task generator `mtl_core.tasks.make_tasks`."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from mtl_core.taskset import TaskSet
from mtl_core.tasks import make_tasks, relatedness_angle

ARRAY_LISTS = ("X_train", "y_train", "X_test", "y_test")
ARRAYS = ("true_coef", "true_intercept", "bayes_accuracy", "related")


def _pairwise_cosines(W: np.ndarray) -> np.ndarray:
    U = W / np.linalg.norm(W, axis=1, keepdims=True)
    G = U @ U.T
    return G[np.triu_indices(len(W), 1)]


def _assert_identical(a: TaskSet, b: TaskSet) -> None:
    for name in ARRAY_LISTS:
        for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
            assert x.dtype == y.dtype and np.array_equal(x, y), name
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.settings == b.settings and a.task_names == b.task_names


# ----------------------------------------------------------------------------- structure


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_tasks=st.integers(1, 6),
    n_features=st.integers(2, 6),
    data=st.data(),
    label_noise=st.sampled_from([0.0, 0.1, 0.45]) | st.floats(0.0, 0.45),
    class_balance=st.sampled_from([0.05, 0.5, 0.95]) | st.floats(0.05, 0.95),
    intercept_spread=st.sampled_from([0.0, 2.0]) | st.floats(0.0, 2.0),
    family=st.sampled_from(["linear", "nonlinear"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_shapes_dtypes_and_both_classes(
    n_tasks, n_features, data, label_noise, class_balance, intercept_spread, family, seed
):
    n_unrelated = data.draw(st.integers(0, n_tasks), label="n_unrelated")
    n_train = data.draw(
        st.integers(2, 8) | st.lists(st.integers(2, 8), min_size=n_tasks, max_size=n_tasks), label="n_train"
    )
    n_test = data.draw(st.integers(1, 5), label="n_test")
    ts = make_tasks(
        n_tasks,
        n_features,
        n_train,
        n_test,
        relatedness=data.draw(st.floats(0.0, 1.0), label="relatedness"),
        n_unrelated=n_unrelated,
        label_noise=label_noise,
        class_balance=class_balance,
        intercept_spread=intercept_spread,
        family=family,
        n_shared_features=4,
        seed=seed,
    )
    expected_n_train = [n_train] * n_tasks if isinstance(n_train, int) else n_train
    k = 4 if family == "nonlinear" else n_features

    assert isinstance(ts, TaskSet) and ts.n_tasks == n_tasks and ts.n_features == n_features
    assert ts.n_train == expected_n_train and ts.n_test == [n_test] * n_tasks
    for X, y, n in zip(ts.X_train + ts.X_test, ts.y_train + ts.y_test, expected_n_train + [n_test] * n_tasks):
        assert X.dtype == np.float64 and X.shape == (n, n_features)
        assert y.dtype == np.int64 and y.shape == (n,) and set(np.unique(y)) <= {0, 1}
    for y in ts.y_train:
        assert set(np.unique(y)) == {0, 1}
    if n_test >= 2:
        for y in ts.y_test:
            assert set(np.unique(y)) == {0, 1}

    assert ts.true_coef.shape == (n_tasks, k) and ts.true_coef.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(ts.true_coef, axis=1), 1.0, rtol=1e-12)
    assert ts.true_intercept.shape == (n_tasks,) and ts.true_intercept.dtype == np.float64
    assert np.all(np.isfinite(ts.true_intercept))
    np.testing.assert_array_equal(ts.bayes_accuracy, np.full(n_tasks, 1.0 - label_noise))
    assert ts.related.dtype == bool and ts.related.tolist() == [True] * (n_tasks - n_unrelated) + [False] * n_unrelated
    assert ts.true_score(ts.X_test[0], 0).shape == (n_test,)
    assert ts.settings["n_train"] == expected_n_train and ts.settings["family"] == family


def test_names_and_settings():
    ts = make_tasks(n_tasks=4, n_features=3, n_train=(5, 6, 7, 8), relatedness=0.5, n_unrelated=2, seed=3)
    assert ts.task_names == ["task 1", "task 2", "task 3 (unrelated)", "task 4 (unrelated)"]
    assert ts.feature_names == ["x1", "x2", "x3"]
    assert ts.settings == {
        "n_tasks": 4,
        "n_features": 3,
        "n_train": [5, 6, 7, 8],
        "n_test": 1000,
        "relatedness": 0.5,
        "n_unrelated": 2,
        "label_noise": 0.1,
        "class_balance": 0.5,
        "intercept_spread": 0.0,
        "family": "linear",
        "n_shared_features": 8,
        "n_clusters": 1,
        "seed": 3,
    }
    assert all(type(n) is int for n in ts.settings["n_train"])


def test_extreme_small_tasks_still_have_both_classes():
    ts = make_tasks(n_tasks=20, n_train=2, n_test=2, class_balance=0.05, label_noise=0.0, seed=0)
    for y in ts.y_train + ts.y_test:
        assert sorted(y.tolist()) == [0, 1]


# ----------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("family", ["linear", "nonlinear"])
def test_same_seed_is_bit_for_bit_identical(family):
    kwargs = dict(n_tasks=5, n_features=4, n_train=[3, 10, 2, 7, 5], n_test=50, relatedness=0.6,
                  n_unrelated=1, intercept_spread=1.0, family=family, seed=123)
    a, b = make_tasks(**kwargs), make_tasks(**kwargs)
    _assert_identical(a, b)
    X = np.random.default_rng(0).standard_normal((10, 4))
    assert np.array_equal(a.true_score(X, 2), b.true_score(X, 2))

    c = make_tasks(**{**kwargs, "seed": 124})
    assert not np.array_equal(a.true_coef, c.true_coef)
    assert not np.array_equal(a.X_train[0], c.X_train[0])


def test_global_random_state_is_untouched():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    make_tasks(family="nonlinear", seed=1)
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.seed(99)  # a different global state must not change the result
    _assert_identical(make_tasks(seed=5), make_tasks(seed=5))


def test_n_train_changes_neither_truth_nor_test_sets():
    a = make_tasks(n_train=10, seed=7)
    b = make_tasks(n_train=[50, 2, 3, 4], seed=7)
    assert np.array_equal(a.true_coef, b.true_coef) and np.array_equal(a.true_intercept, b.true_intercept)
    for x, y in zip(a.X_test, b.X_test):
        assert np.array_equal(x, y)


# ----------------------------------------------------------------------------- relatedness


def test_relatedness_angle_endpoints_and_equation():
    assert relatedness_angle(1.0) == 0.0
    assert relatedness_angle(0.0) == math.pi
    for rho in (1e-9, 0.05, 0.3, 0.7, 0.99, 1 - 1e-12):
        a = relatedness_angle(rho)
        assert 0.0 < a < math.pi
        assert (math.sin(a) / a) ** 2 == pytest.approx(rho, abs=1e-12)
    # below floating-point resolution of the bracket ends: snap to the ends, no error
    assert relatedness_angle(1e-80) == pytest.approx(math.pi, abs=1e-12)
    assert relatedness_angle(1 - 1e-17) == 0.0
    assert relatedness_angle(np.nextafter(1.0, 0.0)) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow  # statistical: 400 seeds per case, 12 cases, about 8 s together
@pytest.mark.parametrize("n_features", [2, 3, 10])
@pytest.mark.parametrize("relatedness", [0.0, 0.3, 0.7, 1.0])
def test_expected_cosine_equals_relatedness(n_features, relatedness):
    # Per seed: the mean cosine over the 28 pairs of 8 related tasks, and over the 96
    # (unrelated, related) pairs of 12 unrelated tasks.  Their standard deviations across
    # seeds are at most ~0.18 and ~0.22 (0.2 = sqrt(1/2 / 12) for relatedness 1 in 2-D),
    # so over 400 seeds the standard errors are < 0.0125 (checked below): the tolerance
    # 0.05 is at least 4 standard errors.
    n_seeds, n_related, n_unrelated = 400, 8, 12
    related_means, unrelated_means = [], []
    for seed in range(n_seeds):
        W = make_tasks(n_tasks=n_related + n_unrelated, n_features=n_features, n_train=2, n_test=1,
                       relatedness=relatedness, n_unrelated=n_unrelated, seed=seed).true_coef
        related_means.append(_pairwise_cosines(W[:n_related]).mean())
        unrelated_means.append((W[n_related:] @ W[:n_related].T).mean())
    related_means, unrelated_means = np.array(related_means), np.array(unrelated_means)

    assert abs(related_means.mean() - relatedness) < 0.05
    assert abs(unrelated_means.mean()) < 0.05
    # the justification above holds
    assert related_means.std() / math.sqrt(n_seeds) < 0.0125
    assert unrelated_means.std() / math.sqrt(n_seeds) < 0.0125


@pytest.mark.parametrize("family", ["linear", "nonlinear"])
def test_relatedness_one_gives_identical_weights(family):
    ts = make_tasks(n_tasks=6, n_features=5, relatedness=1.0, n_unrelated=2, family=family, seed=11)
    W = ts.true_coef
    for t in range(1, 4):
        assert np.array_equal(W[t], W[0])
    assert not np.array_equal(W[4], W[0])


# ----------------------------------------------------------------------------- labels


@pytest.mark.parametrize("family", ["linear", "nonlinear"])
@pytest.mark.parametrize("label_noise", [0.0, 0.1, 0.3])
def test_true_classifier_reaches_bayes_accuracy(family, label_noise):
    n_tasks, n_test = 4, 20_000
    ts = make_tasks(n_tasks=n_tasks, n_features=3, n_test=n_test, label_noise=label_noise,
                    intercept_spread=0.5, family=family, seed=2)
    accuracies = np.array([np.mean((ts.true_score(ts.X_test[t], t) > 0) == ts.y_test[t]) for t in range(n_tasks)])
    bayes = ts.bayes_accuracy
    # each correct/incorrect outcome is Bernoulli(bayes): binomial standard error per task
    se = np.sqrt(bayes * (1 - bayes) / n_test)
    assert np.all(np.abs(accuracies - bayes) <= 3 * se + 1e-12)


@pytest.mark.parametrize("family", ["linear", "nonlinear"])
@pytest.mark.parametrize("class_balance", [0.05, 0.3, 0.5, 0.9])
def test_class_balance(family, class_balance):
    n_test, label_noise = 20_000, 0.1
    ts = make_tasks(n_tasks=3, n_features=4, n_test=n_test, class_balance=class_balance,
                    label_noise=label_noise, family=family, seed=4)
    # noisy labels: P(y = 1) = p (1 - eps) + (1 - p) eps
    target = class_balance * (1 - label_noise) + (1 - class_balance) * label_noise
    se = math.sqrt(target * (1 - target) / n_test)
    # nonlinear: the intercept comes from a 20000-point reference quantile, whose own
    # error is about sqrt(p (1 - p) / 20000), so allow for both
    tolerance = 4 * se * (math.sqrt(2) if family == "nonlinear" else 1)
    for y in ts.y_test:
        assert abs(y.mean() - target) < tolerance


def test_intercept_spread_keeps_positive_rates_in_range():
    ts = make_tasks(n_tasks=20, class_balance=0.9, intercept_spread=2.0, label_noise=0.0, n_test=5000, seed=0)
    rates = ndtr(ts.true_intercept)
    assert np.all(rates >= 0.05 - 1e-12) and np.all(rates <= 0.95 + 1e-12)
    assert rates.std() > 0.05  # the spread really spreads
    assert np.any(np.isclose(rates, 0.95))  # and the clipping is active
    for y, rate in zip(ts.y_test, rates):
        assert abs(y.mean() - rate) < 4 * math.sqrt(rate * (1 - rate) / 5000)


def test_nonlinear_boundaries_are_not_linear():
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    n_tasks = 4
    ts = make_tasks(n_tasks=n_tasks, n_features=2, n_train=10_000, n_test=10_000, label_noise=0.0,
                    family="nonlinear", seed=0)
    linear_acc, true_acc = [], []
    for t in range(n_tasks):
        model = sklearn_linear.LogisticRegression(C=100.0, max_iter=1000).fit(ts.X_train[t], ts.y_train[t])
        linear_acc.append(model.score(ts.X_test[t], ts.y_test[t]))
        true_acc.append(np.mean((ts.true_score(ts.X_test[t], t) > 0) == ts.y_test[t]))
    np.testing.assert_array_equal(true_acc, ts.bayes_accuracy)  # = 1, no label noise
    assert np.mean(linear_acc) < np.mean(ts.bayes_accuracy) - 0.03
    assert max(linear_acc) < 1.0


def test_true_score_matches_documented_formula():
    lin = make_tasks(n_tasks=3, n_features=4, intercept_spread=1.0, seed=8)
    X = lin.X_test[1]
    np.testing.assert_allclose(lin.true_score(X, 1), X @ lin.true_coef[1] + lin.true_intercept[1])
    nl = make_tasks(n_tasks=3, n_features=4, family="nonlinear", n_shared_features=6, seed=8)
    assert nl.true_coef.shape == (3, 6)
    hidden = np.tanh(X @ nl.true_score.hidden_weights + nl.true_score.hidden_bias)
    np.testing.assert_allclose(nl.true_score(X, 1), hidden @ nl.true_coef[1] + nl.true_intercept[1])
    with pytest.raises(ValueError, match="task"):
        lin.true_score(X, 3)
    with pytest.raises(ValueError, match="shape"):
        lin.true_score(X[:, :2], 0)


# ----------------------------------------------------------------------------- pickling


@pytest.mark.parametrize("family", ["linear", "nonlinear"])
def test_pickle_round_trip(family):
    ts = make_tasks(n_unrelated=1, family=family, seed=9)
    clone = pickle.loads(pickle.dumps(ts))
    _assert_identical(ts, clone)
    X = ts.X_test[2]
    assert np.array_equal(clone.true_score(X, 2), ts.true_score(X, 2))


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_tasks": 0}, "n_tasks"),
        ({"n_tasks": 21}, "n_tasks"),
        ({"n_tasks": 2.0}, "n_tasks"),
        ({"n_tasks": True}, "n_tasks"),
        ({"n_features": 1}, "n_features"),
        ({"n_features": 51}, "n_features"),
        ({"n_features": np.float64(3)}, "n_features"),
        ({"n_train": 1}, "n_train"),
        ({"n_train": True}, "n_train"),
        ({"n_train": 5.0}, "n_train"),
        ({"n_train": "20"}, "n_train"),
        ({"n_train": [10, 10, 10]}, "n_train"),
        ({"n_train": [10, 10, 10, 1]}, "n_train"),
        ({"n_train": [10, 10, 10, 2.5]}, "n_train"),
        ({"n_train": [[10, 10], [10, 10]]}, "n_train"),
        ({"n_test": 0}, "n_test"),
        ({"n_test": None}, "n_test"),
        ({"relatedness": 1.5}, "relatedness"),
        ({"relatedness": -0.1}, "relatedness"),
        ({"relatedness": float("nan")}, "relatedness"),
        ({"relatedness": "0.5"}, "relatedness"),
        ({"n_unrelated": -1}, "n_unrelated"),
        ({"n_unrelated": 5}, "n_unrelated"),
        ({"n_unrelated": False}, "n_unrelated"),
        ({"label_noise": 0.5}, "label_noise"),
        ({"label_noise": float("nan")}, "label_noise"),
        ({"label_noise": float("inf")}, "label_noise"),
        ({"class_balance": 0.01}, "class_balance"),
        ({"class_balance": 0.96}, "class_balance"),
        ({"intercept_spread": -0.5}, "intercept_spread"),
        ({"intercept_spread": 2.5}, "intercept_spread"),
        ({"family": "quadratic"}, "family"),
        ({"family": None}, "family"),
        ({"n_shared_features": 1}, "n_shared_features"),
        ({"n_shared_features": 65}, "n_shared_features"),
        ({"n_clusters": 0}, "n_clusters"),
        ({"n_clusters": 5}, "n_clusters"),
        ({"n_clusters": 2.0}, "n_clusters"),
        ({"n_clusters": True}, "n_clusters"),
        ({"n_clusters": 4, "n_unrelated": 1}, "n_clusters"),
        ({"seed": -1}, "seed"),
        ({"seed": None}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_tasks(**kwargs)


def test_error_message_gives_range_and_value():
    with pytest.raises(ValueError, match=r"^relatedness must be in \[0, 1\], got 1\.5$"):
        make_tasks(relatedness=1.5)
    with pytest.raises(ValueError, match=r"n_unrelated must be an integer in \[0, n_tasks=3\], got 4"):
        make_tasks(n_tasks=3, n_unrelated=4)
    with pytest.raises(ValueError, match=r"n_train must .* per task \(n_tasks=4\), got 3 entries"):
        make_tasks(n_train=[5, 5, 5])


def test_numpy_integers_and_edge_values_are_accepted():
    ts = make_tasks(n_tasks=np.int64(20), n_features=np.int32(50), n_train=np.array([2] * 20), n_test=1,
                    relatedness=0, n_unrelated=20, label_noise=0.45, class_balance=0.95,
                    intercept_spread=2, seed=np.uint32(7))
    assert ts.n_tasks == 20 and not ts.related.any()
    assert ts.task_names[0] == "task 1 (unrelated)"
    assert type(ts.settings["seed"]) is int and type(ts.settings["relatedness"]) is float


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(relatedness=1.5), r"relatedness.*\[0, 1\].*1\.5"),
    (dict(relatedness=-0.1), r"relatedness.*\[0, 1\].*-0\.1"),
    (dict(relatedness=float("nan")), r"relatedness"),
    (dict(label_noise=0.5), r"label_noise.*0\.45.*0\.5"),
    (dict(label_noise=-0.01), r"label_noise.*-0\.01"),
    (dict(label_noise=float("nan")), r"label_noise"),
])
def test_make_tasks_out_of_range(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        make_tasks(**kwargs)


def test_make_tasks_boundaries_are_accepted():
    for kwargs in (dict(relatedness=0.0), dict(relatedness=1.0), dict(label_noise=0.0), dict(label_noise=0.45)):
        ts = make_tasks(n_tasks=2, n_train=10, n_test=10, **kwargs)
        assert len(ts.X_train) == 2


# ----------------------------------------------------------------------------- groups of tasks


def _draw_fingerprint(ts) -> str:
    import hashlib

    h = hashlib.sha256()
    for a in [ts.true_coef, ts.true_intercept, *ts.X_train, *ts.y_train, *ts.X_test, *ts.y_test]:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("kwargs, fingerprint", [
    # printed by the generator before n_clusters existed (commit 6a2ffdd): the presets' lessons rely on these draws
    ({}, "74a9ed2ea9e18fc0"),
    (dict(n_tasks=9, n_features=5, n_train=10, n_unrelated=2, relatedness=0.3, seed=7, intercept_spread=0.5),
     "2b0dbfc72b24af0b"),
    (dict(family="nonlinear", n_tasks=5, seed=3, n_unrelated=1), "0c65ece413215c5a"),
])
def test_one_group_draws_what_it_always_drew(kwargs, fingerprint):
    assert _draw_fingerprint(make_tasks(**kwargs)) == fingerprint
    assert _draw_fingerprint(make_tasks(**kwargs, n_clusters=1)) == fingerprint


def test_groups_are_contiguous_as_even_as_possible_and_unrelated_tasks_in_none():
    ts = make_tasks(n_tasks=9, n_features=3, n_train=5, n_test=2, n_unrelated=2, n_clusters=3, seed=0)
    assert ts.task_cluster.tolist() == [0, 0, 0, 1, 1, 2, 2, -1, -1]
    assert ts.task_cluster.dtype == np.int64
    assert ts.task_names[0] == "task 1 (group 1)" and ts.task_names[6] == "task 7 (group 3)"
    assert ts.task_names[8] == "task 9 (unrelated)"
    assert ts.settings["n_clusters"] == 3
    one = make_tasks(n_tasks=5, n_unrelated=2, seed=0)
    assert one.task_cluster.tolist() == [0, 0, 0, -1, -1]
    assert make_tasks(n_tasks=3, n_unrelated=3, seed=0).task_cluster.tolist() == [-1, -1, -1]


def test_clustered_draws_are_deterministic_and_keep_the_first_group():
    a = make_tasks(n_tasks=6, n_features=4, n_clusters=2, relatedness=1.0, seed=5)
    b = make_tasks(n_tasks=6, n_features=4, n_clusters=2, relatedness=1.0, seed=5)
    assert _draw_fingerprint(a) == _draw_fingerprint(b)
    # relatedness 1: every task of a group equals its group's direction; the first group's is
    # the one-group direction, the second is another unit vector
    one = make_tasks(n_tasks=6, n_features=4, relatedness=1.0, seed=5)
    np.testing.assert_allclose(a.true_coef[:3], one.true_coef[:3], atol=1e-15)
    np.testing.assert_allclose(a.true_coef[3:], np.repeat(a.true_coef[3:4], 3, axis=0), atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(a.true_coef, axis=1), 1.0)
    assert abs(a.true_coef[0] @ a.true_coef[3]) < 0.999


def test_expected_cosine_within_and_across_groups():
    # 300 seeds of 8 tasks in 2 groups of 4 (12 within-group pairs, 16 across) in 6-D. Per seed the
    # within mean has standard deviation <= ~0.15 and the across mean <= ~0.3 (the groups'
    # directions are one random pair), so standard errors are < 0.02: tolerance 0.06 is 3 of them.
    relatedness, within, across = 0.6, [], []
    for seed in range(300):
        ts = make_tasks(n_tasks=8, n_features=6, n_train=2, n_test=1, relatedness=relatedness, n_clusters=2, seed=seed)
        C = ts.true_coef @ ts.true_coef.T
        same = ts.task_cluster[:, None] == ts.task_cluster[None, :]
        off = ~np.eye(8, dtype=bool)
        within.append(C[same & off].mean())
        across.append(C[~same].mean())
    assert abs(np.mean(within) - relatedness) < 0.06
    assert abs(np.mean(across)) < 0.06
    assert np.std(within) / math.sqrt(300) < 0.02 and np.std(across) / math.sqrt(300) < 0.02


def test_n_clusters_error_names_the_grouped_tasks():
    with pytest.raises(ValueError, match=r"n_clusters must be an integer in \[1, n_tasks - n_unrelated=3\], got 4"):
        make_tasks(n_tasks=5, n_unrelated=2, n_clusters=4)
