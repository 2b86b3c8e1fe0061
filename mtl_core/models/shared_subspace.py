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

The objective never increases, but alternating minimisation stops at a local
minimum, which need not be the global one (on two features with ``k = 1`` the
objective as a function of the direction often has two minima). Like
scikit-learn's ``KMeans(n_init=...)``, the fit therefore runs from ``n_init``
starting subspaces and keeps the lowest objective: the first start is the
top-``k`` right singular vectors of the single-task solution, the second the
next ``k`` (where ``d >= 2k``: the far side of the first), the others random
orthonormal bases drawn from ``random_state`` (the same draws for every problem
of a batch, so a problem's fit does not depend on its batch). The starts run as
extra entries of one batch, so their alternating rounds share each Newton call,
to a loose tolerance (``SCREEN_TOL``); the start with the lowest objective (the
earliest of those within ``SAME_MINIMUM`` of it) then goes on alone to ``tol``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..batch import TaskBatch
from ..solvers import tree_where, newton_logistic
from ._base import MTLEstimator, linear_data_term

#: Tolerance (relative decrease of the objective per round) to which every start runs before the
#: best one of each problem goes on alone to ``tol``: local minima differ by far more.
SCREEN_TOL = 1e-5
#: Screened objectives closer than this (relative) are taken for the same minimum.
SAME_MINIMUM = 1e-4


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
    learning_rate, n_epochs, n_snapshots, cv, scoring
        As in `SingleTaskLogistic`.
    max_iter : int, default=100
        Alternating rounds.
    tol : float, default=1e-10
        Stop when a round lowers the objective by less than ``tol`` (relative).
    n_init : int >= 1, default=4
        Number of starting subspaces of the alternating minimisation (``solver="auto"``);
        the fit with the lowest objective is kept (see the module docstring). The
        first start is the top-``k`` singular subspace of the single-task weights, the
        second the next ``k`` singular directions, the others random orthonormal bases
        drawn from ``random_state`` (see the module docstring). The problem is not convex
        and one start can stop at a poor local minimum: on 203 small two-feature
        problems with several minima (``bench/bench_subspace_restarts.py``) one start
        reached the global optimum on 79% of them, 2 starts on 98%, 3 on 99.5% and 4 on
        all, at about 1.5x the fit time of one start. The fits inside cross-validation
        use the same starts. Ignored by ``solver="gd"`` and when ``k = min(n_tasks,
        n_features)`` (every weight matrix is then reachable from one start).
    random_state : int, default=0
        Seed of the random starts (and, as in `SingleTaskLogistic`, of the CV folds):
        the same seed gives the same fit.

    Attributes
    ----------
    P_ : ndarray of shape (n_features, k)
        Orthonormal basis of the shared subspace.
    task_coords_ : ndarray of shape (n_tasks, k)
        :math:`a_t`.
    coef_ : ndarray of shape (n_tasks, n_features)
        :math:`P a_t`.
    intercept_, alpha_, cv_results_, n_iter_, converged_, history_
        As in `SingleTaskLogistic`, for the kept start (``history_`` follows its rounds);
        ``converged_`` means a stationary point was reached.
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
        scoring: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
        max_iter: int = 100,
        tol: float = 1e-10,
        n_init: int = 4,
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
        self.scoring = scoring
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
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

    def _check_n_init(self) -> int:
        n = self.n_init
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n_init must be a positive integer (the number of starting subspaces), got {n!r}.")
        return int(n)

    def _check_hyper(self):
        super()._check_hyper()
        self._check_n_init()

    def _starts(self, d: int, k: int, n: int) -> np.ndarray:
        """``n`` random starting bases, shape (n, d, k): orthonormal, from ``random_state``."""
        rng = np.random.default_rng(self.random_state)
        G = rng.standard_normal((n, d, k))
        return np.linalg.qr(G)[0]

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
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        k = self._check_k(T, d)
        R = self._check_n_init()
        rtol = self.tol if tol is None else tol
        a_task = (T * hp["alpha"])[:, None]  # T*F separates into per-task ridge problems
        # First start: the single-task solution's dominant directions.
        W0, b0, _, _ = newton_logistic(batch.X, batch.s, batch.sw, a_task)
        _, _, Vt = np.linalg.svd(W0, full_matrices=True)
        V = np.swapaxes(Vt, -1, -2)  # (B, d, d), columns by decreasing singular value
        if R == 1 or k == min(T, d):
            # With k = min(T, d) every weight matrix is reachable: a single start suffices.
            start = {"P": V[..., :k].copy(), "A": np.zeros((B, T, k)), "b": b0}
            return self._alternate(batch, hp, start, rtol, self.max_iter, callback)
        # Second start: the next k singular directions (where d >= 2k), the opposite side of the
        # first; the others: random orthonormal bases, the same for every problem. All starts of
        # all problems run as one batch (problem-major: entry i*R + r is start r of problem i).
        starts = [V[:, None, :, :k]]
        if d >= 2 * k:
            starts.append(V[:, None, :, k: 2 * k])
        n_random = R - len(starts)
        if n_random > 0:
            starts.append(np.broadcast_to(self._starts(d, k, n_random), (B, n_random, d, k)))
        P_all = np.concatenate(starts, axis=1)[:, :R].reshape(B * R, d, k)
        rows = np.repeat(np.arange(B), R)
        big = batch.subset(rows)
        big_hp = {name: v[rows] for name, v in hp.items()}
        path = [] if callback is not None else None
        record = None if path is None else (lambda p: path.append({name: v.copy() for name, v in p.items()}))
        # Screening: every start to a loose tolerance (minima differ by far more than it), then
        # the best start of each problem alone to the full tolerance (the rounds' only state is
        # the current point, so it goes on exactly as one long run would).
        screen_tol = max(rtol, SCREEN_TOL)
        start = {"P": P_all, "A": np.zeros((B * R, T, k)), "b": b0[rows]}
        params, n_iter, converged = self._alternate(big, big_hp, start, screen_tol, self.max_iter, record)
        f = self.objective_batch(params, big, big_hp).reshape(B, R)
        # The earliest start within SAME_MINIMUM of the lowest: starts that reach the same minimum
        # stop at slightly different points of its basin, and the earlier ones (the single-task
        # directions) usually need fewer rounds.
        near = f <= f.min(axis=1, keepdims=True) + SAME_MINIMUM * np.abs(f.min(axis=1, keepdims=True))
        best = np.arange(B) * R + np.argmax(near, axis=1)
        if callback is not None:
            # Replay the kept starts' rounds (each stops moving once it has converged).
            for it in range(int(n_iter[best].max())):
                callback({name: v[best] for name, v in path[it].items()})
        params = {name: v[best] for name, v in params.items()}
        n_iter, converged = n_iter[best], converged[best]
        budget = self.max_iter - int(n_iter.min())
        if screen_tol > rtol and budget > 0:
            # Polish: problems whose screening hit max_iter get no further rounds.
            params, more, converged = self._alternate(batch, hp, params, rtol, budget, callback, n_iter, f[best // R, best % R])
            n_iter = n_iter + more
        return params, n_iter, converged

    def _alternate(self, batch, hp, params, rtol, max_iter, callback=None, used=None, f_start=None):
        """Alternating minimisation from ``params`` (objective ``f_start`` if known) for at most
        ``max_iter`` rounds per problem (``self.max_iter - used`` where ``used`` rounds were made).

        A problem stops once a round lowers its objective by less than ``rtol`` (relative);
        the rounds go on with the problems still running only.
        Returns the parameters, the rounds made and the convergence flags.
        """
        B = batch.n_batch
        params = {name: np.array(v, dtype=float) for name, v in params.items()}
        f_old = np.full(B, np.inf) if f_start is None else np.array(f_start, dtype=float)
        limit = np.full(B, max_iter) if used is None else np.maximum(self.max_iter - used, 0)
        active = limit > 0
        n_iter = np.zeros(B, dtype=int)
        converged = np.zeros(B, dtype=bool)
        while active.any():
            idx = np.flatnonzero(active)
            whole = idx.size == B
            sub = batch if whole else batch.subset(idx)
            sub_hp = hp if whole else {name: v[idx] for name, v in hp.items()}
            new = self._round(sub, sub_hp, params if whole else {name: v[idx] for name, v in params.items()})
            for name in params:
                params[name][idx] = new[name]
            f = self.objective_batch(new, sub, sub_hp)
            n_iter[idx] += 1
            if callback is not None:
                callback(params)
            done = f_old[idx] - f <= rtol * np.maximum(np.abs(f), 1e-12)
            f_old[idx] = f
            converged[idx] = done
            active[idx] = ~done & (n_iter[idx] < limit[idx])
        return params, n_iter, converged

    def _round(self, batch, hp, params):
        """One round of alternating minimisation: the A-step, then the P-step."""
        X, s, sw = batch.X, batch.s, batch.sw
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        P = params["P"]
        k = P.shape[-1]
        a_task = (T * hp["alpha"])[:, None]
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
        return tree_where(well_posed, p_step, {"P": P, "A": A, "b": b})

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        self.P_ = self.params_["P"]
        self.task_coords_ = self.params_["A"]
