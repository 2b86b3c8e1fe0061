"""Tests of the numerically stable logistic loss in `mtl_core.loss` and the models' per-task
data term `mean_log_loss`.

References are independent of the code under test: ``np.logaddexp`` for
``log(1 + e^x)``, central finite differences for the derivatives, the
closed-form ``expit(z) - y`` for the gradient, scikit-learn's ``log_loss`` for
the per-task data term and scikit-learn's own stable test values.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.metrics import log_loss

from mtl_core.loss import log1pexp, logistic_loss_terms
from mtl_core.models._base import mean_log_loss

RAISE = dict(over="raise", invalid="raise", divide="raise")


def _terms(y, raw):
    """(loss, grad, hess) of our loss for 0/1 labels ``y``: signed label s = 2y - 1."""
    s = 2.0 * np.asarray(y, dtype=float) - 1.0
    return logistic_loss_terms(np.asarray(raw, dtype=float), s)


# --------------------------------------------------------------------------- reference values


@pytest.mark.parametrize(
    "y, raw, loss, grad, hess",
    [
        # scikit-learn's test values for its half-binomial loss (sklearn/_loss/tests/test_loss.py),
        # loss = log1pexp(-s z), grad = expit(z) - y, hess = expit(z) expit(-z).
        (0, -1e20, 0.0, 0.0, 0.0),
        (1, -1e20, 1e20, -1.0, 0.0),
        (1, -37, 37.0, 1e-16 - 1.0, 8.533047625744065e-17),
        (0, 37.5, 37.5, 1.0, 5.175555005801868e-17),
    ],
)
def test_stable_reference_values(y, raw, loss, grad, hess):
    with np.errstate(**RAISE):
        l_, g_, h_ = _terms([y], [raw])
    # rtol 1e-15 still distinguishes 37 from 37 + 1e-16 * 37 ... and exp(-37) from 0.
    np.testing.assert_allclose(l_, [loss], rtol=1e-15, atol=0)
    np.testing.assert_allclose(g_, [grad], rtol=1e-15, atol=0)
    np.testing.assert_allclose(h_, [hess], rtol=1e-12, atol=0)


def test_log1pexp_matches_logaddexp_on_wide_range():
    x = np.concatenate([
        np.linspace(-800, 800, 20001),
        np.linspace(-40, 40, 8001),
        [-1e300, -1e20, -745.2, -37.0, -36.999, 18.0, 18.001, 33.3, 33.301, 1e20, 1e300],
    ])
    with np.errstate(**RAISE):
        ours = log1pexp(x)
    ref = np.logaddexp(0.0, x)
    # relative accuracy everywhere, including the tiny values below -37 (no flush to 0 before underflow)
    nz = ref > 0
    np.testing.assert_allclose(ours[nz], ref[nz], rtol=4e-16 * 4, atol=0)
    assert np.all(ours[~nz] == 0.0)
    assert np.all(np.isfinite(ours))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-700, max_value=700, allow_nan=False))
def test_log1pexp_symmetry(x):
    # log(1+e^x) - log(1+e^-x) = x exactly in real arithmetic.
    a, b = log1pexp(np.array([x, -x]))
    assert a - b == pytest.approx(x, rel=1e-12, abs=1e-12)
    assert a >= max(x, 0.0) and a >= 0.0


def test_gradient_is_expit_minus_label():
    z = np.linspace(-60, 60, 2401)
    for y in (0, 1):
        _, g, h = _terms(np.full_like(z, y), z)
        # expit(z) - y, written without cancellation: -expit(-z) for y = 1
        ref = expit(z) if y == 0 else -expit(-z)
        np.testing.assert_allclose(g, ref, rtol=1e-13, atol=0)
        # Hessian must not cancel: compare to exp(-|z|) / (1 + exp(-|z|))^2 computed directly
        e = np.exp(-np.abs(z))
        np.testing.assert_allclose(h, e / (1.0 + e) ** 2, rtol=1e-13, atol=0)


@pytest.mark.parametrize("y", [0, 1])
def test_derivatives_match_finite_differences(y):
    z = np.linspace(-30, 30, 601) + 0.0123
    eps = 1e-5
    loss, grad, hess = _terms(np.full_like(z, y), z)
    lp, gp, _ = _terms(np.full_like(z, y), z + eps)
    lm, gm, _ = _terms(np.full_like(z, y), z - eps)
    np.testing.assert_allclose(grad, (lp - lm) / (2 * eps), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(hess, (gp - gm) / (2 * eps), rtol=1e-6, atol=1e-10)
    # the loss itself against the naive formula where that is accurate
    s = 2 * y - 1
    np.testing.assert_allclose(loss, np.log1p(np.exp(-s * z)), rtol=1e-13)


def test_need_hessian_false():
    z = np.array([-3.0, 0.5, 4.0])
    s = np.array([1.0, -1.0, 1.0])
    loss, grad, hess = logistic_loss_terms(z, s, need_hessian=False)
    assert hess is None
    l2, g2, _ = logistic_loss_terms(z, s)
    np.testing.assert_array_equal(loss, l2)
    np.testing.assert_array_equal(grad, g2)


def test_loss_at_huge_scores_does_not_overflow():
    z = np.array([1e300, -1e300, 1e300, -1e300, 1e308, -1e308])
    s = np.array([1.0, 1.0, -1.0, -1.0, -1.0, 1.0])
    with np.errstate(**RAISE):
        loss, grad, hess = logistic_loss_terms(z, s)
        total = mean_log_loss(z, s, np.full(z.shape, 1e-8))
    np.testing.assert_array_equal(loss, [0.0, 1e300, 1e300, 0.0, 1e308, 1e308])
    np.testing.assert_array_equal(grad, [0.0, -1.0, 1.0, 0.0, 1.0, -1.0])
    np.testing.assert_array_equal(hess, np.zeros(6))
    assert np.isfinite(total) and total == pytest.approx(2e-8 * 1e300 + 2e-8 * 1e308, rel=1e-12)


def test_mean_log_loss_matches_sklearn_log_loss():
    rng = np.random.default_rng(0)
    T, N = 3, 40
    z = rng.normal(scale=3.0, size=(T, N))
    y = rng.integers(0, 2, size=(T, N))
    y[:, 0], y[:, 1] = 0, 1
    n = np.array([40, 25, 7])
    sw = np.zeros((T, N))
    for t in range(T):
        sw[t, : n[t]] = 1.0 / n[t]
    ours = mean_log_loss(z, 2.0 * y - 1.0, sw)
    ref = [log_loss(y[t, : n[t]], expit(z[t, : n[t]]), labels=[0, 1]) for t in range(T)]
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    # padding (weight 0) never contributes, even with absurd scores there
    z2 = z.copy()
    z2[2, n[2]:] = 1e300
    np.testing.assert_allclose(mean_log_loss(z2, 2.0 * y - 1.0, sw), ref, rtol=1e-12)
