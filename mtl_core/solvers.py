r"""Batched optimizers: every array carries leading batch axes, one problem per entry.

- `newton_logistic`: damped Newton for ridge logistic regression with an
  unpenalized intercept, :math:`\min_{w,b} \sum_i \omega_i \ell(w\cdot x_i + b, s_i) + \tfrac{\alpha}{2}\|w\|^2`,
  solved for every leading index at once (tasks x folds x grid cells ...).
- `newton_mean_regularized`: Newton for the mean-regularized MTL objective,
  using the arrow structure of its Hessian (a Schur complement on the shared
  vector) so that each step costs :math:`O(T d^3)` instead of :math:`O(T^3 d^3)`.
- `fista`: accelerated proximal gradient with backtracking and adaptive
  restart, for the nonsmooth (trace-norm, L2,1) models.
- `gradient_descent`: the textbook full-batch (proximal) gradient descent with
  a fixed learning rate, keeping the path for the dashboard's replays.

Convergence is declared per problem; finished problems stop moving while the
others go on. All return the number of iterations and a convergence flag per
problem.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .batch import weighted_xt
from .loss import margin_derivatives, margin_terms

Params = dict[str, np.ndarray]

# Newton stops when half the Newton decrement, an estimate of f - f*, falls below
# this fraction of |f|: well under the 1e-6 relative suboptimality promised.
NEWTON_TOL = 1e-11
# Newton's criterion inside cross-validation: its last step squares the error, so the fold
# fits end far more accurate than this (the CV choices equal those at NEWTON_TOL).
NEWTON_CV_TOL = 1e-4
# Slack for rounding in the line search's sufficient-decrease test near the optimum.
_ROUNDING = 8 * np.finfo(float).eps


def _add_to_diagonal(H: np.ndarray, values: np.ndarray | float) -> np.ndarray:
    """``H[..., i, i] += values[..., i]`` in place (``values`` broadcast); returns ``H``."""
    i = np.arange(H.shape[-1])
    H[..., i, i] += values
    return H


def _damped(H: np.ndarray) -> np.ndarray:
    """Stacks of SPD matrices plus a tiny relative damping of their diagonal, in place.

    The damping only guards against exactly singular Hessians (e.g. separable
    data without ridge, where the curvature underflows); the fixed point of
    Newton's method (zero gradient) is unchanged by it.
    """
    scale = np.max(np.abs(np.diagonal(H, axis1=-2, axis2=-1)), axis=-1)
    return _add_to_diagonal(H, (1e-13 * (1.0 + scale))[..., None])


def damped_solve(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve ``H x = g`` for stacks of SPD matrices (see `_damped`; ``H`` is damped in place)."""
    return np.linalg.solve(_damped(H), g[..., None])[..., 0]


def _ridge_diagonal(strength: np.ndarray, d: int) -> np.ndarray:
    """Diagonal of a ridge on ``(w, b)``: ``strength`` on the d weights, 0 on the intercept (unpenalized)."""
    return np.append(np.ones(d), 0.0) * strength[..., None]


# Largest table of per-sample outer products `hessian_builder` builds for shared features.
_OUTER_BYTES = 16 * 2**20


