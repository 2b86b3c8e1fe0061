r"""Low-rank MTL: the task weight matrix is pulled towards low rank by the trace norm.

With :math:`W = [w_1, \dots, w_T]`,

.. math:: \min_{W, b}\; \frac{1}{T}\sum_t L_t(w_t, b_t) + \lambda \|W\|_* + \frac{\alpha}{2}\|W\|_F^2,

where :math:`\|W\|_*` is the sum of singular values (Pong et al., 2010; MALSAR's
``Least_Trace``/``Logistic_Trace``). Tasks then share a few directions in
feature space; with a large ``lam`` all weight vectors become parallel (rank 1)
or vanish. Solved by FISTA; the proximal step soft-thresholds the singular values.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..batch import TaskBatch, weighted_xt
from ..solvers import damped_solve, hessian_builder, line_search, fista
from ..loss import logistic_loss_terms
from ._base import MTLEstimator, linear_data_term


def _scale_spread(batch: TaskBatch) -> tuple[float, float] | None:
    """Largest and smallest standard deviation of the non-constant features, centred per task, or None.

    ``batch`` holds one problem; the deviations are over all its real rows.
    """
    X, real = batch.X[0], batch.mask[0][..., None]
    mean = np.sum(X * real, axis=1, keepdims=True) / np.maximum(real.sum(axis=1, keepdims=True), 1)
    centred = (X - mean) * real
    std = np.sqrt(np.sum(centred * centred, axis=(0, 1)) / max(int(real.sum()), 1))
    std = std[std > 1e-12 * max(std.max(), 1e-300)]
    return (float(std.max()), float(std.min())) if std.size else None


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
        scoring: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
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
        self.scoring = scoring
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _hyper_names(self):
        return ("lam", "alpha")

    #: Ratio of the largest to the smallest feature standard deviation above which a
    #: ConvergenceWarning names the scaling as the likely cause.
    _SCALE_SPREAD_WARN = 100.0

    def _stopped_early_hint(self, batch: TaskBatch) -> str:
        # On badly scaled features the scaling, not separability, is the likelier cause.
        spread = _scale_spread(batch)
        if spread is None or spread[0] <= self._SCALE_SPREAD_WARN * spread[1]:
            return super()._stopped_early_hint(batch)
        return (f"the features' scales differ a lot (standard deviations from {spread[1]:.3g} to {spread[0]:.3g}), "
                "which slows the solver: standardize the features (e.g. scikit-learn's StandardScaler fitted on the "
                "pooled training rows) or raise max_iter.")

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

    # --- solving on centred (and, where the penalty allows, rescaled) features -------------
    #
    # The intercepts are not penalized, so with per-task weighted feature means m_t the
    # substitution b_t = c_t - w_t . m_t turns the problem into the same problem on centred
    # features x - m_t: the optimum is the same point, and FISTA no longer crawls along the
    # intercept/weight valley that uncentred features create. A model whose penalty stays
    # cheap to prox under a per-feature rescaling U = W * sigma (the L2,1 norm: a weighted
    # group norm) also solves in U, which removes badly scaled columns from the conditioning.
    # Either way `coef_`, `intercept_`, the objective and its residual are those of the
    # problem on the data as given: only the solver's coordinates change.

    #: Solve in rescaled weights U = W * sigma (needs `_prox_scaled`); off for the trace norm,
    #: whose prox has no closed form in a per-feature metric.
    _rescale = False

    def _feature_geometry(self, batch: TaskBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-task weighted means (B, T, d), per-feature scales (B, 1, d), per-task centred variances (B, T, d)."""
        sw = batch.sw
        tot = np.maximum(sw.sum(-1), 1e-300)[..., None]  # (B, T, 1)
        mean = weighted_xt(sw, batch.X) / tot
        var = np.maximum(weighted_xt(sw, batch.X * batch.X) / tot - mean * mean, 0.0)
        if self._rescale:
            pooled = np.sqrt(var.mean(axis=1, keepdims=True))
            big = pooled.max(axis=-1, keepdims=True)
            # constant (or numerically constant) columns keep scale 1: nothing to fix there
            scale = np.where(pooled > 1e-8 * np.maximum(big, 1e-300), pooled, 1.0)
        else:
            scale = np.ones((sw.shape[0], 1, batch.n_features))
        return mean, scale, var

    @staticmethod
    def _to_internal(params, mean, scale):
        W, b = params["W"], params["b"]
        return {"U": W * scale, "c": b + np.sum(W * mean, axis=-1)}

    @staticmethod
    def _to_raw(params, mean, scale):
        W = params["U"] / scale
        return {"W": W, "b": params["c"] - np.sum(W * mean, axis=-1)}

    def _prox_scaled(self, U, step, hp, scale):  # pragma: no cover - only for `_rescale` models
        """Prox of ``step * (penalty + ridge)`` in the rescaled weights U = W * scale."""
        raise NotImplementedError

    def _solve(self, batch, hp, callback=None, tol=None, init=None):
        tol = self.tol if tol is None else tol

        def run(sub, sub_hp, start, max_iter, cb):
            mean, scale, var = self._feature_geometry(sub)
            T = sub.n_tasks
            a = sub_hp["alpha"]
            raw_smooth = lambda p, g: self._smooth(p, sub, sub_hp, g)

            def smooth(q, need_grad):
                p = self._to_raw(q, mean, scale)
                if self._rescale:  # the ridge sits in the prox (its curvature alpha/sigma^2 may be huge)
                    L, gW, gb = linear_data_term(p["W"], p["b"], sub, need_grad)
                    f = L.mean(-1)
                    if not need_grad:
                        return f, None
                    gW, gb = gW / T, gb / T
                else:
                    f, g = raw_smooth(p, need_grad)
                    if not need_grad:
                        return f, None
                    gW, gb = g["W"], g["b"]
                return f, {"U": (gW - gb[..., None] * mean) / scale, "c": gb}

            if self._rescale:
                def prox(q, step):
                    return {"U": self._prox_scaled(q["U"], step, sub_hp, scale), "c": q["c"]}

                def penalty(q):
                    W = q["U"] / scale
                    return self._penalty({"W": W}, sub_hp) + 0.5 * a * np.sum(W * W, axis=(-1, -2))
            else:
                def prox(q, step):
                    return {"U": self._prox({"W": q["U"], "b": q["c"]}, step, sub_hp)["W"], "c": q["c"]}

                def penalty(q):
                    return self._penalty({"W": q["U"]}, sub_hp)

            def residual(q):  # the stopping test: the residual of the problem as posed
                return self._residual(self._to_raw(q, mean, scale), sub, sub_hp)

            # curvature bound of the data term in these coordinates (trace >= top eigenvalue)
            per_task = 0.25 * (np.sum(var / scale**2, axis=-1) + 1.0)
            lipschitz0 = per_task.max(axis=-1) / T + (0.0 if self._rescale else a)
            # the posed problem's residual can exceed this parametrization's by the shift and scale
            gate = np.max(np.abs(mean), axis=(-1, -2)) * np.max(scale, axis=(-1, -2)) + np.max(scale, axis=(-1, -2))
            raw_cb = None if cb is None else (lambda q: cb(self._to_raw(q, mean, scale)))
            def first_order(q0, budget):
                return fista(
                    q0, smooth, prox, penalty, tol=tol, max_iter=budget, lipschitz0=lipschitz0,
                    callback=raw_cb, residual=residual, gate=np.maximum(gate, 1.0),
                )

            q = self._to_internal(start, mean, scale)
            if not self._has_newton:
                q, n_iter, conv = first_order(q, max_iter)
                return self._to_raw(q, mean, scale), n_iter, conv
            # FISTA first (fast on well-scaled features); the problems it has not finished
            # then get the second-order solver, which badly scaled features do not slow down.
            # badly scaled features (pooled deviations 30x apart): little to expect from FISTA
            spread = np.max(np.sqrt(var.mean(1)), -1) > 30 * np.min(np.sqrt(var.mean(1)) + 1e-300, -1)
            fista_budget = self._fista_budget // 10 if spread.all() else self._fista_budget
            q, n_iter, conv = first_order(q, min(max_iter, fista_budget))
            going = np.flatnonzero(~conv)
            if going.size and max_iter > fista_budget:
                p_raw = self._to_raw(q, mean, scale)
                sub2 = sub.subset(going)
                hp2 = {k: v[going] for k, v in sub_hp.items()}
                budget = max_iter - fista_budget
                p2, n2, c2 = self._newton_path(
                    sub2, hp2, {k: v[going] for k, v in p_raw.items()}, mean[going], tol, budget,
                    None if cb is None else (lambda p: cb(_scatter_params(p_raw, going, p))),
                )
                for k in p_raw:
                    p_raw[k][going] = p2[k]
                n_iter[going] += n2
                conv[going] = c2
                q = self._to_internal(p_raw, mean, scale)
                rest = np.flatnonzero(~conv)
                left = max_iter - int(n_iter.max())
                if rest.size and left > 0:  # the smoothing path could not finish: back to FISTA
                    q_rest, n3, c3 = first_order({k: v for k, v in q.items()}, left)
                    for k in q:
                        q[k][rest] = q_rest[k][rest]
                    n_iter[rest] += n3[rest]
                    conv[rest] = c3[rest]
            return self._to_raw(q, mean, scale), n_iter, conv

        # Rounds of 200 iterations (momentum restarts each round).
        return self._in_rounds(batch, hp, init, run, 200, callback)


    # --- second-order path for penalties with a smooth approximation ------------------------
    #: FISTA iterations before the problems still going switch to `_newton_path`.
    _fista_budget = 300

    @property
    def _has_newton(self) -> bool:
        return type(self)._smoothed_penalty is not _ProximalLinearMTL._smoothed_penalty

    def _smoothed_penalty(self, W, mu):  # pragma: no cover - models with a Newton path override it
        """A smooth approximation of the unscaled penalty, within ``k * mu`` of it.

        Returns its value (B,), gradient (B, T, d) and Hessian (B, T*d, T*d) (task-major).
        """
        raise NotImplementedError

    def _newton_path(self, batch, hp, start, mean, tol, max_iter, callback=None):
        """Newton's method on the smoothed objective, following the smoothing ``mu`` down to 0.

        With the penalty replaced by a smooth function within ``k * mu`` of it (k = min(T, d)),
        Newton's steps see the curvature of the data, so badly scaled features cost nothing;
        ``mu`` shrinks stage by stage (as a barrier parameter does) until the proximal residual
        of the true objective is below ``tol``. Works on centred features; returns raw
        parameters, the Newton steps taken and the convergence flags.
        """
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        lam, alpha = hp["lam"], hp["alpha"]
        Xc = batch.X - mean[..., None, :]
        cbatch = TaskBatch(Xc, batch.s, batch.sw, batch.mask)
        W = np.array(start["W"], dtype=float)
        c = start["b"] + np.sum(W * mean, axis=-1)
        n = T * d + T
        idx = np.arange(T * d)
        hessian = hessian_builder(Xc, batch.sw.shape)

        def raw(W, c):
            return {"W": W, "b": c - np.sum(W * mean, axis=-1)}

        def value(W, c, mu):
            L, _, _ = linear_data_term(W, c, cbatch, False)
            return L.mean(-1) + 0.5 * alpha * np.sum(W * W, axis=(-1, -2)) + lam * self._smoothed_penalty(W, mu, False)[0]

        n_iter = np.zeros(B, dtype=int)
        active = self._residual(raw(W, c), batch, hp) > tol
        sv = np.linalg.svd(W, compute_uv=False)
        mu = np.maximum(0.1 * sv.max(axis=-1), 1e-3)
        with np.errstate(all="ignore"):
            while active.any() and int(n_iter.max()) < max_iter:
                stage_done = ~active
                for _ in range(30):  # Newton steps at this mu
                    if stage_done.all() or int(n_iter.max()) >= max_iter:
                        break
                    z = (Xc @ W[..., None])[..., 0] + c[..., None]
                    _, dl, d2 = logistic_loss_terms(z, batch.s)
                    r, h = batch.sw * dl, batch.sw * d2
                    P, gP, HP = self._smoothed_penalty(W, mu, True)
                    gW = weighted_xt(r, Xc) / T + alpha[:, None, None] * W + lam[:, None, None] * gP
                    gc = r.sum(-1) / T
                    # The data term's Hessian per task from the solvers' builder, placed in the
                    # (W by task, then intercepts) layout of the penalty's Hessian.
                    Ht = hessian(h) / T  # (B, T, d+1, d+1)
                    H = np.zeros((B, n, n))
                    H[:, : T * d, : T * d] = lam[:, None, None] * HP
                    for t in range(T):
                        rows = np.r_[t * d:(t + 1) * d, T * d + t]
                        H[:, rows[:, None], rows] += Ht[:, t]
                    H[:, idx, idx] += alpha[:, None]
                    g = np.concatenate([gW.reshape(B, T * d), gc], axis=-1)
                    step = -damped_solve(H, g)
                    dec = -np.sum(g * step, axis=-1)
                    go = ~stage_done & np.isfinite(dec) & (dec > 0)

                    def trial(t_len):
                        W_n = W + t_len[:, None, None] * step[:, : T * d].reshape(B, T, d)
                        c_n = c + t_len[:, None] * step[:, T * d:]
                        return W_n, c_n, value(W_n, c_n, mu)

                    (W, c), _, moved = line_search(value(W, c, mu), dec, go, trial)
                    n_iter += go
                    if callback is not None:
                        callback(raw(W, c))
                    # Finished problems stop; this mu is done when Newton's estimate of the gap is
                    # below its smoothing bias. (No test on the decrement against the rounding of F:
                    # with badly scaled features the residual is still far above tol when the
                    # decrement is, and full Newton steps keep shrinking it.)
                    finished = go & (self._residual(raw(W, c), batch, hp) <= tol)
                    active &= ~finished
                    stage_done |= finished | ~go | ~moved | (0.5 * dec <= 1e-3 * lam * mu)
                active &= self._residual(raw(W, c), batch, hp) > tol
                mu = np.where(active, 0.02 * mu, mu)
                active &= mu > 1e-16 * np.maximum(1.0, sv.max(axis=-1))
        res = self._residual(raw(W, c), batch, hp)
        ok = np.isfinite(res) & (res <= tol)
        out = raw(W, c)
        if not np.all(np.isfinite(out["W"])):  # keep the starting point of a failed path
            bad = ~np.all(np.isfinite(out["W"].reshape(B, -1)), axis=-1)
            out["W"][bad], out["b"][bad] = start["W"][bad], start["b"][bad]
        return out, n_iter, ok


