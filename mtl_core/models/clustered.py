r"""Clustered MTL: tasks come in groups, each group's weight vectors pulled towards their group's mean.

The combinatorial penalty, for a partition of the T tasks into k groups, is

.. math:: \frac{1}{2T}\Big[\lambda \sum_{g}\sum_{t \in g} \|w_t - \bar w_g\|^2 + \alpha \|W\|_F^2\Big]
          = \frac{\alpha}{2}\|\bar w\|^2
            + \frac{1}{2T}\operatorname{tr}\big((\Pi W)^\top (\lambda (I - \tilde M) + \alpha I)\, \Pi W\big),

with :math:`W` the :math:`T \times d` matrix of task weights (one row per task),
:math:`\bar w` their mean, :math:`\Pi = I - \mathbf{1}\mathbf{1}^\top/T` (centring
over tasks) and :math:`\tilde M` the projection on the centred group indicators
(rank ``k - 1``: the indicators span the mean direction and ``k - 1`` others).
Relaxing :math:`\tilde M` to the convex set
:math:`\mathcal{M}_{k-1} = \{M : 0 \preceq M \preceq I,\ \operatorname{tr} M = k - 1\}`
and the quadratic form to the jointly convex
:math:`\operatorname{tr}((\Pi W)^\top \alpha(\lambda+\alpha)(\alpha I + \lambda M)^{-1} \Pi W)`
(equal to the above on projections) gives the convex clustered MTL of Jacob,
Bach & Vert (NeurIPS 2008: the mean penalized apart, the clustering relaxed on
the centred weights), with the relaxation in the form of Zhou, Chen & Ye
(NeurIPS 2011) and MALSAR's CMTL, :math:`\rho_1\eta(1+\eta)\operatorname{tr}(W(\eta I + M)^{-1}W^\top)`,
:math:`\eta = \alpha/\lambda`, here :math:`\rho_1 = \lambda/(2T)` (MALSAR sums the
tasks' mean losses, so its ``rho1`` is :math:`\lambda/2`, ``rho2`` is :math:`\alpha/2`;
it relaxes the uncentred weights with ``tr M = k``: `relaxed_penalty`). With
``k = 1`` this is exactly mean-regularized MTL.

Minimizing over :math:`M` in closed form leaves a convex function of
:math:`W` alone. With :math:`S = C C^\top = U \operatorname{diag}(s) U^\top`
(:math:`C = \Pi W`) and :math:`x_i = \alpha + \lambda m_i` (the eigenvalues of
:math:`\alpha I + \lambda M`, in :math:`[\alpha, \alpha+\lambda]`, summing to
:math:`T\alpha + \lambda (k - 1)`), the best :math:`M` shares the eigenvectors of
:math:`S` and

.. math:: \min_{M \in \mathcal{M}_{k-1}} \operatorname{tr}(S (\alpha I + \lambda M)^{-1})
          = \min_{x} \sum_i \frac{s_i}{x_i},
          \qquad x_i = \operatorname{clip}(\tau \sqrt{s_i},\ \alpha,\ \alpha + \lambda)

(water-filling: :math:`\tau` makes the :math:`x_i` sum to their total). The
minimizer is unique wherever it matters (in the :math:`x_i` of :math:`s_i > 0`),
so by Danskin's theorem the penalty is differentiable, with gradient
:math:`\frac{\alpha(\lambda+\alpha)}{T} \Pi A C` plus the mean's ridge,
:math:`A = U \operatorname{diag}(1/x) U^\top`; the gradient is piecewise smooth
(a spectral function of :math:`S`, Lewis & Sendov 2001), and Newton's method
with the exact Hessian of each piece solves the whole problem.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..batch import TaskBatch, weighted_xt
from ..loss import logistic_loss_terms
from ..solvers import NEWTON_CV_TOL, NEWTON_TOL, newton_converged, damped_solve, hessian_builder, line_search, fista
from ._base import MTLEstimator, linear_data_term


# ----------------------------------------------------------------------------- the penalty


def water_fill(sv: np.ndarray, n_clusters: int, lam: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    r"""Eigenvalues :math:`x_i = \alpha + \lambda m_i` of the best :math:`\alpha I + \lambda M`.

    Minimizes :math:`\sum_i s_i / x_i` with :math:`s_i = \mathrm{sv}_i^2` over
    :math:`x_i \in [\alpha, \alpha+\lambda]`, :math:`\sum_i x_i = T\alpha + \lambda k`.

    Parameters
    ----------
    sv : ndarray of shape (B, T)
        Square roots of the eigenvalues of :math:`W W^\top` (>= 0).
    n_clusters : int
        ``k``, in [1, T].
    lam, alpha : ndarray of shape (B,)
        ``alpha > 0``, ``lam >= 0``.

    Returns
    -------
    x : ndarray of shape (B, T)
        Where fewer than ``k`` of the ``sv`` are positive, those get
        :math:`\alpha + \lambda` and the zero ones share the rest evenly (any
        split gives the same value and gradient).
    """
    B, T = sv.shape
    lo, hi = alpha[:, None], (alpha + lam)[:, None]
    target = (T * alpha + lam * n_clusters)[:, None]
    positive = sv > 0
    n_pos = positive.sum(-1, keepdims=True)
    # few positive values: they take the top of the range, the zero ones share what is left
    rest = np.where(n_pos < T, (lam[:, None] * (n_clusters - n_pos)) / np.maximum(T - n_pos, 1), 0.0)
    few = np.where(positive, hi, lo + rest)
    # otherwise x_i = clip(tau sv_i, lo, hi); the sum is piecewise linear and increasing in tau,
    # with breakpoints lo/sv_i and hi/sv_i: find the segment holding the target, then tau on it
    with np.errstate(divide="ignore", invalid="ignore"):
        breaks = np.sort(np.concatenate([np.where(positive, lo / sv, np.inf), np.where(positive, hi / sv, np.inf)], -1), -1)
        total = np.clip(breaks[..., :, None] * sv[..., None, :], lo[..., None], hi[..., None]).sum(-1)  # (B, 2T)
        total = np.where(np.isfinite(breaks), total, np.inf)
        j = np.argmax(total >= target, axis=-1)[:, None]  # first breakpoint at or past the target
        upper = np.take_along_axis(breaks, j, -1)
        lower = np.take_along_axis(breaks, np.maximum(j - 1, 0), -1)
        mid = np.where(j > 0, 0.5 * (lower + upper), 0.5 * upper)
        at_mid = mid * sv
        free = positive & (at_mid > lo) & (at_mid < hi)
        fixed = np.where(at_mid >= hi, hi, np.where(free, 0.0, lo)).sum(-1, keepdims=True)
        tau = (target - fixed) / np.sum(np.where(free, sv, 0.0), -1, keepdims=True)
        spread = np.clip(np.where(free.any(-1, keepdims=True), tau, upper) * sv, lo, hi)
    x = np.where(n_pos <= n_clusters, few, spread)
    return np.where(lam[:, None] > 0, x, lo)  # lam = 0: the penalty is the ridge alone


def _spectrum(W: np.ndarray, n_clusters: int, lam: np.ndarray, alpha: np.ndarray):
    """SVD-based spectrum of :math:`W W^\\top` and the water-filled eigenvalues.

    Returns ``U`` (B, T, T), ``sv`` (B, T) (zero-padded where T > d) and ``x`` (B, T).
    """
    B, T, d = W.shape
    # from the SVD of W, not the eigenvalues of W W^T, which lose the small ones' precision
    U, sv, _ = np.linalg.svd(W, full_matrices=True)
    if sv.shape[-1] < T:
        sv = np.concatenate([sv, np.zeros((B, T - sv.shape[-1]))], -1)
    return U, sv, water_fill(sv, n_clusters, lam, alpha)


def relaxed_penalty(W: np.ndarray, n_clusters: int, lam: np.ndarray, alpha: np.ndarray, need: int = 0):
    r"""Zhou, Chen & Ye's relaxed clustering penalty, its gradient and Hessian.

    .. math:: R_k(W) = \frac{\alpha(\lambda+\alpha)}{2T}\min_{M \in \mathcal{M}_k}
              \operatorname{tr}\big(W^\top(\alpha I + \lambda M)^{-1} W\big)

    Parameters
    ----------
    W : ndarray of shape (B, T, d)
    n_clusters : int
    lam, alpha : ndarray of shape (B,)
    need : {0, 1, 2}
        0: the value; 1: and the gradient; 2: and the Hessian.

    Returns
    -------
    value : ndarray of shape (B,)
    grad : ndarray of shape (B, T, d) or None
    hess : ndarray of shape (B, T*d, T*d) or None
        Task-major (entry ``t*d + j`` is ``W[t, j]``); on each smooth piece the exact
        Hessian (Lewis & Sendov's formula for spectral functions), otherwise one
        of its limits.
    """
    B, T, d = W.shape
    U, sv, x = _spectrum(W, n_clusters, lam, alpha)
    scale = alpha * (lam + alpha) / T  # (B,)
    s = sv * sv
    value = 0.5 * scale * np.sum(s / x, -1)
    if need == 0:
        return value, None, None
    a = 1.0 / x
    Ut = np.swapaxes(U, -1, -2)
    What = Ut @ W  # (B, T, d): W in the eigenbasis of W W^T
    grad = scale[:, None, None] * (U @ (a[..., None] * What))
    if need == 1:
        return value, grad, None
    lo, hi = alpha[:, None], (alpha + lam)[:, None]
    free = (x > lo * (1 + 1e-12)) & (x < hi * (1 - 1e-12)) & (sv > 0) & (lam[:, None] > 0)
    # second derivatives of sum_i s_i / x_i(s) in s (x from water-filling): on the free set
    # 1/x_i = R / (K sv_i) with R = sum_F sv_j and K fixed by the constraint, elsewhere constant
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_sv = np.where(free, 1.0 / sv, 0.0)
        R = np.sum(np.where(free, sv, 0.0), -1, keepdims=True)
        # a_i sv_i = R / K on the free set: K from any free entry (the same for all of them)
        ratio = np.where(free, a * sv, 0.0).max(-1, keepdims=True)  # R / K
        K = np.where(ratio > 0, R / np.where(ratio > 0, ratio, 1.0), 1.0)
        J = (inv_sv[..., :, None] * inv_sv[..., None, :]) / (2 * K[..., None])
        J -= np.eye(T) * (np.where(free, ratio * inv_sv / (2 * s), 0.0))[..., None]
        # divided differences (a_i - a_j) / (s_i - s_j) off the diagonal
        ds = s[..., :, None] - s[..., None, :]
        da = a[..., :, None] - a[..., None, :]
        gamma = np.where(ds != 0, da / np.where(ds != 0, ds, 1.0), 0.0)
        both_free = free[..., :, None] & free[..., None, :]
        # on the free set in closed form (no cancellation when s_i ~ s_j)
        closed = -ratio[..., None] * inv_sv[..., :, None] * inv_sv[..., None, :] / (
            sv[..., :, None] + sv[..., None, :] + (~both_free))
        gamma = np.where(both_free, closed, gamma)
    gamma[..., np.arange(T), np.arange(T)] = 0.0
    # D grad [E] = scale (A E + DA[W E^T + E W^T] W) for every basis matrix E = e_t f_j^T
    E = np.eye(T * d).reshape(T * d, T, d)
    Et = Ut[:, None] @ E[None]  # (B, Td, T, d): U^T E
    Ht = What[:, None] @ np.swapaxes(Et, -1, -2)
    Ht = Ht + np.swapaxes(Ht, -1, -2)  # U^T (W E^T + E W^T) U
    diag = np.diagonal(Ht, axis1=-2, axis2=-1)  # (B, Td, T)
    inner = gamma[:, None] * Ht
    inner[..., np.arange(T), np.arange(T)] += diag @ np.swapaxes(J, -1, -2)
    HV = U[:, None] @ (a[:, None, :, None] * Et + inner @ What[:, None])
    hess = scale[:, None, None] * HV.reshape(B, T * d, T * d)
    return value, grad, hess


def clustered_penalty(W: np.ndarray, n_clusters: int, lam: np.ndarray, alpha: np.ndarray, need: int = 0):
    r"""The model's penalty: the relaxation on the centred weights plus a ridge on their mean.

    .. math:: P(W) = \frac{\alpha}{2}\|\bar w\|^2 + R_{k-1}(\Pi W),
              \qquad \Pi = I - \tfrac{1}{T}\mathbf{1}\mathbf{1}^\top

    (`relaxed_penalty` with ``k - 1``: the groups' indicators span the mean direction
    plus ``k - 1`` centred directions). Same arguments and returns as `relaxed_penalty`.
    """
    B, T, d = W.shape
    mean = W.mean(1, keepdims=True)
    value, grad, hess = relaxed_penalty(W - mean, n_clusters - 1, lam, alpha, need)
    value = value + 0.5 * alpha * np.sum(mean[:, 0] ** 2, -1)
    if need == 0:
        return value, None, None
    grad = grad - grad.mean(1, keepdims=True) + (alpha / T)[:, None, None] * mean
    if need == 1:
        return value, grad, None
    centre = np.kron(np.eye(T) - 1.0 / T, np.eye(d))  # Pi acting on the task-major weights
    hess = centre @ hess @ centre + (alpha / T**2)[:, None, None] * np.kron(np.ones((T, T)), np.eye(d))
    return value, grad, hess


def newton_clustered(
    batch: TaskBatch,
    penalty,
    W: np.ndarray,
    b: np.ndarray,
    *,
    tol: float = NEWTON_TOL,
    max_iter: int = 100,
    callback=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Damped Newton on :math:`F(W, b) = \frac1T\sum_t L_t(w_t, b_t) + P(W)` for a batch of problems.

    ``penalty(W, need)`` returns the penalty's value, gradient and Hessian as
    `clustered_penalty` does. The data term's Hessian per task comes from the solvers' builder; the step is solved jointly over the
    :math:`Td + T` unknowns (tasks are coupled only through :math:`P`). Stops as
    the other Newton solvers do, when half the Newton decrement is below
    ``tol * |F|``, after one last step.

    Returns
    -------
    W : ndarray of shape (B, T, d)
    b : ndarray of shape (B, T)
    n_iter, converged : ndarray of shape (B,)
    """
    B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
    n = T * d + T
    W, b = np.array(W, dtype=float), np.array(b, dtype=float)
    hessian = hessian_builder(batch.X, batch.sw.shape)

    def value(W, b):
        L, _, _ = linear_data_term(W, b, batch, False)
        return L.mean(-1) + penalty(W, 0)[0]

    active = np.ones(B, dtype=bool)
    n_iter = np.zeros(B, dtype=int)
    f = value(W, b)
    for _ in range(max_iter):
        if not active.any():
            break
        z = (batch.X @ W[..., None])[..., 0] + b[..., None]
        _, dl, d2 = logistic_loss_terms(z, batch.s)
        r, h = batch.sw * dl, batch.sw * d2
        _, gP, HP = penalty(W, 2)
        gW = weighted_xt(r, batch.X) / T + gP
        gb = r.sum(-1) / T
        # the data term's per-task blocks, in the (weights by task, then intercepts) layout
        Ht = hessian(h) / T  # (B, T, d+1, d+1)
        H = np.zeros((B, n, n))
        H[:, : T * d, : T * d] = HP
        for t in range(T):
            rows = np.r_[t * d:(t + 1) * d, T * d + t]
            H[:, rows[:, None], rows] += Ht[:, t]
        g = np.concatenate([gW.reshape(B, T * d), gb], axis=-1)
        step = -damped_solve(H, g)
        dec = -np.sum(g * step, axis=-1)
        # as in the other Newton solvers: a problem that just converged takes this last step
        done_now = active & newton_converged(dec, f, tol)
        go = active & np.isfinite(dec) & (dec > 0)

        def trial(t_len):
            W_n = W + t_len[:, None, None] * step[:, : T * d].reshape(B, T, d)
            b_n = b + t_len[:, None] * step[:, T * d:]
            return W_n, b_n, value(W_n, b_n)

        (W, b), f, moved = line_search(f, dec, go, trial)
        n_iter += moved
        active &= moved & ~done_now
        if callback is not None:
            callback(W, b)
    return W, b, n_iter, ~active


# ----------------------------------------------------------------------------- grouping


def kmeans(points: np.ndarray, n_clusters: int, rng: np.random.Generator, n_init: int = 10, max_iter: int = 100) -> np.ndarray:
    """Lloyd's k-means from k-means++ starts; the labels of the lowest within-cluster sum of squares.

    Parameters
    ----------
    points : ndarray of shape (n, p)
    n_clusters : int in [1, n]
    rng : numpy Generator (the only randomness)

    Returns
    -------
    labels : ndarray of shape (n,) of int
        Numbered in order of first appearance (the first point is in cluster 0),
        so equal groupings give equal labels.
    """
    n = points.shape[0]
    best, best_inertia = None, np.inf
    for _ in range(n_init):
        centres = [points[rng.integers(n)]]
        for _ in range(1, n_clusters):
            dist = np.min(((points[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
            total = dist.sum()
            pick = rng.choice(n, p=dist / total) if total > 0 else rng.integers(n)
            centres.append(points[pick])
        centres = np.array(centres)
        labels = np.full(n, -1)
        for _ in range(max_iter):
            dist = ((points[:, None, :] - centres[None]) ** 2).sum(-1)
            new = np.argmin(dist, axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for c in range(n_clusters):  # an emptied cluster keeps its centre
                if np.any(labels == c):
                    centres[c] = points[labels == c].mean(0)
        inertia = float(np.sum((points - centres[labels]) ** 2))
        if inertia < best_inertia - 1e-12 * max(inertia, 1.0):
            best, best_inertia = labels, inertia
    _, first = np.unique(best, return_index=True)
    order = np.argsort(np.argsort(first))  # cluster id -> rank of its first appearance
    return order[np.searchsorted(np.unique(best), best)]


# ----------------------------------------------------------------------------- the estimator


class ClusteredMTL(MTLEstimator):
    r"""Clustered MTL (convex relaxation): tasks form groups whose weights are pulled together.

    Objective (:math:`W`: the :math:`T \times d` task weights, one row per task;
    :math:`\Pi = I - \mathbf{1}\mathbf{1}^\top/T`):

    .. math:: F = \frac{1}{T}\sum_t L_t(w_t, b_t) + \frac{\alpha}{2}\|\bar w\|^2
              + \frac{\alpha(\lambda+\alpha)}{2T}\min_{0 \preceq M \preceq I,\ \operatorname{tr}M = k-1}
                \operatorname{tr}\big((\Pi W)^\top(\alpha I + \lambda M)^{-1} \Pi W\big)

    the convex relaxation (Jacob, Bach & Vert, NeurIPS 2008; in the form of Zhou,
    Chen & Ye, NeurIPS 2011, and MALSAR's CMTL, with :math:`\eta = \alpha/\lambda`)
    of :math:`\frac{1}{2T}[\lambda \sum_g \sum_{t\in g}\|w_t - \bar w_g\|^2 + \alpha\|W\|_F^2]`
    over partitions into ``k = n_clusters`` groups (see the module docstring).
    Intercepts are not penalized. ``k = 1`` is mean-regularized MTL (strength
    :math:`\lambda + \alpha`, ridge :math:`\alpha(\lambda+\alpha)/\lambda` on the
    shared vector); ``lam = 0`` and ``k = T`` are STL with ridge ``alpha``.
    Being convex, the relaxation sees the spectrum of the centred task weights,
    not a partition: it pulls the tasks towards ``k - 1`` centred directions
    around their mean, which tasks in ``k`` groups share.

    Parameters
    ----------
    n_clusters : int >= 1, default=2
        ``k``, the number of groups (at most the number of tasks).
    lam : float >= 0 or "auto", default="auto"
        Pull of the tasks of a group towards their group's mean; "auto" picks it
        from ``lam_grid`` by cross-validation (ties to the weakest).
    alpha : float > 0, default=0.01
        Ridge on all task weights (the relaxation is convex only with it).
    lam_grid : sequence of float, optional
        Candidates for ``lam="auto"`` (default: 11 values from 1e-4 to 10).
    solver, learning_rate, n_epochs, n_snapshots, cv, scoring, max_iter, random_state
        As in `MeanRegularizedMTL` (``random_state`` also seeds the k-means of
        ``cluster_labels_``).

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    cluster_matrix_ : ndarray of shape (n_tasks, n_tasks)
        :math:`\mathbf{1}\mathbf{1}^\top/T` plus the minimizing :math:`M` at the
        solution: a relaxed :math:`F F^\top` (:math:`1/|g|` between two tasks of one
        group, 0 across, for a true partition); its trace is ``k``.
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        :math:`M` normalized to a unit diagonal, :math:`M_{st}/\sqrt{M_{ss}M_{tt}}`
        (0 for a task with :math:`M_{tt} = 0`): near 1 within a learned group.
    cluster_labels_ : ndarray of shape (n_tasks,) of int
        The discovered grouping: k-means on the rows of :math:`U\operatorname{diag}(\sqrt m)`
        (a square root of :math:`M`) normalized to unit length, as in spectral
        clustering; labels numbered in order of first appearance.
    lam_, cv_results_, n_iter_, converged_, history_
        As in `MeanRegularizedMTL`.
    """

    _strength = "lam"
    _task_blocks = ("W", "b")
    _cv_warm_start = True
    _cv_tol = NEWTON_CV_TOL

    def __init__(
        self,
        n_clusters: int = 2,
        lam: float | str = "auto",
        alpha: float = 0.01,
        *,
        lam_grid=None,
        solver: str = "auto",
        learning_rate: float = 0.5,
        n_epochs: int = 100,
        n_snapshots: int = 100,
        cv: int = 5,
        scoring: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
        max_iter: int = 100,
        random_state: int = 0,
    ):
        self.n_clusters = n_clusters
        self.lam = lam
        self.alpha = alpha
        self.lam_grid = lam_grid
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
        return "MTL (clustered)"

    def _hyper_names(self):
        return ("lam", "alpha")

    def _check_hyper(self):
        super()._check_hyper()
        k = self.n_clusters
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"n_clusters must be a positive integer, got {k!r}.")
        if not isinstance(self.alpha, str) and float(self.alpha) <= 0:
            raise ValueError(f"alpha must be > 0 in {type(self).__name__} (the relaxation is convex only with a ridge), "
                             f"got {self.alpha!r}.")

    def _check_and_pack(self, Xs, ys, eval_set):
        Xs, ys, batch, eval_batch = super()._check_and_pack(Xs, ys, eval_set)
        if self.n_clusters > len(Xs):
            raise ValueError(f"n_clusters must be at most the number of tasks ({len(Xs)}), got {self.n_clusters}.")
        return Xs, ys, batch, eval_batch

    def _default_grid(self):
        # above ~10 the groups' tasks are nearly equal already (and first-order fits slow down)
        return np.asarray(self.lam_grid, dtype=float) if self.lam_grid is not None else np.logspace(-4, 1, 11)

    def _init_params(self, batch: TaskBatch, hp: dict) -> dict:
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        return {"W": np.zeros((B, T, d)), "b": np.zeros((B, T))}

    def _smooth(self, params, batch, hp, need_grad=True):
        W, b = params["W"], params["b"]
        T = W.shape[1]
        L, gW, gb = linear_data_term(W, b, batch, need_grad)
        P, gP, _ = clustered_penalty(W, int(self.n_clusters), hp["lam"], hp["alpha"], 1 if need_grad else 0)
        f = L.mean(-1) + P
        if not need_grad:
            return f, None
        return f, {"W": gW / T + gP, "b": gb / T}

    def _decision(self, params, X):
        return (X @ params["W"][..., None])[..., 0] + params["b"][..., None]

    def _linear(self, params, batch):
        return params["W"], params["b"]

    #: Largest number of weights (tasks x features) solved by Newton's method; larger problems
    #: (a dense Newton system of T*d + T unknowns per problem) go to FISTA on the smooth objective.
    _NEWTON_MAX_WEIGHTS = 100
    #: FISTA's iteration budget and stopping residual (its problems only).
    _FISTA_MAX_ITER = 20000
    _FISTA_TOL = 1e-9

    def _solve(self, batch, hp, callback=None, tol=None, init=None):
        if batch.n_tasks * batch.n_features > self._NEWTON_MAX_WEIGHTS:
            def first_order(sub, sub_hp, start, max_iter, cb):
                # the data term's curvature bound (1/4 of each task's mean squared row, plus 1 for the intercept)
                rows = np.sum(sub.sw * np.sum(sub.X * sub.X, -1), -1)
                lipschitz0 = 0.25 * (rows + 1.0).max(-1) / sub.n_tasks + (sub_hp["lam"] + sub_hp["alpha"]) / sub.n_tasks
                return fista(
                    start, lambda p, g: self._smooth(p, sub, sub_hp, g), lambda p, step: p,
                    lambda p: np.zeros(sub.n_batch), tol=self._FISTA_TOL if tol is None else min(tol, 1e-6),
                    max_iter=max_iter, lipschitz0=lipschitz0, callback=cb,
                )

            # rounds of 200 iterations: finished problems leave the batch
            return self._in_rounds(batch, hp, init, first_order, 200, callback, max_iter=self._FISTA_MAX_ITER)

        def run(sub, sub_hp, start, max_iter, cb_params):
            cb = None if cb_params is None else (lambda W, b: cb_params({"W": W, "b": b}))
            W, b, n_iter, conv = newton_clustered(
                sub, lambda W, need: clustered_penalty(W, int(self.n_clusters), sub_hp["lam"], sub_hp["alpha"], need),
                start["W"], start["b"],
                tol=NEWTON_TOL if tol is None else tol, max_iter=max_iter, callback=cb,
            )
            return {"W": W, "b": b}, n_iter, conv

        return self._in_rounds(batch, hp, init, run, self._newton_round, callback)

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        lam, alpha = self._hp_["lam"], self._hp_["alpha"]
        T = self.coef_.shape[0]
        centred = self.coef_ - self.coef_.mean(0)
        U, sv, x = _spectrum(centred[None], int(self.n_clusters) - 1, lam, alpha)
        m = (x - alpha[:, None]) / lam[:, None] if lam[0] > 0 else np.full_like(x, (self.n_clusters - 1) / T)
        U, m = U[0], np.clip(m[0], 0.0, 1.0)
        # the relaxed F F^T: the mean direction (in every group's span) plus the centred part
        self.cluster_matrix_ = np.full((T, T), 1.0 / T) + (U * m) @ U.T
        root = U * np.sqrt(m)
        norm = np.linalg.norm(root, axis=1, keepdims=True)
        unit = np.divide(root, norm, out=np.zeros_like(root), where=norm > 0)
        self.task_similarity_ = unit @ unit.T
        self.cluster_labels_ = kmeans(unit, int(self.n_clusters), np.random.default_rng(self.random_state))