def hessian_builder(X: np.ndarray, h_shape: tuple[int, ...]) -> Callable[..., np.ndarray]:
    """The Hessian of ``sum_i h_i``-weighted losses in ``(w, b)`` as a function of ``h``.

    ``[[X'HX, X'h], [h'X, sum h]]``: ``X`` of shape (..., N, d) and curvature
    weights ``h`` of shape ``h_shape`` = (..., N) give stacks of shape
    (..., d+1, d+1) (leading axes broadcast). A solver builds the function once
    and calls it every iteration.

    Features shared by a batch of weightings (cross-validation folds x grid
    values: ``X`` of batch size 1 against ``h`` of batch size B) give Hessians
    that are h-weighted sums of the samples' outer products: the table of those
    is built once here, and each Hessian is then one matrix product per task
    instead of one small product per problem and task.

    The function takes ``h`` and, for the Hessians of some problems only, those
    problems' rows of ``X`` (``h`` then has the same rows; shared features need none).
    """
    d = X.shape[-1]
    K = (d + 1) ** 2
    if len(h_shape) + 1 == X.ndim and X.shape[0] == 1 < h_shape[0] and X.shape[1:-1] == tuple(h_shape[1:]):
        N, P = X.shape[-2], math.prod(X.shape[1:-2])
        if P * N * K * 8 <= _OUTER_BYTES:
            Xa = np.concatenate([X[0], np.ones(X.shape[1:-1] + (1,))], axis=-1).reshape(P, N, d + 1)
            outer = (Xa[..., :, None] * Xa[..., None, :]).reshape(P, N, K)

            def from_outer(h: np.ndarray, X_rows: np.ndarray | None = None) -> np.ndarray:
                B = h.shape[0]
                H = np.empty((B, P, K))
                np.matmul(h.reshape(B, P, N).transpose(1, 0, 2), outer, out=H.transpose(1, 0, 2))
                return H.reshape(h.shape[:-1] + (d + 1, d + 1))

            return from_outer

    def direct(h: np.ndarray, X_rows: np.ndarray | None = None) -> np.ndarray:
        Xr = X if X_rows is None else X_rows
        H = np.empty(h.shape[:-1] + (d + 1, d + 1))
        H[..., :d, :d] = np.swapaxes(Xr * h[..., None], -1, -2) @ Xr
        hx = weighted_xt(h, Xr)
        H[..., :d, d] = hx
        H[..., d, :d] = hx
        H[..., d, d] = h.sum(-1)
        return H

    return direct


