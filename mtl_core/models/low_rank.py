r"""Low-rank MTL: the task weight matrix is pulled towards low rank by the trace norm.

With :math:`W = [w_1, \dots, w_T]`,

.. math:: \min_{W, b}\; \frac{1}{T}\sum_t L_t(w_t, b_t) + \lambda \|W\|_* + \frac{\alpha}{2}\|W\|_F^2,

where :math:`\|W\|_*` is the sum of singular values (Pong et al., 2010; MALSAR's
``Least_Trace``/``Logistic_Trace``). Tasks then share a few directions in
feature space; with a large ``lam`` all weight vectors become parallel (rank 1)
or vanish. Solved by FISTA; the proximal step soft-thresholds the singular values.
"""

from __future__ import annotations

import numpy as np

from ..batch import TaskBatch
from ..solvers import fista
from ._base import MTLEstimator, linear_data_term


class _ProximalLinearMTL(MTLEstimator):
    """Linear MTL with a nonsmooth coupling penalty on W, solved by FISTA."""

    _strength = "lam"
    _task_blocks = ("W", "b")

    def __init__(
        self,
        lam: float | str = "auto",
        alpha: float = 0.01,
        *,
        lam_grid=None,
        solver: str = "auto",
        learning_rate: float = 0.5,
        n_epochs: int = 100,
        n_snapshots: int = 100,
        cv: int = 5,
        max_iter: int = 20000,
        tol: float = 1e-9,
        random_state: int = 0,
    ):
        self.lam = lam
        self.alpha = alpha
        self.lam_grid = lam_grid
        self.solver = solver
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.n_snapshots = n_snapshots
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _hyper_names(self):
        return ("lam", "alpha")

    def _default_grid(self):
        return np.asarray(self.lam_grid, dtype=float) if self.lam_grid is not None else np.logspace(-5, 0, 11)

    def _init_params(self, batch: TaskBatch, hp: dict) -> dict:
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        return {"W": np.zeros((B, T, d)), "b": np.zeros((B, T))}

    def _smooth(self, params, batch, hp, need_grad=True):
        W, b = params["W"], params["b"]
        T = W.shape[1]
        a = hp["alpha"]
        L, gW, gb = linear_data_term(W, b, batch, need_grad)
        f = L.mean(-1) + 0.5 * a * np.sum(W * W, axis=(-1, -2))
        if not need_grad:
            return f, None
        return f, {"W": gW / T + a[:, None, None] * W, "b": gb / T}

    def _decision(self, params, X):
        return (X @ params["W"][..., None])[..., 0] + params["b"][..., None]

    def _linear(self, params, batch):
        return params["W"], params["b"]

    def _lipschitz_bound(self, batch: TaskBatch, hp: dict) -> np.ndarray:
        # trace of the per-task curvature bound 0.25 * sum_i sw_i (|x_i|^2 + 1) >= its top eigenvalue
        per_task = 0.25 * np.sum(batch.sw * (np.sum(batch.X**2, axis=-1) + 1.0), axis=-1)
        return per_task.max(axis=-1) / batch.n_tasks + hp["alpha"]

    _cv_warm_start = True

    def _solve(self, batch, hp, callback=None, tol=None, init=None):
        def run(sub, sub_hp, start, max_iter, cb):
            return fista(
                start,
                lambda p, g: self._smooth(p, sub, sub_hp, g),
                lambda p, step: self._prox(p, step, sub_hp),
                lambda p: self._penalty(p, sub_hp),
                tol=self.tol if tol is None else tol,
                max_iter=max_iter,
                lipschitz0=self._lipschitz_bound(sub, sub_hp),
                callback=cb,
            )

        # Rounds of 200 iterations (momentum restarts each round).
        return self._in_rounds(batch, hp, init, run, 200, callback)


class LowRankMTL(_ProximalLinearMTL):
    r"""Trace-norm regularized MTL: tasks share a low-dimensional set of directions.

    Objective:

    .. math:: F = \frac{1}{T}\sum_t L_t(w_t, b_t) + \lambda\|W\|_* + \frac{\alpha}{2}\|W\|_F^2

    Parameters
    ----------
    lam : float >= 0 or "auto", default="auto"
        Trace-norm strength (the CV grid runs from 1e-5 to 1).
    alpha : float >= 0, default=0.01
        Ridge on all task weights.
    lam_grid, solver, learning_rate, n_epochs, n_snapshots, cv, random_state
        As in `MeanRegularizedMTL`. With ``solver="gd"`` training is proximal
        gradient descent with a fixed learning rate.
    max_iter : int, default=20000
        FISTA iterations.
    tol : float, default=1e-9
        Stop when the proximal fixed-point residual is below ``tol``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    singular_values_ : ndarray of shape (min(n_tasks, n_features),)
        Singular values of the weight matrix (the structure this model shapes).
    lam_, cv_results_, n_iter_, converged_, history_
        As in `MeanRegularizedMTL`.
    """

    @property
    def name(self) -> str:
        return "MTL (low-rank)"

    def _penalty(self, params, hp):
        return hp["lam"] * np.sum(np.linalg.svd(params["W"], compute_uv=False), axis=-1)

    def _prox(self, params, step, hp):
        U, S, Vt = np.linalg.svd(params["W"], full_matrices=False)
        S = np.maximum(S - (step * hp["lam"])[:, None], 0.0)
        return {"W": (U * S[..., None, :]) @ Vt, "b": params["b"]}

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        self.singular_values_ = np.linalg.svd(self.coef_, compute_uv=False)
