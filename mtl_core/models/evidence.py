r"""Empirical-Bayes choice of the sharing strength of mean-regularized MTL.

Mean-regularized MTL is the MAP estimate of a hierarchical model: every task's
weights are a shared vector plus a task offset, :math:`w_t = w_0 + v_t`, with
Gaussian priors on both. Written with ``c`` samples per task (see below), the
negative log joint density is :math:`c\,G` plus the intercepts' prior, with

.. math::

    G(w_0, V, b) = \sum_t \Big[L_t(w_0 + v_t, b_t) + \frac{\lambda}{2}\|v_t\|^2\Big]
                   + \frac{T\alpha}{2}\|w_0\|^2 = T\,F,

``F`` the model's objective, so :math:`v_t \sim N(0, (c\lambda)^{-1} I_d)` and
:math:`w_0 \sim N(0, (cT\alpha)^{-1} I_d)`: ``lam`` is the inverse variance of
how far the tasks stray from their mean. The *evidence* :math:`\log p(y \mid
\lambda)` integrates the weights out. A small ``lam`` (free offsets, STL) pays
for the volume of weight space its broad prior spreads over; a large ``lam``
(one shared vector, pooling) pays in fit when the tasks disagree. Its maximum
sits between the two where the data say so, without holding any sample out.

The integral has no closed form; this module computes the Jaakkola-Jordan
variational lower bound (Jaakkola & Jordan, 2000). Every logistic factor is
bounded below by a Gaussian-shaped one,

.. math::

    \log\sigma(x) \ge \log\sigma(\xi) + \frac{x - \xi}{2} - g(\xi)\,(x^2 - \xi^2),
    \qquad g(\xi) = \frac{\tanh(\xi/2)}{4\xi},

so with :math:`\phi_i` a sample's feature vector in the joint parameters
:math:`\theta = (w_0, v_t, b_t)`, sample weights :math:`\omega_i` (1 with
equal task sizes), prior precision :math:`P_0`,
:math:`P = P_0 + \sum_i 2\omega_i g(\xi_i)\phi_i\phi_i^\top`,
:math:`r = \sum_i \omega_i s_i \phi_i / 2` and :math:`\mu = P^{-1} r`,

.. math::

    \log p(y \mid \lambda) \ge \mathcal{L}(\xi) = \sum_i \omega_i\Big[\log\sigma(\xi_i) - \frac{\xi_i}{2}
        + g(\xi_i)\,\xi_i^2\Big] + \frac{1}{2}\mu^\top r + \frac{1}{2}\log\det P_0 - \frac{1}{2}\log\det P .

EM on :math:`\xi` (:math:`\xi_i^2 = (\phi_i^\top\mu)^2 + \phi_i^\top P^{-1}\phi_i`)
raises the bound at every step, and every iterate is a valid bound. Unlike a
Laplace approximation at the MAP, it does not collapse on small separable
tasks, where the MAP's curvature vanishes and a tiny ``lam`` looks cheap. The
bound is loosest for broad posteriors (small ``lam``: 0.5-1 nat on the tests'
small problems), which leans the choice towards sharing; `select_strength_batch`
therefore lets it settle cross-validation's ties only.

Details:

- ``c`` is the mean number of training samples per task: the objective weighs
  every task equally (each sample of task ``t`` by ``1/n_t``), so with unequal
  sizes the likelihood is tempered (weights :math:`\omega_i = c/n_t`) to keep
  the total weight at the number of samples.
- The intercepts, unpenalized in the objective, get a broad :math:`N(0, 10^2)`
  prior here, so that the evidence is finite; it hardly depends on ``lam``.
- :math:`P` is arrow-shaped: with the task blocks :math:`A_t` over
  :math:`(v_t, b_t)`, :math:`\log\det P = \sum_t \log\det A_t + \log\det S`
  with the Schur complement ``S`` on :math:`w_0` (as in
  `mtl_core.solvers.newton_mean_regularized`), so an EM step costs
  :math:`O(T d^3 + N d^2)` per grid value.
"""

from __future__ import annotations

import numpy as np

from ..batch import TaskBatch, weighted_xt
from ..loss import log1pexp
from ..solvers import hessian_builder

#: Prior standard deviation of the intercepts (logit scale): broad, so the intercepts are all but free.
INTERCEPT_PRIOR_STD = 10.0
#: Stop the bound's EM when an iteration raises it by less than this (nats), or after MAX_EM_ITER.
EM_TOL = 1e-6
MAX_EM_ITER = 30


def _jj_curvature(xi: np.ndarray) -> np.ndarray:
    """Jaakkola-Jordan curvature ``tanh(xi/2) / (4 xi)`` (``1/8`` at 0)."""
    xi = np.maximum(np.abs(xi), 1e-8)
    return np.tanh(0.5 * xi) / (4.0 * xi)


