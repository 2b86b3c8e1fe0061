r"""Feature-based MTL: all tasks use the same ``k``-dimensional subspace of the features.

Each task's weights are :math:`w_t = P a_t` with :math:`P \in \mathbb{R}^{d\times k}`,
:math:`P^\top P = I`, and

.. math:: \min_{P, A, b}\; \frac{1}{T}\sum_t L_t(P a_t, b_t) + \frac{\alpha}{2}\|A\|_F^2

(:math:`\|A\|_F = \|W\|_F` because :math:`P` has orthonormal columns). The
problem is not convex; it is fitted by alternating minimisation, each half-step
solved exactly by Newton's method:

- *A-step* (:math:`P` fixed): one ridge logistic regression per task on the
  projected features :math:`P^\top x` — convex.
- *P-step* (:math:`A` fixed): with the QR factorization :math:`A = Q_A R_A`,
  the substitution :math:`U' = P R_A^\top` makes :math:`W = Q_A U'^\top` and
  :math:`\|W\|_F = \|U'\|_F`, so the step is a ridge logistic regression in
  :math:`U'` on features :math:`x \otimes q_t` (plus a common intercept shift) —
  convex. Afterwards :math:`U = U' R_A^{-\top}` is re-orthonormalized by QR,
  which changes neither :math:`W` nor the objective.

The objective never increases; it starts from the top-``k`` right singular
vectors of the single-task solution.
"""

from __future__ import annotations

import numpy as np

from ..batch import TaskBatch
from ..solvers import _tree_where, newton_logistic
from ._base import MTLEstimator, linear_data_term


