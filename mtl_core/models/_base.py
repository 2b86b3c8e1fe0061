"""Shared machinery of every estimator: validation, fit, predict, score, history, CV.

A model class describes *its* objective through a handful of batched hooks
(private: the base class calls them, other modules use the public interface of
`MTLEstimator`; parameters carry a leading batch axis ``B``):

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
- ``_task_blocks``: which parameters are task-specific (moved by their own task's
  gradient in gradient-descent training) and which are shared;
- class attributes ``_strength`` (the parameter that accepts ``"auto"``),
  ``_cv_warm_start``, ``_cv_tol``; methods ``_hyper_names`` (the numeric
  hyperparameters), ``_default_grid`` (the candidates of ``"auto"``) and
  ``_check_hyper`` (validation at fit time, calling ``super()``).

The base class turns that into a scikit-learn estimator (`sklearn.base.BaseEstimator`
with classifier tags: ``clone``, ``get_params(deep)``, ``set_params``, repr,
``NotFittedError``), the cross-validated ``"auto"`` strength and the classic
gradient-descent training, and exposes the public batched interface that
`mtl_core.models.cv`, `mtl_core.experiments` and the dashboard use (see
`MTLEstimator`).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import check_predict_X, check_strength, check_task_index, check_tasks
from ..batch import TaskBatch, pack_tasks, weighted_xt
from ..loss import expit, log1pexp, logistic_loss_terms
from ..solvers import gradient_descent, prox_residual
from ..exceptions import ConvergenceWarning, DivergenceError
from ..metrics import check_scoring, per_task_scores
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


class _HookAlias:
    """Read-only public name of a class attribute that model classes set under its hook name.

    Model classes keep setting ``_strength``, ``_cv_warm_start`` and ``_cv_tol``;
    callers in other modules read ``strength_param``, ``cv_warm_start`` and
    ``cv_tol``, on the class or on an instance.
    """

    def __init__(self, hook: str):
        self.hook = hook

    def __get__(self, obj: Any, owner: type) -> Any:
        return getattr(owner, self.hook)


class MTLEstimator(ClassifierMixin, BaseEstimator):
    """Base class of every model: a scikit-learn classifier over lists of tasks.

    Subclasses implement the hooks listed in the module docstring and an
    ``__init__`` that only stores its parameters (scikit-learn's rule, which
    ``sklearn.base.clone`` checks), among them ``solver``, ``learning_rate``,
    ``n_epochs``, ``n_snapshots``, ``cv``, ``scoring`` (read as ``"accuracy"``
    if absent), ``max_iter`` and ``random_state``. Every estimator then has:

    - scikit-learn's ``get_params(deep=True)``, ``set_params``, repr, tags
      (``sklearn.base.is_classifier`` is True) and ``sklearn.base.clone``;
      methods that need a fit raise ``sklearn.exceptions.NotFittedError`` (a
      ValueError) before it, and ``sklearn.utils.validation.check_is_fitted`` works;
    - ``fit(Xs, ys)`` on lists of per-task arrays; ``predict(X, task)``,
      ``predict_proba(X, task)`` and ``decision_function(X, task)`` for one task
      (``task`` is required, 0-based); ``score(Xs, ys)``: one number, the mean
      over tasks of the per-task accuracy; ``task_scores(Xs, ys, metric)``: one
      value per task.

    Public batched interface (used by `mtl_core.models.cv`, `mtl_core.experiments`
    and the dashboard; parameters and hyperparameter arrays carry a leading batch
    axis ``B`` of independent problems):

    strength_param : str
        Name of the hyperparameter that accepts ``"auto"`` (``"lam"`` or ``"alpha"``).
    cv_warm_start : bool
        Whether ``fit_batch`` takes a starting point ``init`` (convex models: the
        same optimum from any start), so cross-validation starts its fold fits
        from the whole-data fits.
    cv_tol : float
        Solver tolerance of the fits inside cross-validation (only their
        predictions are used).
    check_params()
        Validate the hyperparameters (``fit`` calls it; ``__init__`` does not).
    strength_grid()
        Candidates of the automatic strength, shape (G,).
    batch_hyperparams(batch_size, strength_value)
        Hyperparameter arrays of shape (B,) for the batched methods.
    fit_batch(batch, hp, callback, tol, init)
        Fit every problem of a `TaskBatch` with the default solver.
    decision_batch(params, X)
        Scores of shape (B, T, N).
    linear_batch(params, batch)
        Per-task weights (B, T, d) and intercepts (B, T).
    objective_batch(params, batch, hp), data_loss_batch(params, batch)
        The objective (B,) and the per-task mean log-loss (B, T).
    """

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

    strength_param = _HookAlias("_strength")
    cv_warm_start = _HookAlias("_cv_warm_start")
    cv_tol = _HookAlias("_cv_tol")

    @property
    def name(self) -> str:
        """Short display name (used in tables and plot legends)."""
        return type(self).__name__

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "params_")

    # ------------------------------------------------------- hyperparameters
    def batch_hyperparams(self, batch_size: int, strength_value: float | None = None) -> dict[str, np.ndarray]:
        """Hyperparameter arrays for the batched methods.

        Parameters
        ----------
        batch_size : int
            B, the number of problems.
        strength_value : float, optional
            Value of the strength (``strength_param``), required when it is ``"auto"``.

        Returns
        -------
        dict of str to ndarray of shape (B,)
            Every numeric hyperparameter, broadcast.
        """
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

    def check_params(self) -> None:
        """Validate the hyperparameters (ValueError with a message naming the bad one); ``fit`` calls it."""
        self._check_hyper()

    def strength_grid(self) -> np.ndarray:
        """Candidates of the automatic strength, ndarray of shape (G,)."""
        return np.asarray(self._default_grid(), dtype=float)

    def decision_batch(self, params: Params, X: np.ndarray) -> np.ndarray:
        """Scores of every problem, task and sample.

        Parameters
        ----------
        params : dict of ndarray with leading axis B
        X : ndarray of shape (B or 1, T, N, d)

        Returns
        -------
        ndarray of shape (B, T, N)
        """
        return self._decision(params, X)

    def linear_batch(self, params: Params, batch: TaskBatch) -> tuple[np.ndarray, np.ndarray]:
        """Per-task weights (B, T, d) and intercepts (B, T) of parameters ``params``.

        ``batch`` is the training data (nonlinear models summarize themselves on it).
        """
        return self._linear(params, batch)

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
        check_scoring(getattr(self, "scoring", "accuracy"))
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
        return mean_log_loss(self.decision_batch(params, batch.X), batch.s, batch.sw)

    def fit_batch(
        self, batch: TaskBatch, hp: dict[str, np.ndarray], callback=None, tol: float | None = None,
        init: Params | None = None,
    ) -> tuple[Params, np.ndarray, np.ndarray]:
        """Fit the model on every problem of ``batch`` with the default solver.

        ``tol`` overrides the solver's tolerance where it has one (cross-validation
        fits only need their predictions, not a certificate); ``init`` is a starting
        point (convex models only, see ``cv_warm_start``); ``callback(params)`` is
        called after every iteration.
        Returns the parameters (leading axis B), the iteration counts and the
        convergence flags, both of shape (B,).
        """
        if init is None:
            return self._solve(batch, hp, callback, tol)
        return self._solve(batch, hp, callback, tol, init=init)

    def _in_rounds(self, batch: TaskBatch, hp: dict, init: Params | None, run, round_iter: int, callback=None,
                   max_iter: int | None = None):
        """Run an iterative solver in rounds of ``round_iter`` iterations on the problems still going.

        At most ``max_iter`` iterations per problem in all (default: the model's ``max_iter``).

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
        limit = int(self.max_iter if max_iter is None else max_iter)
        while idx.size and int(n_iter[idx].max()) < limit:
            budget = limit - int(n_iter[idx].max())
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
        self.classes_ = np.array([0, 1])
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
        hp = self.batch_hyperparams(1, chosen)
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
        check_is_fitted(self, msg=f"This {self.name} is not fitted yet; call fit(Xs, ys) first.")

    def _check_scored_tasks(self, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> tuple[list, list]:
        """Checked per-task data to score: one entry per fitted task, either class alone allowed."""
        self._check_fitted()
        Xs, ys = check_tasks(Xs, ys, n_features=self.n_features_in_, require_both_classes=False, min_samples=1)
        if len(Xs) != self.n_tasks_:
            raise ValueError(f"Expected data for {self.n_tasks_} tasks, got {len(Xs)}.")
        return Xs, ys

    # --------------------------------------------------------------- predict
    def decision_function(self, X: np.ndarray, task: int, params: Params | None = None) -> np.ndarray:
        """Raw scores (logits) of ``task``'s model on ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        task : int
            0-based index of the task whose model scores ``X`` (required: there is
            no default task).
        params : dict of ndarray, optional
            Parameters to score with (e.g. a gradient-descent snapshot) instead of the fitted ones.

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
        return self.decision_batch({k: np.asarray(v)[None] for k, v in p.items()}, Xb)[0, task]

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
        z = self.decision_batch({k: np.asarray(v)[None] for k, v in self.params_.items()}, Xb)[0]
        return [z[t, : len(X)] for t, X in enumerate(Xs)]

    def predict_proba(self, X: np.ndarray, task: int, params: Params | None = None) -> np.ndarray:
        """Class probabilities of the rows of ``X`` under ``task``'s model (see `decision_function`).

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_`` (``[0, 1]``), as in scikit-learn.
        """
        p1 = expit(self.decision_function(X, task, params))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X: np.ndarray, task: int, params: Params | None = None) -> np.ndarray:
        """Predicted labels in {0, 1} of ``task``'s model (see `decision_function`), shape (n_samples,)."""
        return (self.decision_function(X, task, params) > 0).astype(np.int64)

    def score(self, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> float:
        """Accuracy averaged over tasks: the mean of `task_scores` (every task counts equally).

        Each task counts the same whatever its number of samples, as in the
        objectives (which average the per-task mean losses).

        Parameters
        ----------
        Xs : list of n_tasks ndarray of shape (n_t, n_features)
        ys : list of n_tasks ndarray of shape (n_t,)

        Returns
        -------
        float
        """
        return float(np.mean(self.task_scores(Xs, ys, metric="accuracy")))

    def task_scores(
        self,
        Xs: Sequence[np.ndarray],
        ys: Sequence[np.ndarray],
        metric: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
    ) -> np.ndarray:
        """One score per task, each task's model on its own data.

        Parameters
        ----------
        Xs : list of n_tasks ndarray of shape (n_t, n_features)
        ys : list of n_tasks ndarray of shape (n_t,)
        metric : {"accuracy", "balanced_accuracy", "roc_auc", "log_loss"} or callable
            A name of `mtl_core.metrics.METRICS`, or ``metric(y_true, decision_values) -> float``
            (as for ``scoring``). Balanced accuracy and ROC AUC are NaN for a task
            whose data holds one class.

        Returns
        -------
        ndarray of shape (n_tasks,)
        """
        Xs, ys = self._check_scored_tasks(Xs, ys)
        return per_task_scores(metric, self.decision_functions(Xs), ys)

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
