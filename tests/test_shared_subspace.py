"""`SharedSubspaceMTL`'s restarts (``n_init``): the global optimum on problems with several minima.

With ``k = 1`` and two features the subspace is a direction ``P = (cos t, sin t)``
and, for a fixed ``t``, the rest of the problem is convex (one ridge logistic
regression per task on the projected feature). Scanning ``t`` over a fine grid
gives the global optimum independently of the model's alternating minimisation.

The problems: ``make_tasks(n_tasks=3, n_features=2, n_train=8, relatedness=0,
n_unrelated=3, label_noise=0.1, seed=s)``, ``alpha=1e-3``. Seeds 1049, 1106, 1159
and 1163 have two or three local minima along the circle, and the single start
of the model before ``n_init`` (the top singular direction of the single-task
weights, still the first start) stops 13%, 22%, 6% and 8% above the global
optimum. Seed 1026 is the case of issue 15 (on this data its single start already
finds the optimum).
"""

import numpy as np
import pytest
from sklearn.base import clone

from mtl_core import SharedSubspaceMTL, make_tasks
from mtl_core.batch import pack_problems, pack_tasks
from mtl_core.solvers import newton_logistic

ALPHA = 1e-3
MISSED_BY_ONE_START = [1049, 1106, 1159, 1163]


def _problem(seed):
    ts = make_tasks(n_tasks=3, n_features=2, n_train=8, relatedness=0, n_unrelated=3, label_noise=0.1, seed=seed)
    return ts.X_train, ts.y_train


def _scan_optimum(Xs, ys, alpha, n_grid=2000):
    """min over directions t of min_{a, b} (1/T) sum_t [mean log-loss + alpha/2 a_t^2] (two features, k = 1)."""
    T = len(Xs)
    t = np.linspace(0.0, np.pi, n_grid, endpoint=False)
    dirs = np.stack([np.cos(t), np.sin(t)])  # (2, G)
    total = np.zeros(n_grid)
    for X, y in zip(Xs, ys):
        z = (X @ dirs).T[..., None]  # (G, n, 1): the projected feature for every direction
        s = 2.0 * y - 1.0
        sw = np.full(len(y), 1.0 / len(y))
        # Per task: min_{a,b} mean log-loss + (T alpha)/2 a^2 (the objective times T separates by task).
        a, b, _, conv = newton_logistic(z, s, sw, T * alpha)
        assert conv.all()
        score = z[..., 0] * a + b[:, None]
        total += np.mean(np.logaddexp(0.0, -s * score), axis=-1) + 0.5 * T * alpha * a[:, 0] ** 2
    f = total / T
    n_minima = int(np.sum((f < np.roll(f, 1)) & (f < np.roll(f, -1))))
    return f.min(), n_minima


@pytest.mark.parametrize("seed", [1026] + MISSED_BY_ONE_START)
def test_reaches_the_scanned_global_optimum(seed):
    Xs, ys = _problem(seed)
    f_star, n_minima = _scan_optimum(Xs, ys, ALPHA)
    assert n_minima >= 2  # a problem where a local method can stop at the wrong minimum
    m = SharedSubspaceMTL(k=1, alpha=ALPHA).fit(Xs, ys)
    assert m.converged_
    assert m.objective(Xs, ys) == pytest.approx(f_star, rel=1e-4)


@pytest.mark.parametrize("seed", MISSED_BY_ONE_START)
def test_one_start_stops_at_a_poor_local_minimum(seed):
    """The failure restarts fix: the single start (the model before n_init) converges above the optimum."""
    Xs, ys = _problem(seed)
    f_star, _ = _scan_optimum(Xs, ys, ALPHA)
    m = SharedSubspaceMTL(k=1, alpha=ALPHA, n_init=1).fit(Xs, ys)
    assert m.converged_
    assert m.objective(Xs, ys) > 1.05 * f_star