class SharedSubspaceMTL(MTLEstimator):
    r"""Feature-based MTL: task weights confined to a shared ``k``-dimensional subspace.

    Objective (with :math:`P^\top P = I`):

    .. math:: F = \frac{1}{T}\sum_t L_t(P a_t, b_t) + \frac{\alpha}{2}\|A\|_F^2

    Parameters
    ----------
    k : int, default=1
        Dimension of the shared subspace, 1 <= k <= min(n_tasks, n_features).
    alpha : float >= 0 or "auto", default=0.01
        Ridge on the task coordinates (equivalently on the task weights).
    alpha_grid : sequence of float, optional
        Candidates for ``alpha="auto"``.
    solver : {"auto", "gd"}, default="auto"
        "auto": alternating minimisation (see the module docstring);
        "gd": gradient descent on (P, A, b) with P re-orthonormalized after each epoch.
    learning_rate, n_epochs, n_snapshots, cv, random_state
        As in `SingleTaskLogistic`.
    max_iter : int, default=100
        Alternating rounds.
    tol : float, default=1e-10
        Stop when a round lowers the objective by less than ``tol`` (relative).

    Attributes
    ----------
    P_ : ndarray of shape (n_features, k)
        Orthonormal basis of the shared subspace.
    task_coords_ : ndarray of shape (n_tasks, k)
        :math:`a_t`.
    coef_ : ndarray of shape (n_tasks, n_features)
        :math:`P a_t`.
    intercept_, alpha_, cv_results_, n_iter_, converged_, history_
        As in `SingleTaskLogistic`; ``converged_`` means a stationary point was reached.
    """

    _strength = "alpha"
    _task_blocks = ("A", "b")

    def __init__(
        self,
        k: int = 1,
        alpha: float | str = 0.01,
        *,
        alpha_grid=None,
        solver: str = "auto",
        learning_rate: float = 0.5,
        n_epochs: int = 100,
        n_snapshots: int = 100,
        cv: int = 5,
        max_iter: int = 100,
        tol: float = 1e-10,
        random_state: int = 0,
    ):
        self.k = k
        self.alpha = alpha
        self.alpha_grid = alpha_grid
        self.solver = solver
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.n_snapshots = n_snapshots
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    @property
    def name(self) -> str:
        return "MTL (shared subspace)"

    def _default_grid(self):
        return np.asarray(self.alpha_grid, dtype=float) if self.alpha_grid is not None else np.logspace(-4, 1, 11)

    def _check_k(self, T: int, d: int) -> int:
        k = self.k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= min(T, d):
            raise ValueError(f"k must be an integer between 1 and min(n_tasks, n_features) = {min(T, d)}, got {k!r}.")
        return int(k)

    def _init_params(self, batch: TaskBatch, hp: dict) -> dict:
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        k = self._check_k(T, d)
        P = np.broadcast_to(np.eye(d)[:, :k], (B, d, k)).copy()
        return {"P": P, "A": np.zeros((B, T, k)), "b": np.zeros((B, T))}

    @staticmethod
    def _weights(params):
        return params["A"] @ np.swapaxes(params["P"], -1, -2)  # (B, T, d)

    def _smooth(self, params, batch, hp, need_grad=True):
        W = self._weights(params)
        T = W.shape[1]
        a = hp["alpha"]
        L, gW, gb = linear_data_term(W, params["b"], batch, need_grad)
        # alpha/2 ||W||_F^2 equals alpha/2 ||A||_F^2 on the constraint set and keeps
        # the unconstrained gradient-descent iterates' objective well defined.
        f = L.mean(-1) + 0.5 * a * np.sum(W * W, axis=(-1, -2))
        if not need_grad:
            return f, None
        G = gW / T + a[:, None, None] * W  # dF/dW
        return f, {"P": np.swapaxes(G, -1, -2) @ params["A"], "A": G @ params["P"], "b": gb / T}

    def _retract(self, params):
        Q, R = np.linalg.qr(params["P"])
        return {"P": Q, "A": params["A"] @ np.swapaxes(R, -1, -2), "b": params["b"]}

    def _decision(self, params, X):
        W = self._weights(params)
        return (X @ W[..., None])[..., 0] + params["b"][..., None]

    def _linear(self, params, batch):
        return self._weights(params), params["b"]

    def _solve(self, batch, hp, callback=None, tol=None):
        X, s, sw = batch.X, batch.s, batch.sw
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        k = self._check_k(T, d)
        rtol = self.tol if tol is None else tol
        a_task = (T * hp["alpha"])[:, None]  # T*F separates into per-task ridge problems
        # Start from the single-task solution's dominant directions.
        W0, b, _, _ = newton_logistic(X, s, sw, a_task)
        _, _, Vt = np.linalg.svd(W0, full_matrices=True)
        P = np.swapaxes(Vt[:, :k, :], -1, -2)
        params = {"P": P, "A": np.zeros((B, T, k)), "b": b}
        f_old = np.full(B, np.inf)
        active = np.ones(B, dtype=bool)
        n_iter = np.zeros(B, dtype=int)
        for _ in range(self.max_iter):
            # A-step: per-task ridge logistic regression on projected features.
            A, b, _, _ = newton_logistic(X @ P[:, None], s, sw, a_task, w_init=params["A"], b_init=params["b"])
            # P-step in U' = P R_A^T (ridge logistic on x (x) q_t), then back to an orthonormal P.
            Q_A, R_A = np.linalg.qr(A)  # (B, T, k), (B, k, k)
            well_posed = np.abs(np.diagonal(R_A, axis1=-2, axis2=-1)).min(-1) > 1e-10 * (1 + np.abs(R_A).max((-1, -2)))
            feats = X[..., :, None] * Q_A[:, :, None, None, :]  # (B, T, N, d, k); X may have batch size 1
            feats = feats.reshape(B, -1, d * k)
            u0 = (P @ np.swapaxes(R_A, -1, -2)).reshape(B, d * k)
            u, shift, _, _ = newton_logistic(
                feats, np.broadcast_to(s, sw.shape).reshape(B, -1), sw.reshape(B, -1), T * hp["alpha"],
                w_init=u0, offset=b.reshape(B, T, 1).repeat(sw.shape[-1], -1).reshape(B, -1),
            )
            Uprime = u.reshape(B, d, k)
            R_safe = np.where(well_posed[:, None, None], R_A, np.eye(k))
            U = np.linalg.solve(R_safe, np.swapaxes(Uprime, -1, -2))  # R_A^{-1} U'^T = U^T
            U = np.swapaxes(U, -1, -2)
            p_step = self._retract({"P": U, "A": A, "b": b + shift[:, None]})
            # Where A is rank-deficient the P-step is undefined: keep P after the A-step.
            new = _tree_where(well_posed, p_step, {"P": P, "A": A, "b": b})
            params = _tree_where(active, new, params)
            P = params["P"]
            f = self.objective_batch(params, batch, hp)
            n_iter += active
            if callback is not None:
                callback(params)
            active &= ~(f_old - f <= rtol * np.maximum(np.abs(f), 1e-12))
            f_old = f
            if not active.any():
                break
        return params, n_iter, ~active

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        self.P_ = self.params_["P"]
        self.task_coords_ = self.params_["A"]
