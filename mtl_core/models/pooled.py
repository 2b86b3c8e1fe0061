r"""Pooled logistic regression: one model for all tasks, task identity ignored.

.. math:: \min_{w, b}\; \frac{1}{T}\sum_t L_t(w, b) + \frac{\alpha}{2}\|w\|^2

The "share everything" end of the spectrum whose other end is STL. Each task
weighs the same whatever its size (scikit-learn's ``LogisticRegression`` on the
concatenated data with sample weights ``1/(T n_t)`` and ``C = 1/alpha``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..batch import TaskBatch
from ..solvers import NEWTON_CV_TOL, NEWTON_TOL, newton_logistic
from ._base import MTLEstimator, linear_data_term


class PooledLogistic(MTLEstimator):
    r"""One logistic regression fitted on all tasks together.

    Objective:

    .. math:: F = \frac{1}{T}\sum_t L_t(w, b) + \frac{\alpha}{2}\|w\|^2

    Parameters
    ----------
    alpha : float >= 0 or "auto", default=0.01
        Ridge strength; "auto" picks it by stratified k-fold cross-validation.
    solver, learning_rate, n_epochs, n_snapshots, cv, scoring, max_iter, random_state
        As in `SingleTaskLogistic`. In gradient-descent training the shared
        parameters move along the average of the task gradients.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
        The shared weights, repeated for every task.
    intercept_ : ndarray of shape (n_tasks,)
    alpha_, cv_results_, n_iter_, converged_, history_
        As in `SingleTaskLogistic`.
    """

    _strength = "alpha"
    _task_blocks = ()

    def __init__(
        self,
        alpha: float | str = 0.01,
        *,
        solver: str = "auto",
        learning_rate: float = 0.5,
        n_epochs: int = 100,
        n_snapshots: int = 100,
        cv: int = 5,
        scoring: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
        max_iter: int = 100,
        random_state: int = 0,
    ):
        self.alpha = alpha
        self.solver = solver
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.n_snapshots = n_snapshots
        self.cv = cv
        self.scoring = scoring
        self.max_iter = max_iter
        self.random_state = random_state

    @property
    def name(self) -> str:
        return "Pooled"

    def _init_params(self, batch: TaskBatch, hp: dict) -> dict:
        return {"w": np.zeros((batch.n_batch, batch.n_features)), "b": np.zeros(batch.n_batch)}

    def _broadcast(self, params, T):
        w, b = params["w"], params["b"]
        return (np.broadcast_to(w[..., None, :], w.shape[:-1] + (T, w.shape[-1])),
                np.broadcast_to(b[..., None], b.shape + (T,)))

    def _smooth(self, params, batch, hp, need_grad=True):
        T = batch.n_tasks
        W, b = self._broadcast(params, T)
        a = hp["alpha"]
        L, gW, gb = linear_data_term(W, b, batch, need_grad)
        w = params["w"]
        f = L.mean(-1) + 0.5 * a * np.sum(w * w, axis=-1)
        if not need_grad:
            return f, None
        return f, {"w": gW.mean(-2) + a[:, None] * w, "b": gb.mean(-1)}

    def _decision(self, params, X):
        return (X @ params["w"][..., None, :, None])[..., 0] + params["b"][..., None, None]

    def _linear(self, params, batch):
        return self._broadcast(params, batch.n_tasks)

    _cv_warm_start = True
    _cv_tol = NEWTON_CV_TOL

    def _solve(self, batch, hp, callback=None, tol=None, init=None):
        def run(sub, sub_hp, start, max_iter, cb_params):
            X, s, sw = sub.X, sub.s, sub.sw
            T, N, d = X.shape[-3], X.shape[-2], X.shape[-1]
            Xf = X.reshape(X.shape[:-3] + (T * N, d))
            sf = s.reshape(s.shape[:-2] + (T * N,))
            swf = sw.reshape(sw.shape[:-2] + (T * N,)) / T
            cb = None if cb_params is None else (lambda w, b: cb_params({"w": w, "b": b}))
            w, b, n_iter, conv = newton_logistic(
                Xf, sf, swf, sub_hp["alpha"], w_init=start["w"], b_init=start["b"],
                tol=NEWTON_TOL if tol is None else tol, max_iter=max_iter, callback=cb,
            )
            return {"w": w, "b": b}, n_iter, conv

        return self._in_rounds(batch, hp, init, run, self._newton_round, callback)
