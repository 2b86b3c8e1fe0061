r"""A shared hidden layer with one logistic head per task (hard parameter sharing).

Task ``t`` scores :math:`z_t(x) = u_t \cdot \phi(V^\top x + c) + b_t`, where the
hidden layer :math:`(V, c)` with ``n_hidden`` units and activation
:math:`\phi` is shared by all tasks (Caruana, 1997). Trained on the task losses
together:

.. math:: \min_{V, c, U, b}\; \frac{1}{T}\sum_t L_t + \frac{\alpha}{2}\big(\|V\|_F^2 + \|U\|_F^2\big)

where :math:`L_t = \frac{1}{n_t}\sum_i \log(1 + e^{-s_i z_t(x_i)})` is task
``t``'s log-loss averaged over its samples, as in every model (so each task
weighs the same whatever its size); the biases :math:`c, b` are unpenalized. Not
convex: the default solver is L-BFGS from a seeded random start, run on all
problems of a batch at once (their objectives are independent, so minimizing
the sum minimizes each).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.optimize import minimize

from ..batch import TaskBatch, weighted_xt
from ..loss import log1pexp, logistic_loss_terms
from ._base import MTLEstimator

_ACTIVATIONS = {
    "tanh": (np.tanh, lambda a, h: 1.0 - h * h),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(float)),
}


class SharedHiddenMTL(MTLEstimator):
    r"""Shared hidden layer, one logistic head per task.

    Objective:

    .. math:: F = \frac{1}{T}\sum_t L_t\big(u_t \cdot \phi(V^\top x + c) + b_t\big) + \frac{\alpha}{2}\big(\|V\|_F^2 + \|U\|_F^2\big)

    Parameters
    ----------
    n_hidden : int, default=8
        Hidden units (1..256).
    activation : {"tanh", "relu"}, default="tanh"
    alpha : float >= 0 or "auto", default=1e-3
        Weight decay on both layers.
    alpha_grid : sequence of float, optional
        Candidates for ``alpha="auto"``.
    solver : {"auto", "gd"}, default="auto"
        "auto": L-BFGS; "gd": full-batch gradient descent (heads move along
        their task's gradient, the shared layer along the average).
    learning_rate, n_epochs, n_snapshots, cv, scoring
        As in `SingleTaskLogistic`.
    max_iter : int, default=3000
        L-BFGS iterations.
    tol : float, default=1e-7
        L-BFGS stops when the largest gradient entry is below ``tol``.
    random_state : int, default=0
        Seed of the initial weights and of the CV folds.

    Attributes
    ----------
    hidden_weights_ : ndarray of shape (n_features, n_hidden)
        :math:`V`.
    hidden_intercept_ : ndarray of shape (n_hidden,)
        :math:`c`.
    head_coef_ : ndarray of shape (n_tasks, n_hidden)
        :math:`u_t`.
    intercept_ : ndarray of shape (n_tasks,)
    coef_ : ndarray of shape (n_tasks, n_features)
        A linear summary only: the average gradient of each task's score with
        respect to x over its training data (the model itself is nonlinear).
    alpha_, cv_results_, n_iter_, converged_, history_
        As in `SingleTaskLogistic`.
    """

    _strength = "alpha"
    _task_blocks = ("U", "b")

    def __init__(
        self,
        n_hidden: int = 8,
        activation: str = "tanh",
        alpha: float | str = 1e-3,
        *,
        alpha_grid=None,
        solver: str = "auto",
        learning_rate: float = 0.5,
        n_epochs: int = 100,
        n_snapshots: int = 100,
        cv: int = 5,
        scoring: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
        max_iter: int = 3000,
        tol: float = 1e-7,
        random_state: int = 0,
    ):
        self.n_hidden = n_hidden
        self.activation = activation
        self.alpha = alpha
        self.alpha_grid = alpha_grid
        self.solver = solver
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.n_snapshots = n_snapshots
        self.cv = cv
        self.scoring = scoring
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    @property
    def name(self) -> str:
        return "MTL (shared hidden layer)"

    def _check_hyper(self):
        super()._check_hyper()
        H = self.n_hidden
        if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or not 1 <= H <= 256:
            raise ValueError(f"n_hidden must be an integer between 1 and 256, got {H!r}.")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}.")

    def _default_grid(self):
        # Five values: every CV fit of this nonconvex model is an L-BFGS run.
        return np.asarray(self.alpha_grid, dtype=float) if self.alpha_grid is not None else np.logspace(-4, 0, 5)

    def _init_params(self, batch: TaskBatch, hp: dict) -> dict:
        B, T, d, H = batch.n_batch, batch.n_tasks, batch.n_features, int(self.n_hidden)
        rng = np.random.default_rng(self.random_state)
        # The same start for every problem of a batch (CV folds, grid values).
        V = rng.normal(scale=1.0 / np.sqrt(d), size=(d, H))
        U = rng.normal(scale=1.0 / np.sqrt(H), size=(T, H))
        return {
            "V": np.broadcast_to(V, (B, d, H)).copy(),
            "c": np.zeros((B, H)),
            "U": np.broadcast_to(U, (B, T, H)).copy(),
            "b": np.zeros((B, T)),
        }

    def _hidden(self, params, X):
        act, _ = _ACTIVATIONS[self.activation]
        pre = X @ params["V"][..., None, :, :] + params["c"][..., None, None, :]  # (B, T, N, H)
        return pre, act(pre)

    def _decision(self, params, X):
        _, h = self._hidden(params, X)
        return np.sum(h * params["U"][..., :, None, :], axis=-1) + params["b"][..., None]

    def _smooth(self, params, batch, hp, need_grad=True):
        pre, h = self._hidden(params, batch.X)
        U = params["U"]
        T = U.shape[-2]
        z = np.sum(h * U[..., :, None, :], axis=-1) + params["b"][..., None]
        a = hp["alpha"]
        reg = 0.5 * a * (np.sum(params["V"] ** 2, axis=(-1, -2)) + np.sum(U**2, axis=(-1, -2)))
        if not need_grad:
            return np.sum(batch.sw * log1pexp(-batch.s * z), axis=-1).mean(-1) + reg, None
        loss, dl, _ = logistic_loss_terms(z, batch.s, need_hessian=False)
        f = np.sum(batch.sw * loss, axis=-1).mean(-1) + reg
        r = batch.sw * dl / T  # (B, T, N)
        gU = weighted_xt(r, h) + a[:, None, None] * U
        gb = r.sum(-1)
        dpre = r[..., None] * U[..., :, None, :] * _ACTIVATIONS[self.activation][1](pre, h)  # (B, T, N, H)
        Xb = np.broadcast_to(batch.X, dpre.shape[:-1] + (batch.X.shape[-1],))
        gV = np.einsum("btnd,btnh->bdh", Xb, dpre) + a[:, None, None] * params["V"]
        gc = dpre.sum(axis=(1, 2))
        return f, {"V": gV, "c": gc, "U": gU, "b": gb}

    def _linear(self, params, batch):
        # Average input gradient of every task's score over its training samples.
        pre, h = self._hidden(params, batch.X)
        sw = batch.sw
        dact = _ACTIVATIONS[self.activation][1](pre, h)  # (S, T, N, H)
        avg = np.sum(sw[..., None] * dact, axis=-2)  # (S, T, H): mean of phi'(pre) per task
        W = np.einsum("sdh,sth->std", params["V"], avg * params["U"])
        return W, params["b"]

    def _solve(self, batch, hp, callback=None, tol=None):
        init = self._init_params(batch, hp)
        keys = list(init)
        shapes = {k: init[k].shape for k in keys}
        sizes = [init[k].size for k in keys]

        def unpack(x):
            out, i = {}, 0
            for k, n in zip(keys, sizes):
                out[k] = x[i : i + n].reshape(shapes[k])
                i += n
            return out

        def fun(x):
            f, g = self._smooth(unpack(x), batch, hp, True)
            return float(f.sum()), np.concatenate([g[k].ravel() for k in keys])

        x0 = np.concatenate([init[k].ravel() for k in keys])
        cb = None if callback is None else (lambda xk: callback(unpack(np.array(xk))))
        res = minimize(fun, x0, jac=True, method="L-BFGS-B", callback=cb,
                       options={"maxiter": int(self.max_iter), "maxfun": 2 * int(self.max_iter), "gtol": float(self.tol if tol is None else tol), "ftol": 1e-13})
        B = batch.n_batch
        return unpack(res.x), np.full(B, res.nit), np.full(B, bool(res.success))

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        self.hidden_weights_ = self.params_["V"]
        self.hidden_intercept_ = self.params_["c"]
        self.head_coef_ = self.params_["U"]