def _scatter_params(full: dict, rows: np.ndarray, part: dict) -> dict:
    """``full`` with the problems ``rows`` replaced by ``part`` (a copy)."""
    out = {k: v.copy() for k, v in full.items()}
    for k in out:
        out[k][rows] = part[k]
    return out


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
    lam_grid, solver, learning_rate, n_epochs, n_snapshots, cv, scoring, random_state
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

    def _smoothed_penalty(self, W, mu, need_hessian=True):
        # sum_i sqrt(s_i^2 + mu^2) over the singular values: tr((M M^T + mu^2 I)^(1/2)) with
        # M = W or W^T, whichever is wider (p x q, p <= q).
        B, T, d = W.shape
        M = W if T <= d else np.swapaxes(W, -1, -2)
        p, q = M.shape[-2:]
        # from the SVD M = Q diag(sv) V^T, not the eigenvalues of M M^T, which lose the small
        # singular values' precision (an absolute error eps * sv_max^2 on sv^2)
        Q, sv, Vt = np.linalg.svd(M, full_matrices=False)
        a = np.sqrt(sv * sv + (mu * mu)[:, None])  # (B, p)
        val = a.sum(-1)
        if not need_hessian:
            return val, None, None
        Qt = np.swapaxes(Q, -1, -2)
        N = sv[..., None] * Vt  # Q^T M, (B, p, q)
        gM = Q @ (N / a[..., None])
        # Hessian-vector products on every basis matrix E: with E~ = Q^T E,
        # D(grad)[E] = Q (diag(1/a) E~ + (G o (N E~^T + E~ N^T)) N), G_ij = -1/(a_i a_j (a_i + a_j)).
        E = np.eye(p * q).reshape(p * q, p, q)
        Et = Qt[:, None] @ E[None]  # (B, pq, p, q)
        S = N[:, None] @ np.swapaxes(Et, -1, -2)
        S = S + np.swapaxes(S, -1, -2)
        G = -1.0 / (a[:, :, None] * a[:, None, :] * (a[:, :, None] + a[:, None, :]))
        HV = Q[:, None] @ (Et / a[:, None, :, None] + (G[:, None] * S) @ N[:, None])  # (B, pq, p, q)
        H = HV.reshape(B, p * q, p * q)
        if M is W:
            return val, gM, H
        # M = W^T: reorder entry (j, t) of M to entry (t, j) of W
        perm = np.arange(p * q).reshape(p, q).T.reshape(-1)
        return val, np.swapaxes(gM, -1, -2), H[:, perm][:, :, perm]

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        self.singular_values_ = np.linalg.svd(self.coef_, compute_uv=False)
