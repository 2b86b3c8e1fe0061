"""Shared machinery of every estimator: validation, fit, predict, score, history, CV.

A model class describes *its* objective through a handful of batched methods
(parameters carry a leading batch axis ``B``):

- ``_init_params(batch, hp)``: a starting point;
- ``_smooth(params, batch, hp, need_grad)``: the smooth part of the objective
  (data term and ridge terms), shape (B,), and its gradient;
- ``_penalty(params, hp)`` / ``_prox(params, step, hp)``: the nonsmooth part and
  its proximal operator (zero / identity for smooth models);
- ``_decision(params, X)``: scores of shape (B, T, N);
- ``_solve(batch, hp, callback, tol[, init])``: the fast default solver (``tol``
  overrides its tolerance where it has one; convex models also take a starting
  point ``init`` and set ``_cv_warm_start``);
- ``_linear(params, batch)``: per-task weights and intercepts (``batch`` is the
  training data, needed only by nonlinear models' linear summaries);
- ``_gd_blocks``: which parameters are task-specific (moved by their own task's
  gradient in gradient-descent training) and which are shared.

The base class turns that into the scikit-learn style estimator, the
cross-validated ``"auto"`` strength and the classic gradient-descent training.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Sequence

import numpy as np

from .._validation import check_predict_X, check_strength, check_task_index, check_tasks
from ..batch import TaskBatch, pack_tasks, weighted_xt
from ..loss import expit, log1pexp, logistic_loss_terms
from ..solvers import gradient_descent, prox_residual
from ..exceptions import ConvergenceWarning, DivergenceError
from .cv import CV_TOL

Params = dict[str, np.ndarray]


def linear_data_term(
    W: np.ndarray, b: np.ndarray, batch: TaskBatch, need_grad: bool = True
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Per-task losses :math:`L_t` and their gradients for linear scores.

    Parameters
    ----------
    W : ndarray of shape (B, T, d)
    b : ndarray of shape (B, T)

    Returns
    -------
    L : ndarray of shape (B, T)
    gW : ndarray of shape (B, T, d) or None
    gb : ndarray of shape (B, T) or None
    """
    z = (batch.X @ W[..., None])[..., 0] + b[..., None]
    if not need_grad:
        return np.sum(batch.sw * log1pexp(-batch.s * z), axis=-1), None, None
    loss, dl, _ = logistic_loss_terms(z, batch.s, need_hessian=False)
    r = batch.sw * dl
    return np.sum(batch.sw * loss, axis=-1), weighted_xt(r, batch.X), r.sum(-1)


def mean_log_loss(z: np.ndarray, s: np.ndarray, sw: np.ndarray) -> np.ndarray:
    """Weighted per-task log-loss for scores ``z``: shape (..., T)."""
    return np.sum(sw * log1pexp(-s * z), axis=-1)