def _scatter(rows: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """``values`` of the problems ``rows`` placed in a batch of ``n`` problems, zero elsewhere."""
    out = np.zeros((n,) + values.shape[1:])
    out[rows] = values
    return out


def line_search(
    f: np.ndarray, dec: np.ndarray, active: np.ndarray, trial: Callable[[np.ndarray], tuple]
) -> tuple[tuple, np.ndarray, np.ndarray]:
    """Backtracking (Armijo) along the Newton step, per problem.

    ``trial(t)`` returns the candidate state at step lengths ``t`` (0 for
    inactive problems: parameters and whatever the next iteration reuses)
    followed by its objective values. Returns the accepted state, its objective
    values, and ``active`` with the problems that cannot decrease any more (the
    precision floor) switched off.
    """
    t = np.where(active, 1.0, 0.0)
    for _ in range(60):
        *candidate, f_new = trial(t)
        ok = (f_new <= f - 1e-4 * t * dec + _ROUNDING * np.abs(f)) | (t == 0)
        if ok.all():
            return tuple(candidate), f_new, active
        t = np.where(ok, t, 0.5 * t)
    *candidate, f_new = trial(np.where(ok, t, 0.0))
    return tuple(candidate), f_new, active & ok


def newton_converged(dec: np.ndarray, f: np.ndarray, tol: float) -> np.ndarray:
    """Whether half the Newton decrement ``dec`` is below ``tol`` times ``|f|`` (the Newton solvers' stopping rule)."""
    return 0.5 * dec <= tol * np.maximum(np.abs(f), 1e-12)


def newton_logistic(
    X: np.ndarray,
    s: np.ndarray,
    sw: np.ndarray,
    alpha: np.ndarray | float,
    *,
    w_init: np.ndarray | None = None,
    b_init: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    tol: float = NEWTON_TOL,
    max_iter: int = 100,
    callback: Callable[[np.ndarray, np.ndarray], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Ridge logistic regression with unpenalized intercept, for a batch of problems.

    Minimizes, for every leading index,

    .. math:: f(w, b) = \sum_i \omega_i \log(1 + e^{-s_i (w \cdot x_i + b + o_i)}) + \frac{\alpha}{2}\|w\|^2.

    Parameters
    ----------
    X : ndarray of shape (..., n_samples, n_features)
    s : ndarray of shape (..., n_samples)
        Signed labels.
    sw : ndarray of shape (..., n_samples)
        Sample weights (0 = ignored).
    alpha : float or ndarray broadcastable to the leading shape
    w_init, b_init : ndarray, optional
        Starting point (zeros by default).
    offset : ndarray of shape (..., n_samples), optional
        Fixed score offset :math:`o_i`.
    tol : float
        Stop when half the Newton decrement is below ``tol * |f|``.
    max_iter : int
    callback : callable, optional
        Called as ``callback(w, b)`` after every iteration.

    Returns
    -------
    w : ndarray of shape (..., n_features)
    b : ndarray of shape (...)
    n_iter : ndarray of int, shape (...)
    converged : ndarray of bool, shape (...)
    """
    lead = np.broadcast_shapes(X.shape[:-2], s.shape[:-1], sw.shape[:-1], np.shape(alpha))
    d = X.shape[-1]
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), lead)
    w = np.zeros(lead + (d,)) if w_init is None else np.array(np.broadcast_to(w_init, lead + (d,)), dtype=float)
    b = np.zeros(lead) if b_init is None else np.array(np.broadcast_to(b_init, lead), dtype=float)
    off = 0.0 if offset is None else offset

    def evaluate(w, b):
        # The margins and exponentials at (w, b) serve the objective here and the
        # derivatives of the next iteration once the line search accepts (w, b).
        z = (X @ w[..., None])[..., 0]
        z += b[..., None]
        z += off
        m, e, loss = margin_terms(z, s)
        loss *= sw
        return m, e, np.sum(loss, axis=-1) + 0.5 * alpha * np.sum(w * w, axis=-1)

    active = np.ones(lead, dtype=bool)
    n_iter = np.zeros(lead, dtype=int)
    ridge = _ridge_diagonal(alpha, d)
    hessian = hessian_builder(X, lead + X.shape[-2:-1])
    m, e, f = evaluate(w, b)
    for _ in range(max_iter):
        if not active.any():
            break
        r, h = margin_derivatives(m, e, s)
        r *= sw
        h *= sw
        g = np.concatenate([weighted_xt(r, X) + alpha[..., None] * w, r.sum(-1)[..., None]], axis=-1)
        H = _add_to_diagonal(hessian(h), ridge)
        step = -damped_solve(H, g)
        dec = -np.sum(g * step, axis=-1)
        # Problems that just converged still take this (nearly free) last step:
        # Newton's quadratic convergence turns a tiny decrement into a far tinier error.
        done_now = active & newton_converged(dec, f, tol)

        def trial(t):
            w_new = w + t[..., None] * step[..., :d]
            b_new = b + t * step[..., d]
            return w_new, b_new, *evaluate(w_new, b_new)

        (w, b, m, e), f, active = line_search(f, dec, active, trial)
        n_iter += active
        active &= ~done_now
        if callback is not None:
            callback(w, b)
    return w, b, n_iter, ~active


def newton_mean_regularized(
    X: np.ndarray,
    s: np.ndarray,
    sw: np.ndarray,
    lam: np.ndarray | float,
    alpha: np.ndarray | float,
    *,
    init: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    tol: float = NEWTON_TOL,
    max_iter: int = 100,
    callback: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Newton's method for mean-regularized MTL on a batch of problems.

    Minimizes :math:`G = \sum_t [L_t(w_0 + v_t, b_t) + \tfrac{\lambda}{2}\|v_t\|^2] + \tfrac{T\alpha}{2}\|w_0\|^2`
    (``T`` times the model objective: same minimizer), with
    :math:`L_t = \sum_i \omega_{ti}\,\ell(\cdot)`. The Hessian is block-arrow
    shaped: per-task blocks :math:`A_t = H_t + \lambda D` for :math:`(v_t, b_t)`
    coupled to :math:`w_0` through :math:`B_t = H_t[:, :d]`; the Newton system is
    solved through the Schur complement
    :math:`S = C - \sum_t B_t^\top A_t^{-1} B_t` with
    :math:`C = \sum_t H_t[:d,:d] + T\alpha I`.

    Parameters
    ----------
    X : ndarray of shape (B or 1, T, N, d)
    s, sw : ndarray of shape (B or 1, T, N) and (B, T, N)
    lam, alpha : float or ndarray of shape (B,)

    Returns
    -------
    w0 : ndarray of shape (B, d)
    V : ndarray of shape (B, T, d)
    b : ndarray of shape (B, T)
    n_iter : ndarray of shape (B,)
    converged : ndarray of shape (B,)
    """
    B = np.broadcast_shapes(X.shape[:1], sw.shape[:1])[0]
    T, d = X.shape[1], X.shape[-1]
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (B,))
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (B,))
    if init is None:
        w0, V, b = np.zeros((B, d)), np.zeros((B, T, d)), np.zeros((B, T))
    else:
        w0, V, b = (np.array(a, dtype=float) for a in init)
    lam_diag = _ridge_diagonal(lam[:, None], d)  # (B, 1, d+1): the diagonal of lam * D

    def evaluate(w0, V, b):
        # As in `newton_logistic`: the margins at an accepted trial point are reused.
        W = w0[:, None, :] + V
        z = (X @ W[..., None])[..., 0]
        z += b[..., None]
        m, e, loss = margin_terms(z, s)
        loss *= sw
        f = (
            np.sum(loss, axis=(-1, -2))
            + 0.5 * lam * np.sum(V * V, axis=(-1, -2))
            + 0.5 * T * alpha * np.sum(w0 * w0, axis=-1)
        )
        return m, e, f

    active = np.ones(B, dtype=bool)
    n_iter = np.zeros(B, dtype=int)
    hessian = hessian_builder(X, (B, T, X.shape[-2]))
    m, e, f = evaluate(w0, V, b)
    for _ in range(max_iter):
        if not active.any():
            break
        # Newton systems for the problems still going only (the finished ones take no step):
        # within a solver call, a batch's problems finish at different iterations.
        rows = None if active.all() else np.flatnonzero(active)

        def going(a: np.ndarray) -> np.ndarray:
            return a if rows is None or a.shape[0] == 1 else a[rows]

        Bg = B if rows is None else rows.size
        lam_g, alpha_g, V_g, w0_g, X_g = going(lam), going(alpha), going(V), going(w0), going(X)
        r, h = margin_derivatives(going(m), going(e), going(s))
        sw_g = going(sw)
        r *= sw_g
        h *= sw_g
        gw = weighted_xt(r, X_g)  # (Bg, T, d): dL_t/dw
        g_u = np.concatenate([gw + lam_g[:, None, None] * V_g, r.sum(-1)[..., None]], axis=-1)  # (Bg, T, d+1)
        g_0 = gw.sum(1) + T * alpha_g[:, None] * w0_g  # (Bg, d)
        Ht = hessian(h, X_g)  # (Bg, T, d+1, d+1)
        A = _add_to_diagonal(Ht.copy(), going(lam_diag))  # A_t = H_t + lam D
        Bt = Ht[..., :, :d]  # (Bg, T, d+1, d)
        C = _add_to_diagonal(Ht[..., :d, :d].sum(1), T * alpha_g[:, None])
        # Solve A_t [Ainv_g, Ainv_B] in one call per task block.
        rhs = np.concatenate([g_u[..., None], Bt], axis=-1)  # (Bg, T, d+1, 1+d)
        sol = np.linalg.solve(_damped(A), rhs)
        Ainv_g, Ainv_B = sol[..., 0], sol[..., 1:]
        # Sums over tasks and rows as one matmul per problem (several times faster than einsum here).
        Bt_flat = Bt.reshape(Bg, T * (d + 1), d)
        S = C - np.swapaxes(Bt_flat, -1, -2) @ Ainv_B.reshape(Bg, T * (d + 1), d)
        rhs0 = -g_0 + (Ainv_g.reshape(Bg, 1, T * (d + 1)) @ Bt_flat)[:, 0, :]
        dw0 = damped_solve(S, rhs0)
        du = -(Ainv_g + (Ainv_B @ dw0[:, None, :, None])[..., 0])
        dec = -(np.sum(g_u * du, axis=(-1, -2)) + np.sum(g_0 * dw0, axis=-1))
        if rows is not None:  # back to the whole batch: no step for the finished problems
            dw0, du, dec = _scatter(rows, B, dw0), _scatter(rows, B, du), _scatter(rows, B, dec)
        # Problems that just converged still take this (nearly free) last step:
        # Newton's quadratic convergence turns a tiny decrement into a far tinier error.
        done_now = active & newton_converged(dec, f, tol)

        def trial(t):
            w0_n = w0 + t[:, None] * dw0
            V_n = V + t[:, None, None] * du[..., :d]
            b_n = b + t[:, None] * du[..., d]
            return w0_n, V_n, b_n, *evaluate(w0_n, V_n, b_n)

        (w0, V, b, m, e), f, active = line_search(f, dec, active, trial)
        n_iter += active
        active &= ~done_now
        if callback is not None:
            callback(w0, V, b)
    return w0, V, b, n_iter, ~active


# --- first-order methods on parameter dictionaries ---------------------------

def _tree_add(x: Params, y: Params, a: np.ndarray | float = 1.0) -> Params:
    """x + a*y, with ``a`` of shape (B,) broadcast over each array's trailing axes."""
    return {k: x[k] + _bcast(a, x[k]) * y[k] for k in x}


def _bcast(a, arr: np.ndarray):
    a = np.asarray(a, dtype=float)
    return a.reshape(a.shape + (1,) * (arr.ndim - a.ndim)) if a.ndim else a


def _tree_dot(x: Params, y: Params) -> np.ndarray:
    return sum(np.sum((x[k] * y[k]).reshape(x[k].shape[0], -1), axis=1) for k in x)


def tree_where(cond: np.ndarray, x: Params, y: Params) -> Params:
    """``x`` where ``cond`` (shape (B,)) holds, else ``y``, for every array of two parameter dicts."""
    return {k: np.where(_bcast(cond, x[k]) > 0, x[k], y[k]) for k in x}


def _tree_maxabs(x: Params) -> np.ndarray:
    return np.max(np.stack([np.max(np.abs(v.reshape(v.shape[0], -1)), axis=1) for v in x.values()]), axis=0)


SmoothFn = Callable[[Params, bool], tuple[np.ndarray, Params | None]]
ProxFn = Callable[[Params, np.ndarray], Params]
PenaltyFn = Callable[[Params], np.ndarray]


def prox_residual(params: Params, smooth: SmoothFn, prox: ProxFn) -> np.ndarray:
    r"""Proximal fixed-point residual :math:`\|x - \mathrm{prox}_h(x - \nabla f(x))\|_\infty` per problem.

    Zero exactly at a minimizer of :math:`f + h` (convex case); for smooth
    problems it is the largest gradient entry.
    """
    _, g = smooth(params, True)
    B = next(iter(params.values())).shape[0]
    y = prox(_tree_add(params, g, -1.0), np.ones(B))
    return _tree_maxabs(_tree_add(params, y, -1.0))


def fista(
    init: Params,
    smooth: SmoothFn,
    prox: ProxFn,
    penalty: PenaltyFn,
    *,
    tol: float = 1e-9,
    max_iter: int = 20000,
    lipschitz0: np.ndarray | float = 1.0,
    callback: Callable[[Params], None] | None = None,
    residual: Callable[[Params], np.ndarray] | None = None,
    gate: np.ndarray | float = 1.0,
) -> tuple[Params, np.ndarray, np.ndarray]:
    r"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

    Minimizes :math:`F = f + h` per problem, where ``smooth(x, need_grad)``
    returns :math:`f(x)` of shape (B,) and its gradient, ``prox(v, step)`` is
    :math:`\mathrm{prox}_{\mathrm{step}\cdot h}(v)` and ``penalty(x)`` is
    :math:`h(x)`. The step :math:`1/L` is found by backtracking on the
    quadratic upper bound (tested on gradients once the bound's quadratic term
    falls below the rounding of :math:`f`); momentum restarts whenever :math:`F`
    increases or the step opposes the momentum (O'Donoghue & Candes, 2015),
    which restores linear convergence on strongly convex problems. A problem stops when its proximal fixed-point residual
    (see `prox_residual`) is below ``tol``.

    ``residual(x)``, if given, replaces that residual in the stopping test: a
    caller that solves a reparametrized problem (centred or rescaled features)
    stops on the residual of the problem as posed. It is evaluated only where the
    gradient mapping times ``gate`` (shape (B,) or scalar: how much larger the
    caller's residual can be than this parametrization's) is below ``10 * tol``.

    Returns
    -------
    params : dict of ndarray
    n_iter : ndarray of shape (B,)
    converged : ndarray of shape (B,)
    """
    x = {k: np.array(v, dtype=float) for k, v in init.items()}
    B = next(iter(x.values())).shape[0]
    L = np.broadcast_to(np.asarray(lipschitz0, dtype=float), (B,)).copy()
    y = x
    tk = np.ones(B)
    F_old = smooth(x, False)[0] + penalty(x)
    active = np.ones(B, dtype=bool)
    n_iter = np.zeros(B, dtype=int)
    for it in range(max_iter):
        f_y, g_y = smooth(y, True)
        for _bt in range(60):
            x_new = prox(_tree_add(y, g_y, -1.0 / L), 1.0 / L)
            diff = _tree_add(x_new, y, -1.0)
            f_new = smooth(x_new, False)[0]
            sq = _tree_dot(diff, diff)
            bound = f_y + _tree_dot(g_y, diff) + 0.5 * L * sq
            ok = f_new <= bound + _ROUNDING * np.abs(f_y)
            # Near the optimum the quadratic term drops below the rounding of f and the test
            # above passes any step: there, test the curvature on gradients instead
            # (<g(x) - g(y), x - y> <= L |x - y|^2), which keeps its precision.
            blind = 0.5 * L * sq < 64 * _ROUNDING * np.abs(f_y)
            if blind.any():
                g_new = smooth(x_new, True)[1]
                ok = np.where(blind, _tree_dot(_tree_add(g_new, g_y, -1.0), diff) <= L * sq, ok)
            if ok.all():
                break
            L = np.where(ok, L, 2.0 * L)
        x_new = tree_where(active, x_new, x)
        F_new = f_new + penalty(x_new)
        grad_map = L * _tree_maxabs(diff)
        # Gate the (costlier) fixed-point residual on the gradient mapping being small.
        check = active & (grad_map * gate < 10 * tol)
        if check.any():
            res = prox_residual(x_new, smooth, prox) if residual is None else residual(x_new)
            active &= ~(check & (res <= tol))
        n_iter += active
        # Restart on an objective increase, or when the step opposes the momentum (the
        # gradient scheme): near the optimum F stalls at rounding level and the first test
        # goes blind, while the second still sees the iterates circle.
        restart = (F_new > F_old) | (_tree_dot(diff, _tree_add(x_new, x, -1.0)) < 0)
        t_next = np.where(restart, 1.0, 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * tk * tk)))
        beta = np.where(restart | ~active, 0.0, (tk - 1.0) / t_next)
        y = _tree_add(x_new, _tree_add(x_new, x, -1.0), beta)
        x, F_old, tk = x_new, np.where(active, F_new, F_old), t_next
        L = np.where(active, 0.9 * L, L)  # let the step grow again where the curvature allows
        if callback is not None:
            callback(x)
        if not active.any():
            break
    return x, n_iter, ~active


def gradient_descent(
    init: Params,
    smooth: SmoothFn,
    prox: ProxFn,
    *,
    learning_rate: float,
    n_epochs: int,
    callback: Callable[[int, Params], None] | None = None,
    retract: Callable[[Params], Params] | None = None,
) -> Params:
    r"""Full-batch (proximal) gradient descent with a fixed learning rate.

    :math:`x \leftarrow \mathrm{prox}_{\eta h}(x - \eta \nabla f(x))` for
    ``n_epochs`` epochs (plain gradient descent when :math:`h = 0`).
    ``callback(epoch, x)`` is called with the starting point (epoch 0) and
    after every epoch; ``retract`` maps the iterate back to a constraint set
    (e.g. orthonormal columns) without changing the model it represents.
    If an iterate stops being finite (a too-large learning rate), the descent
    stops and returns it as is, for the caller to report: the proximal and
    retraction steps (SVD, QR) would otherwise fail with a `LinAlgError`.
    """
    x = {k: np.array(v, dtype=float) for k, v in init.items()}
    B = next(iter(x.values())).shape[0]
    step = np.full(B, float(learning_rate))
    if callback is not None:
        callback(0, x)
    for epoch in range(1, n_epochs + 1):
        _, g = smooth(x, True)
        x = _tree_add(x, g, -step)
        if not all(np.all(np.isfinite(v)) for v in x.values()):
            return x  # diverged
        try:
            x = prox(x, step)
        except np.linalg.LinAlgError:  # e.g. the SVD of a finite but astronomically large iterate
            return {k: np.full_like(v, np.nan) for k, v in x.items()}
        if retract is not None:
            x = retract(x)
        if callback is not None:
            callback(epoch, x)
    return x
