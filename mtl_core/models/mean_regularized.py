r"""Mean-regularized (parameter-based) MTL: every task is a shared vector plus its own offset.

With :math:`w_t = w_0 + v_t`,

.. math:: \min_{w_0, v, b}\; \frac{1}{T}\sum_t \Big[L_t(w_0 + v_t, b_t) + \frac{\lambda}{2}\|v_t\|^2\Big] + \frac{\alpha}{2}\|w_0\|^2 .

``lam`` is the sharing knob (Evgeniou & Pontil, 2004): as :math:`\lambda \to 0`
the offsets are free and each task fits alone (STL, with the ridge on
:math:`w_0` only pulling the unused shared part to zero); as
:math:`\lambda \to \infty` the offsets vanish and all tasks share one weight
vector while keeping their own intercepts (pooling with per-task intercepts).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..batch import TaskBatch
from ..solvers import NEWTON_CV_TOL, NEWTON_TOL, newton_mean_regularized
from ._base import MTLEstimator, linear_data_term
from .evidence import mean_regularized_log_evidence


class MeanRegularizedMTL(MTLEstimator):
    r"""Parameter-based MTL: task weights pulled towards their common mean.

    Objective:

    .. math:: F = \frac{1}{T}\sum_t \Big[L_t(w_0 + v_t, b_t) + \frac{\lambda}{2}\|v_t\|^2\Big] + \frac{\alpha}{2}\|w_0\|^2

    Limits: ``lam -> 0`` approaches single-task learning (each task free);
    ``lam -> inf`` approaches one shared weight vector with per-task intercepts.

    Parameters
    ----------
    lam : float >= 0 or "auto", default="auto"
        Strength of the pull towards the shared vector; "auto" picks it from
        ``lam_grid`` by the rule ``selection``.
    alpha : float >= 0, default=0.01
        Ridge on the shared vector :math:`w_0`.
    lam_grid : sequence of float, optional
        Candidates for ``lam="auto"`` (default: 13 values from 1e-4 to 1e2).
    selection : {"evidence+cv", "evidence", "cv"}, default="evidence+cv"
        How ``lam="auto"`` chooses. ``"evidence"``: the highest marginal
        likelihood (evidence) of the hierarchical model :math:`w_t = w_0 + v_t`
        (empirical Bayes, `mtl_core.models.evidence`), which uses every
        training sample and places ``lam`` between STL and pooling even with a
        few samples per task. ``"cv"``: the best held-out score (``scoring``,
        accuracy by default) of stratified ``cv``-fold cross-validation (ties to
        the weakest ``lam``). ``"evidence+cv"``: the highest evidence among the
        values tied at the best cross-validated score (frequent with few samples per task), so
        that cross-validation vetoes sharing that predicts worse and the
        evidence, not the weakest value, settles the ties (see
        `mtl_core.models.cv.select_strength_batch`).
    cv_repeats : int, default=1
        Fold assignments averaged in cross-validation (repeated stratified
        k-fold; 1 is plain k-fold).
    solver, learning_rate, n_epochs, n_snapshots, cv, scoring, max_iter, random_state
        As in `SingleTaskLogistic`; in gradient-descent training ``v_t`` and
        ``b_t`` move along their task's gradient, :math:`w_0` along the
        average of the task gradients.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
        :math:`w_0 + v_t`.
    intercept_ : ndarray of shape (n_tasks,)
    shared_coef_ : ndarray of shape (n_features,)
        :math:`w_0`.
    offsets_ : ndarray of shape (n_tasks, n_features)
        :math:`v_t`.
    lam_ : float
        The strength used (the automatic choice when ``lam="auto"``).
    evidence_results_ : dict or None
        With ``lam="auto"`` and an evidence rule: ``grid``, ``log_evidence`` (one
        value per grid value, up to a constant) and ``best`` (and the CV curves
        with ``"evidence+cv"``).
    cv_results_, n_iter_, converged_, history_
        As in `SingleTaskLogistic` (``cv_results_`` with the CV rules).
    """

    _strength = "lam"
    _task_blocks = ("V", "b")

    def __init__(
        self,
        lam: float | str = "auto",
        alpha: float = 0.01,
        *,
        lam_grid=None,
        selection: str = "evidence+cv",
        cv_repeats: int = 1,
        solver: str = "auto",
        learning_rate: float = 0.5,
        n_epochs: int = 100,
        n_snapshots: int = 100,
        cv: int = 5,
        scoring: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
        max_iter: int = 100,
        random_state: int = 0,
    ):
        self.lam = lam
        self.alpha = alpha
        self.lam_grid = lam_grid
        self.selection = selection
        self.cv_repeats = cv_repeats
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
        return "MTL (mean-regularized)"

    def _hyper_names(self):
        return ("lam", "alpha")

    def _check_hyper(self):
        super()._check_hyper()
        if self.selection not in ("evidence+cv", "evidence", "cv"):
            raise ValueError(f'selection must be "evidence+cv", "evidence" or "cv", got {self.selection!r}.')
        r = self.cv_repeats
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 1:
            raise ValueError(f"cv_repeats must be a positive integer, got {r!r}.")

    def log_evidence_batch(self, batch: TaskBatch, hp: dict[str, np.ndarray]) -> np.ndarray:
        """Log-evidence of every problem of ``batch`` at its ``lam`` and ``alpha``, shape (B,).

        See `mtl_core.models.evidence.mean_regularized_log_evidence` (up to a constant).
        """
        return mean_regularized_log_evidence(batch, hp["lam"], hp["alpha"])

    def _default_grid(self):
        return np.asarray(self.lam_grid, dtype=float) if self.lam_grid is not None else np.logspace(-4, 2, 13)

    def _init_params(self, batch: TaskBatch, hp: dict) -> dict:
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        return {"w0": np.zeros((B, d)), "V": np.zeros((B, T, d)), "b": np.zeros((B, T))}

    def _smooth(self, params, batch, hp, need_grad=True):
        w0, V, b = params["w0"], params["V"], params["b"]
        T = V.shape[1]
        lam, a = hp["lam"], hp["alpha"]
        L, gW, gb = linear_data_term(w0[:, None, :] + V, b, batch, need_grad)
        f = np.mean(L + 0.5 * lam[:, None] * np.sum(V * V, axis=-1), axis=-1) + 0.5 * a * np.sum(w0 * w0, axis=-1)
        if not need_grad:
            return f, None
        return f, {
            "w0": gW.mean(1) + a[:, None] * w0,
            "V": (gW + lam[:, None, None] * V) / T,
            "b": gb / T,
        }

    def _decision(self, params, X):
        W = params["w0"][..., None, :] + params["V"]
        return (X @ W[..., None])[..., 0] + params["b"][..., None]

    def _linear(self, params, batch):
        return params["w0"][..., None, :] + params["V"], params["b"]

    _cv_warm_start = True
    _cv_tol = NEWTON_CV_TOL

    def _solve(self, batch, hp, callback=None, tol=None, init=None):
        def run(sub, sub_hp, start, max_iter, cb_params):
            cb = None if cb_params is None else (lambda w0, V, b: cb_params({"w0": w0, "V": V, "b": b}))
            w0, V, b, n_iter, conv = newton_mean_regularized(
                sub.X, sub.s, sub.sw, sub_hp["lam"], sub_hp["alpha"], init=(start["w0"], start["V"], start["b"]),
                tol=NEWTON_TOL if tol is None else tol, max_iter=max_iter, callback=cb,
            )
            return {"w0": w0, "V": V, "b": b}, n_iter, conv

        return self._in_rounds(batch, hp, init, run, self._newton_round, callback)

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        self.shared_coef_ = self.params_["w0"]
        self.offsets_ = self.params_["V"]