def mean_regularized_log_evidence(batch: TaskBatch, lam: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    r"""Variational lower bound on the log-evidence of mean-regularized MTL, for a batch of problems.

    Parameters
    ----------
    batch : TaskBatch with B problems
        Training data; ``sw`` holds ``1/n_t`` on every training sample (0 elsewhere).
    lam, alpha : ndarray of shape (B,)
        Sharing strength (``lam > 0``; ``lam = 0``, an improper prior, gets ``-inf``) and
        the ridge on the shared vector.

    Returns
    -------
    ndarray of shape (B,)
        The bound :math:`\mathcal{L}` of the module docstring after EM on :math:`\xi`
        (until it gains less than ``EM_TOL``, at most ``MAX_EM_ITER`` steps: every step is a
        valid lower bound), comparable across ``lam`` for the same data.
    """
    X, s, sw = batch.X, batch.s, batch.sw
    B, T, N = sw.shape
    d = X.shape[-1]
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (B,))
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (B,))
    proper = (lam > 0) & (alpha > 0)
    lam_p, alpha_p = np.where(proper, lam, 1.0), np.where(proper, alpha, 1.0)
    c = np.sum(sw > 0, axis=(-1, -2)) / T  # mean training samples per task, (B,)
    omega = c[:, None, None] * sw  # likelihood weight of every sample (1 with equal task sizes)
    prec_v, prec_0, prec_b = c * lam_p, c * T * alpha_p, 1.0 / INTERCEPT_PRIOR_STD**2
    # Prior precision on the diagonal of each task block (v_t, b_t) and log|P0|.
    block_diag = np.concatenate([np.broadcast_to(prec_v[:, None], (B, d)), np.full((B, 1), prec_b)], axis=-1)
    logdet_prior = d * np.log(prec_0) + T * d * np.log(prec_v) + T * np.log(prec_b)
    half_signed = 0.5 * omega * s  # r = sum_i omega_i s_i phi_i / 2
    r_w = weighted_xt(half_signed, X)  # (B, T, d)
    r_t = np.concatenate([r_w, half_signed.sum(-1)[..., None]], axis=-1)  # (B, T, d+1)
    r_0 = r_w.sum(1)  # (B, d)
    hessian = hessian_builder(X, (B, T, N))
    ones = np.ones(X.shape[:-1] + (1,))
    Xa = np.concatenate([X, ones], axis=-1)  # (B or 1, T, N, d+1)
    i = np.arange(d + 1)
    j = np.arange(d)

    xi = np.ones((B, T, N))
    bound = np.full(B, -np.inf)
    for _ in range(MAX_EM_ITER):
        g = _jj_curvature(xi)
        Ht = hessian(2.0 * omega * g)  # (B, T, d+1, d+1)
        A = Ht.copy()
        A[..., i, i] += block_diag[:, None, :]
        C = Ht[..., :d, :d].sum(1)
        C[..., j, j] += prec_0[:, None]
        A_inv = np.linalg.inv(A)
        K = A_inv @ Ht[..., :, :d]  # A_t^{-1} B_t, (B, T, d+1, d)
        # Sums over tasks and rows as one matmul per problem (einsum is several times slower here).
        Bt_flat = Ht[..., :, :d].reshape(B, T * (d + 1), d)
        S = C - np.swapaxes(Bt_flat, -1, -2) @ K.reshape(B, T * (d + 1), d)
        S_inv = np.linalg.inv(S)
        K_r = (r_t.reshape(B, 1, T * (d + 1)) @ K.reshape(B, T * (d + 1), d))[:, 0]
        mu_0 = (S_inv @ (r_0 - K_r)[..., None])[..., 0]
        mu_t = (A_inv @ r_t[..., None])[..., 0] - (K @ mu_0[:, None, :, None])[..., 0]
        # Posterior mean and variance of every sample's score.
        mean = (Xa @ mu_t[..., None])[..., 0] + (X @ mu_0[:, None, :, None])[..., 0]
        var_task = np.sum((Xa @ A_inv) * Xa, axis=-1)
        q = X - Xa @ K  # x - K_t' xa, (B, T, N, d)
        var_shared = np.sum((q @ S_inv[:, None]) * q, axis=-1)
        xi_new = np.sqrt(np.maximum(mean * mean + var_task + var_shared, 1e-16))
        _, logdet_a = np.linalg.slogdet(A)
        _, logdet_s = np.linalg.slogdet(S)
        new = (
            np.sum(omega * (-log1pexp(-xi) - 0.5 * xi + g * xi * xi), axis=(-1, -2))
            + 0.5 * (np.sum(mu_0 * r_0, -1) + np.sum(mu_t * r_t, axis=(-1, -2)))
            + 0.5 * (logdet_prior - logdet_a.sum(-1) - logdet_s)
        )
        done = np.all(np.abs(new - bound) <= EM_TOL)
        bound, xi = new, xi_new
        if done:
            break
    return np.where(proper, bound, -np.inf)