def test_kept_fit_is_the_best_start_and_its_history():
    Xs, ys = _problem(1049)
    one = SharedSubspaceMTL(k=1, alpha=ALPHA, n_init=1).fit(Xs, ys)
    m = SharedSubspaceMTL(k=1, alpha=ALPHA, n_init=6).fit(Xs, ys)
    assert m.objective(Xs, ys) < one.objective(Xs, ys)
    np.testing.assert_allclose(m.P_.T @ m.P_, np.eye(1), atol=1e-12)
    np.testing.assert_allclose(m.coef_, m.task_coords_ @ m.P_.T, atol=1e-12)
    # The history follows the kept start: monotone after the common starting point, ending at the fit.
    obj = m.history_["objective"]
    assert len(obj) == m.n_iter_ + 1
    assert np.all(np.diff(obj[1:]) <= 1e-12 * np.abs(obj[2:]))
    assert obj[-1] == pytest.approx(m.objective(Xs, ys), rel=1e-12)


def test_same_random_state_same_fit():
    Xs, ys = _problem(1163)
    fits = [SharedSubspaceMTL(k=1, alpha=ALPHA, n_init=5, random_state=rs).fit(Xs, ys) for rs in (7, 7, 8)]
    for name in ("P_", "task_coords_", "intercept_"):
        np.testing.assert_array_equal(getattr(fits[0], name), getattr(fits[1], name))
    # another seed draws other random starts, and here finds the same optimum
    assert fits[2].objective(Xs, ys) == pytest.approx(fits[0].objective(Xs, ys), rel=1e-8)


def test_batched_restarts_do_not_depend_on_the_batch():
    """Every problem of a batch gets the same starts: its fit is the one it gets alone."""
    problems = [_problem(s) for s in (1049, 1106)]
    m = SharedSubspaceMTL(k=1, alpha=ALPHA, n_init=4)
    together, n_iter, conv = m.fit_batch(pack_problems(problems), m.batch_hyperparams(2, ALPHA))
    assert conv.all()
    for i, (Xs, ys) in enumerate(problems):
        alone, n_alone, _ = m.fit_batch(pack_tasks(Xs, ys), m.batch_hyperparams(1, ALPHA))
        assert n_iter[i] == n_alone[0]
        for name in ("P", "A", "b"):
            np.testing.assert_allclose(together[name][i], alone[name][0], atol=1e-12)


def test_auto_strength_with_restarts():
    Xs, ys = _problem(1106)
    grid = [1e-3, 1e-2, 1e-1]
    m = SharedSubspaceMTL(k=1, alpha="auto", alpha_grid=grid, cv=3, n_init=3).fit(Xs, ys)
    assert m.alpha_ in grid
    assert m.cv_results_ is not None and len(m.cv_results_["mean_accuracy"]) == len(grid)
    f_star, _ = _scan_optimum(Xs, ys, m.alpha_)
    assert m.objective(Xs, ys) == pytest.approx(f_star, rel=1e-4)


def test_gradient_descent_ignores_n_init():
    Xs, ys = _problem(1049)
    fits = [SharedSubspaceMTL(k=1, alpha=ALPHA, solver="gd", n_epochs=20, n_init=n).fit(Xs, ys) for n in (1, 5)]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)


def test_n_init_is_a_documented_parameter():
    m = SharedSubspaceMTL()
    assert m.get_params()["n_init"] == 4
    assert "n_init" in SharedSubspaceMTL.__doc__
    assert clone(m).set_params(n_init=2).n_init == 2


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True, None])
@pytest.mark.parametrize("alpha", [ALPHA, "auto"])
def test_bad_n_init(bad, alpha):
    Xs, ys = _problem(1049)
    model = SharedSubspaceMTL(k=1, alpha=alpha, n_init=bad)
    with pytest.raises(ValueError, match=r"n_init must be a positive integer.*got " + repr(bad).replace(".", r"\.")):
        model.fit(Xs, ys)
    assert not hasattr(model, "coef_")
