r"""Single-task learning (STL): one ridge logistic regression per task, no sharing.

For each task independently

.. math:: \min_{w_t, b_t}\; L_t(w_t, b_t) + \frac{\alpha}{2}\|w_t\|^2,
   \qquad L_t(w, b) = \frac{1}{n_t}\sum_i \log(1 + e^{-s_i (w \cdot x_i + b)}),

with the intercept unpenalized. This is scikit-learn's
``LogisticRegression(C=1/(n_t*alpha))`` on each task. The model's reported
objective is the average over tasks of the task objectives.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..batch import TaskBatch
from ..solvers import NEWTON_CV_TOL, NEWTON_TOL, newton_logistic
from ._base import MTLEstimator, linear_data_term


class SingleTaskLogistic(MTLEstimator):
    r"""Independent ridge logistic regression per task (the STL baseline).

    Objective (reported as the mean over tasks; each task is minimized on its own):

    .. math:: F = \frac{1}{T}\sum_t \Big[L_t(w_t, b_t) + \frac{\alpha}{2}\|w_t\|^2\Big]

    Parameters
    ----------
    alpha : float >= 0 or "auto", default=0.01
        Ridge strength; "auto" picks it by stratified k-fold cross-validation.
    solver : {"auto", "gd"}, default="auto"
        "auto": batched damped Newton to relative suboptimality far below 1e-6.
        "gd": the textbook full-batch gradient descent for ``n_epochs`` epochs
        at ``learning_rate`` (each task's parameters move along its own
        objective's gradient); the history then keeps parameter snapshots.
    learning_rate : float, default=0.5
    n_epochs : int, default=100
    n_snapshots : int, default=100
        Parameter snapshots kept in gradient-descent training: every
        ``ceil(n_epochs / n_snapshots)``-th epoch plus the start and the last
        epoch (so at most ``n_snapshots + 1``).
    cv : int, default=5
        Folds for ``alpha="auto"``.
    scoring : {"accuracy", "balanced_accuracy", "roc_auc", "log_loss"} or callable, default="accuracy"
        What ``alpha="auto"`` maximizes (minimizes, for ``"log_loss"``) on every task's
        held-out samples pooled over folds, averaged over tasks. On imbalanced tasks
        accuracy stays near the majority rate whatever the strength: ``"roc_auc"`` or
        ``"balanced_accuracy"`` discriminate. A callable is
        ``scoring(y_true, decision_values) -> float`` for one task (labels in {0, 1},
        the model's logits; larger is better), e.g. ``sklearn.metrics.roc_auc_score``
        (see `mtl_core.models.cv`).
    max_iter : int, default=100
        Newton iterations.
    random_state : int, default=0
        Seed of the cross-validation folds.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    alpha_ : float
        The strength used (the CV choice when ``alpha="auto"``).
    cv_results_ : dict or None
        ``grid``, ``mean_score`` (of ``scoring``), ``mean_accuracy``, ``mean_loss``,
        ``std_loss``, ``scoring``, ``n_folds`` and ``best`` of the CV.
    n_iter_ : int
    converged_ : bool
    history_ : dict of ndarray
        ``iteration``, ``objective``, ``train_loss`` (and ``test_loss`` with
        ``eval_set``); with ``solver="gd"`` also ``epoch``, ``params``,
        ``coef`` (n_snapshots, n_tasks, n_features) and ``intercept``.
    """

    _strength = "alpha"
    _task_blocks = ("W", "b")

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
        return "STL"

    def _init_params(self, batch: TaskBatch, hp: dict) -> dict:
        B, T, d = batch.n_batch, batch.n_tasks, batch.n_features
        return {"W": np.zeros((B, T, d)), "b": np.zeros((B, T))}

    def _smooth(self, params, batch, hp, need_grad=True):
        W, b = params["W"], params["b"]
        T = W.shape[1]
        a = hp["alpha"][:, None]
        L, gW, gb = linear_data_term(W, b, batch, need_grad)
        f = np.mean(L + 0.5 * a * np.sum(W * W, axis=-1), axis=-1)
        if not need_grad:
            return f, None
        return f, {"W": (gW + a[..., None] * W) / T, "b": gb / T}

    def _decision(self, params, X):
        return (X @ params["W"][..., None])[..., 0] + params["b"][..., None]

    def _linear(self, params, batch):
        return params["W"], params["b"]

    _cv_warm_start = True
    _cv_tol = NEWTON_CV_TOL

    def _solve(self, batch, hp, callback=None, tol=None, init=None):
        def run(sub, sub_hp, start, max_iter, cb_params):
            cb = None if cb_params is None else (lambda w, b: cb_params({"W": w, "b": b}))
            W, b, n_iter, conv = newton_logistic(
                sub.X, sub.s, sub.sw, sub_hp["alpha"][:, None], w_init=start["W"], b_init=start["b"],
                tol=NEWTON_TOL if tol is None else tol, max_iter=max_iter, callback=cb,
            )
            return {"W": W, "b": b}, n_iter.max(axis=-1), conv.all(axis=-1)

        return self._in_rounds(batch, hp, init, run, self._newton_round, callback)