class MTLEstimator:
    """Base class of every model; see the module docstring for the contract."""

    #: name of the hyperparameter that accepts "auto"
    _strength: str = "alpha"
    #: names of task-specific parameter blocks (the others are shared across tasks)
    _task_blocks: tuple[str, ...] = ()
    #: Convex models: cross-validation may start its fold fits from the full-data fits
    #: (the same optimum from any start, reached in fewer iterations); ``_solve`` takes ``init``.
    _cv_warm_start: bool = False
    #: Newton iterations per round of `_in_rounds`.
    _newton_round: int = 3
    #: Tolerance of the fits inside cross-validation (their predictions only are used).
    _cv_tol: float = CV_TOL

    # ------------------------------------------------------------------ params
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """Hyperparameters as passed to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "MTLEstimator":
        """Set hyperparameters; returns self."""
        for k, v in params.items():
            if k not in self._param_names():
                raise ValueError(f"{type(self).__name__} has no parameter {k!r}.")
            setattr(self, k, v)
        return self

    def clone(self, **params: Any) -> "MTLEstimator":
        """An unfitted copy with the same (or updated) hyperparameters."""
        p = self.get_params()
        p.update(params)
        return type(self)(**p)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    @property
    def name(self) -> str:
        """Short display name (used in tables and plot legends)."""
        return type(self).__name__

    # ------------------------------------------------------- hyperparameters
    def _hyper(self, batch_size: int, strength_value: float | None = None) -> dict[str, np.ndarray]:
        """Hyperparameter arrays of shape (B,) for the batched methods."""
        hp = {}
        for name in self._hyper_names():
            value = getattr(self, name)
            if name == self._strength and strength_value is not None:
                value = strength_value
            if isinstance(value, str):
                raise ValueError(f'{name}="auto" must be resolved by cross-validation before fitting a batch.')
            hp[name] = np.full(batch_size, float(value))
        return hp

    def _hyper_names(self) -> tuple[str, ...]:
        return ("alpha",)

    def _check_hyper(self) -> None:
        for name in self._hyper_names():
            value = check_strength(getattr(self, name), name, allow_zero=True)
            if value == "auto" and name != self._strength:
                raise ValueError(f'Only {self._strength} accepts "auto" in {type(self).__name__}; {name} must be a number.')
        if self.solver not in ("auto", "gd"):
            raise ValueError(f'solver must be "auto" or "gd", got {self.solver!r}.')
        if self.solver == "gd":
            lr = self.learning_rate
            if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not np.isfinite(lr) or lr <= 0:
                raise ValueError(f"learning_rate must be a positive number, got {lr!r}.")
            if isinstance(self.n_epochs, bool) or not isinstance(self.n_epochs, (int, np.integer)) or self.n_epochs < 1:
                raise ValueError(f"n_epochs must be a positive integer, got {self.n_epochs!r}.")
            ns = self.n_snapshots
            if isinstance(ns, bool) or not isinstance(ns, (int, np.integer)) or ns < 1:
                raise ValueError(f"n_snapshots must be a positive integer, got {ns!r}.")
        if not isinstance(self.cv, (int, np.integer)) or isinstance(self.cv, bool) or self.cv < 2:
            raise ValueError(f"cv must be an integer >= 2, got {self.cv!r}.")
        if isinstance(getattr(self, self._strength), str):  # "auto": the candidates must be valid strengths
            grid_name = f"{self._strength}_grid"
            try:
                grid = np.asarray(self._default_grid(), dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"{grid_name} must be a list of numbers >= 0, got {getattr(self, grid_name, None)!r}.") from None
            if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
                raise ValueError(f"{grid_name} must be a non-empty list of finite numbers >= 0, got {grid.tolist()!r}.")

    def _default_grid(self) -> np.ndarray:
        # Above ~1 the ridge shrinks w until the intercept alone decides: constant predictions.
        return np.logspace(-4, 0, 9)

    # ------------------------------------------------------------ batched API
    def _init_params(self, batch: TaskBatch, hp: dict[str, np.ndarray]) -> Params:  # pragma: no cover
        raise NotImplementedError

    def _smooth(self, params: Params, batch: TaskBatch, hp: dict, need_grad: bool = True):  # pragma: no cover
        raise NotImplementedError

    def _penalty(self, params: Params, hp: dict) -> np.ndarray:
        return np.zeros(next(iter(params.values())).shape[0])

    def _prox(self, params: Params, step: np.ndarray, hp: dict) -> Params:
        return params

    def _decision(self, params: Params, X: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _linear(self, params: Params, batch: TaskBatch) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        """Per-task weights (B, T, d) and intercepts (B, T) of the model."""
        raise NotImplementedError

    def _solve(self, batch: TaskBatch, hp: dict, callback=None, tol: float | None = None) -> tuple[Params, np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def _retract(self, params: Params) -> Params:
        return params

    def objective_batch(self, params: Params, batch: TaskBatch, hp: dict) -> np.ndarray:
        """The model's objective for a batch of parameter sets, shape (B,)."""
        return self._smooth(params, batch, hp, False)[0] + self._penalty(params, hp)

    def data_loss_batch(self, params: Params, batch: TaskBatch) -> np.ndarray:
        """Per-task mean log-loss, shape (B, T)."""
        return mean_log_loss(self._decision(params, batch.X), batch.s, batch.sw)

    def fit_batch(
        self, batch: TaskBatch, hp: dict[str, np.ndarray], callback=None, tol: float | None = None,
        init: Params | None = None,
    ) -> tuple[Params, np.ndarray, np.ndarray]:
        """Fit the model on every problem of ``batch`` with the default solver.

        ``tol`` overrides the solver's tolerance where it has one (cross-validation
        fits only need their predictions, not a certificate); ``init`` is a starting
        point (convex models only, see ``_cv_warm_start``).
        Returns the parameters (leading axis B), the iteration counts and the
        convergence flags, both of shape (B,).
        """
        if init is None:
            return self._solve(batch, hp, callback, tol)
        return self._solve(batch, hp, callback, tol, init=init)

    def _in_rounds(self, batch: TaskBatch, hp: dict, init: Params | None, run, round_iter: int, callback=None):
        """Run an iterative solver in rounds of ``round_iter`` iterations on the problems still going.

        ``run(sub_batch, sub_hp, start, max_iter, callback)`` returns ``(params,
        n_iter, converged)`` for the problems of ``sub_batch``, started at
        ``start``; dropping the finished problems between rounds keeps a few slow
        ones (small folds, weak penalties) from keeping the whole batch busy.
        A single problem runs in one round. Newton's state is its current point
        only, so its rounds make the same iterations as one long run; FISTA
        restarts its momentum each round.
        """
        params = self._init_params(batch, hp) if init is None else {k: np.array(v, dtype=float) for k, v in init.items()}
        B = batch.n_batch
        n_iter = np.zeros(B, dtype=int)
        converged = np.zeros(B, dtype=bool)
        idx = np.arange(B)
        while idx.size and int(n_iter[idx].max()) < self.max_iter:
            budget = self.max_iter - int(n_iter[idx].max())
            if idx.size > 1:
                budget = min(budget, round_iter)
            whole = idx.size == B
            sub = batch if whole else batch.subset(idx)
            sub_hp = hp if whole else {k: v[idx] for k, v in hp.items()}
            p, n, conv = run(sub, sub_hp, {k: v[idx] for k, v in params.items()}, budget, callback)
            for k in params:
                params[k][idx] = p[k]
            n_iter[idx] += n
            converged[idx] = conv
            idx = idx[~conv]
        return params, n_iter, converged

    def _gd(self, batch: TaskBatch, hp: dict, callback=None) -> Params:
        """Classic full-batch gradient descent (see ``fit``)."""
        T = batch.n_tasks
        init = self._init_params(batch, hp)
        scale = {k: (T if k in self._task_blocks else 1.0) for k in init}

        def smooth(p, need_grad):
            f, g = self._smooth(p, batch, hp, need_grad)
            if g is not None:
                g = {k: v * scale[k] for k, v in g.items()}
            return f, g

        return gradient_descent(
            init,
            smooth,
            lambda p, step: self._prox(p, step * T, hp),
            learning_rate=self.learning_rate,
            n_epochs=int(self.n_epochs),
            callback=callback,
            retract=self._retract,
        )

    # ------------------------------------------------------------- estimator
    def fit(
        self,
        Xs: Sequence[np.ndarray],
        ys: Sequence[np.ndarray],
        eval_set: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    ) -> "MTLEstimator":
        """Fit on lists of per-task data.

        Parameters
        ----------
        Xs : list of ndarray of shape (n_t, n_features)
        ys : list of ndarray of shape (n_t,)
            Labels in {0, 1}; every task needs both classes.
        eval_set : (Xs_test, ys_test), optional
            Held-out data whose loss is recorded in ``history_["test_loss"]``.

        Returns
        -------
        self
        """
        Xs, ys, batch, eval_batch = self._check_and_pack(Xs, ys, eval_set)
        self.n_tasks_ = len(Xs)
        self.n_features_in_ = Xs[0].shape[1]
        hp, start = self._choose_strength(Xs, ys)
        params, n_iter, converged, history = self._fit_with_history(batch, eval_batch, hp, start)
        self._store_fit(params, n_iter, converged, history, batch)
        return self

    def _check_and_pack(
        self,
        Xs: Sequence[np.ndarray],
        ys: Sequence[np.ndarray],
        eval_set: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None,
    ) -> tuple[list[np.ndarray], list[np.ndarray], TaskBatch, TaskBatch | None]:
        """Check the hyperparameters and the data (``fit``, step 1).

        Returns the checked training data, packed as a batch of one problem as well, and
        ``eval_set`` packed likewise (None without one).
        """
        self._check_hyper()
        Xs, ys = check_tasks(Xs, ys)
        batch = pack_tasks(Xs, ys)
        eval_batch = None
        if eval_set is not None:
            Xe, ye = check_tasks(eval_set[0], eval_set[1], n_features=Xs[0].shape[1], require_both_classes=False, min_samples=1)
            if len(Xe) != len(Xs):
                raise ValueError(f"eval_set has {len(Xe)} tasks, but the training data has {len(Xs)}.")
            eval_batch = pack_tasks(Xe, ye)
        return Xs, ys, batch, eval_batch

    def _choose_strength(self, Xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[dict[str, np.ndarray], Params | None]:
        """The strength to fit at (``fit``, step 2): the fixed value, or the one ``"auto"`` selects.

        Sets ``<strength>_``, ``cv_results_`` and ``evidence_results_`` (None unless the
        selection used that rule) and ``_hp_``. Returns the hyperparameter arrays and the
        exact solver's starting point: the selection's whole-data fit at the chosen value
        (warm-started models), else None (a start of the model's own).
        """
        strength = getattr(self, self._strength)
        self.cv_results_ = None
        self.evidence_results_ = None
        start = None
        if isinstance(strength, str):  # "auto"
            from .cv import select_strength

            results = select_strength(self, Xs, ys)
            if "mean_accuracy" in results:
                self.cv_results_ = results
            if "log_evidence" in results:
                self.evidence_results_ = results
            chosen = results["best"]
            # The selection already fitted the whole data at the chosen value (to its looser
            # tolerance): the exact solver finishes from there.
            start = results.pop("chosen_fit", None)
            if self.solver == "gd":
                start = None  # gradient descent trains from its own start
        else:
            chosen = float(strength)
        setattr(self, self._strength + "_", chosen)
        hp = self._hyper(1, chosen)
        self._hp_ = hp
        return hp, start

    def _fit_with_history(
        self, batch: TaskBatch, eval_batch: TaskBatch | None, hp: dict[str, np.ndarray], start: Params | None,
    ) -> tuple[Params, np.ndarray, np.ndarray, dict[str, list]]:
        """Fit with the chosen solver, recording every iteration (``fit``, step 3).

        The history holds, per iteration, the objective and the mean training loss (and
        the held-out loss with ``eval_batch``); gradient descent also keeps parameter
        snapshots (about ``n_snapshots``). Gradient descent that overflows raises
        `DivergenceError`; one that ends above its start warns. Returns the parameters
        (leading batch axis of 1), the iteration count, the convergence flag (shape (1,))
        and the history.
        """
        history: dict[str, list] = {"iteration": [], "objective": [], "train_loss": []}
        if eval_batch is not None:
            history["test_loss"] = []
        if self.solver == "gd":
            history.update({"epoch": [], "params": []})
        snap_every = max(1, int(np.ceil(int(self.n_epochs) / self.n_snapshots))) if self.solver == "gd" else 1

        def record(it: int, params: Params) -> None:
            history["iteration"].append(it)
            history["objective"].append(float(self.objective_batch(params, batch, hp)[0]))
            history["train_loss"].append(float(self.data_loss_batch(params, batch)[0].mean()))
            if eval_batch is not None:
                history["test_loss"].append(float(self.data_loss_batch(params, eval_batch)[0].mean()))
            if self.solver == "gd" and (it % snap_every == 0 or it == int(self.n_epochs)):
                history["epoch"].append(it)
                history["params"].append({k: v[0].copy() for k, v in params.items()})

        if self.solver == "gd":
            # A too-large learning rate overflows: let it, then say so clearly.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                params = self._gd(batch, hp, callback=record)
            if not all(np.all(np.isfinite(v)) for v in params.values()) or not np.isfinite(history["objective"][-1]):
                raise DivergenceError(
                    f"Gradient descent diverged with learning_rate={self.learning_rate}; use a smaller learning rate."
                )
            if history["objective"][-1] > history["objective"][0]:
                warnings.warn(
                    f"Gradient descent ended with a higher objective ({history['objective'][-1]:.4g}) than it started "
                    f"with ({history['objective'][0]:.4g}): learning_rate={self.learning_rate} is too large.",
                    ConvergenceWarning,
                    stacklevel=3,  # fit's caller
                )
            n_iter = np.array([int(self.n_epochs)])
            converged = self._residual(params, batch, hp) <= 1e-6
        else:
            counter = {"it": 0}
            record(0, self._init_params(batch, hp) if start is None else start)

            def cb(params: Params) -> None:
                counter["it"] += 1
                record(counter["it"], params)

            params, n_iter, converged = self.fit_batch(batch, hp, cb, init=start)
        return params, n_iter, converged, history

    def _store_fit(
        self, params: Params, n_iter: np.ndarray, converged: np.ndarray, history: dict[str, list], batch: TaskBatch,
    ) -> None:
        """Set the fitted attributes (``fit``, step 4); warn if the exact solver stopped before its tolerance."""
        self.params_ = {k: v[0] for k, v in params.items()}
        self.n_iter_ = int(n_iter[0])
        self.converged_ = bool(converged[0])
        self.history_ = {k: (np.asarray(v) if k not in ("params",) else v) for k, v in history.items()}
        if self.solver == "gd":
            self.history_["coef"], self.history_["intercept"] = self._snapshot_coefs(history["params"], batch)
        self._set_fitted_attributes(batch)
        if not self.converged_ and self.solver != "gd":
            warnings.warn(
                f"{self.name} stopped after {self.n_iter_} iterations before reaching its tolerance; "
                f"{self._stopped_early_hint(batch)}",
                ConvergenceWarning,
                stacklevel=3,  # fit's caller
            )

    def _stopped_early_hint(self, batch: TaskBatch) -> str:
        """The end of the warning when the exact solver stops early: its likely cause on ``batch``."""
        return "the solution may be inaccurate (is the data separable with alpha=0?)."

    def _snapshot_coefs(self, snapshots: list[Params], batch: TaskBatch) -> tuple[np.ndarray, np.ndarray]:
        if not snapshots:
            return np.zeros((0, self.n_tasks_, self.n_features_in_)), np.zeros((0, self.n_tasks_))
        stacked = {k: np.stack([s[k] for s in snapshots]) for k in snapshots[0]}
        return self._linear(stacked, batch)

    def _set_fitted_attributes(self, batch: TaskBatch) -> None:
        W, b = self._linear({k: v[None] for k, v in self.params_.items()}, batch)
        self.coef_ = W[0]
        self.intercept_ = b[0]

    def _residual(self, params: Params, batch: TaskBatch, hp: dict) -> np.ndarray:
        return prox_residual(params, lambda p, g: self._smooth(p, batch, hp, g), lambda p, st: self._prox(p, st, hp))

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError(f"This {self.name} is not fitted yet; call fit(Xs, ys) first.")

    # --------------------------------------------------------------- predict
    def decision_function(self, X: np.ndarray, task: int = 0, params: Params | None = None) -> np.ndarray:
        """Raw scores of ``task`` on ``X``; ``params`` (e.g. a history snapshot) overrides the fitted ones.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        self._check_fitted()
        X = check_predict_X(X, self.n_features_in_)
        task = check_task_index(task, self.n_tasks_)
        p = self.params_ if params is None else params
        Xb = np.zeros((1, self.n_tasks_, X.shape[0], X.shape[1]))
        Xb[0, task] = X
        return self._decision({k: np.asarray(v)[None] for k, v in p.items()}, Xb)[0, task]

    def decision_functions(self, Xs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Raw scores of every task on its own samples, in one pass over the tasks.

        The same as ``[decision_function(Xs[t], t) for t in range(n_tasks)]``, which
        would score every task for each one.

        Parameters
        ----------
        Xs : list of n_tasks ndarray of shape (n_t, n_features)

        Returns
        -------
        list of ndarray of shape (n_t,)
        """
        self._check_fitted()
        if len(Xs) != self.n_tasks_:
            raise ValueError(f"Got samples of {len(Xs)} tasks, but the model was fitted on {self.n_tasks_}.")
        Xs = [check_predict_X(X, self.n_features_in_) for X in Xs]
        Xb = np.zeros((1, self.n_tasks_, max(len(X) for X in Xs), self.n_features_in_))
        for t, X in enumerate(Xs):
            Xb[0, t, : len(X)] = X
        z = self._decision({k: np.asarray(v)[None] for k, v in self.params_.items()}, Xb)[0]
        return [z[t, : len(X)] for t, X in enumerate(Xs)]

    def predict_proba(self, X: np.ndarray, task: int = 0, params: Params | None = None) -> np.ndarray:
        """Probability of class 1 for each row of ``X`` under ``task``'s model, shape (n_samples,)."""
        return expit(self.decision_function(X, task, params))

    def predict(self, X: np.ndarray, task: int = 0, params: Params | None = None) -> np.ndarray:
        """Predicted labels in {0, 1}, shape (n_samples,)."""
        return (self.decision_function(X, task, params) > 0).astype(np.int64)

    def score(self, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> np.ndarray:
        """Accuracy of every task on its own data, ndarray of shape (n_tasks,)."""
        self._check_fitted()
        Xs, ys = check_tasks(Xs, ys, n_features=self.n_features_in_, require_both_classes=False, min_samples=1)
        if len(Xs) != self.n_tasks_:
            raise ValueError(f"Expected data for {self.n_tasks_} tasks, got {len(Xs)}.")
        return np.array([np.mean(self.predict(X, t) == y) for t, (X, y) in enumerate(zip(Xs, ys))])

    def log_loss(self, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> np.ndarray:
        """Mean log-loss of every task on its own data, ndarray of shape (n_tasks,)."""
        self._check_fitted()
        Xs, ys = check_tasks(Xs, ys, n_features=self.n_features_in_, require_both_classes=False, min_samples=1)
        if len(Xs) != self.n_tasks_:
            raise ValueError(f"Expected data for {self.n_tasks_} tasks, got {len(Xs)}.")
        batch = pack_tasks(Xs, ys)
        return self.data_loss_batch({k: v[None] for k, v in self.params_.items()}, batch)[0]

    def objective(self, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], params: Params | None = None) -> float:
        """Value of the model's objective (see the class docstring) at the fitted or given parameters."""
        self._check_fitted()
        Xs, ys = check_tasks(Xs, ys, n_features=self.n_features_in_)
        if len(Xs) != self.n_tasks_:
            raise ValueError(f"Expected data for {self.n_tasks_} tasks, got {len(Xs)}.")
        batch = pack_tasks(Xs, ys)
        p = self.params_ if params is None else params
        return float(self.objective_batch({k: np.asarray(v)[None] for k, v in p.items()}, batch, self._hp_)[0])

    def optimality_residual(self, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> float:
        """Proximal fixed-point residual of the objective at the fitted parameters (0 at the optimum)."""
        self._check_fitted()
        Xs, ys = check_tasks(Xs, ys, n_features=self.n_features_in_)
        if len(Xs) != self.n_tasks_:
            raise ValueError(f"Expected data for {self.n_tasks_} tasks, got {len(Xs)}.")
        batch = pack_tasks(Xs, ys)
        return float(self._residual({k: v[None] for k, v in self.params_.items()}, batch, self._hp_)[0])

    def snapshot(self, index: int) -> Params:
        """Parameters stored at ``history_["epoch"][index]`` (gradient-descent training only)."""
        self._check_fitted()
        if "params" not in self.history_:
            raise ValueError('Snapshots are kept only when training with solver="gd".')
        return self.history_["params"][index]
