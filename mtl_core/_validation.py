"""Input checks shared by every estimator: clear `ValueError`s that name the task."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def check_tasks(
    Xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    *,
    n_features: int | None = None,
    require_both_classes: bool = True,
    min_samples: int = 2,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Validate lists of per-task features and labels.

    Parameters
    ----------
    Xs : sequence of array-like of shape (n_t, n_features)
        One feature matrix per task.
    ys : sequence of array-like of shape (n_t,)
        One label vector per task, values in {0, 1}.
    n_features : int, optional
        Expected number of features (the fitted model's, at predict time).
    require_both_classes : bool
        Whether every task must contain both classes (needed for fitting).
    min_samples : int
        Minimum number of samples per task.

    Returns
    -------
    Xs, ys : list of ndarray
        float64 features and int64 labels.

    Raises
    ------
    ValueError
        With a message that names the problem and the task.
    """
    if isinstance(Xs, np.ndarray) and Xs.ndim == 2:
        raise ValueError("Xs must be a list with one feature matrix per task, got a single 2-D array.")
    if len(Xs) == 0:
        raise ValueError("At least one task is needed, got an empty list.")
    if len(Xs) != len(ys):
        raise ValueError(f"Xs and ys must have one entry per task, got {len(Xs)} feature matrices and {len(ys)} label vectors.")
    out_X, out_y = [], []
    for t, (X, y) in enumerate(zip(Xs, ys)):
        name = f"task {t}"  # 0-based, as the task argument of predict
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: features must be numeric.") from None
        y = np.asarray(y)
        if X.ndim != 2:
            raise ValueError(f"{name}: features must be a 2-D array (n_samples, n_features), got {X.ndim}-D.")
        if y.ndim != 1:
            raise ValueError(f"{name}: labels must be a 1-D array, got {y.ndim}-D.")
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"{name}: X has {X.shape[0]} samples but y has {y.shape[0]} labels.")
        if X.shape[0] < min_samples:
            raise ValueError(f"{name}: at least {min_samples} samples are needed, got {X.shape[0]}.")
        if n_features is None:
            n_features = X.shape[1]
        if X.shape[1] != n_features:
            raise ValueError(f"{name}: expected {n_features} features, got {X.shape[1]}.")
        if X.shape[1] == 0:
            raise ValueError(f"{name}: X has no features.")
        bad = ~np.isfinite(X)
        if bad.any():
            n_nan = int(np.isnan(X).sum())
            n_inf = int(bad.sum()) - n_nan
            raise ValueError(f"{name}: X contains {n_nan} NaN and {n_inf} infinite values.")
        try:
            yf = y.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: labels must be 0 or 1.") from None
        if not np.all((yf == 0) | (yf == 1)):
            found = np.unique(y[~((yf == 0) | (yf == 1))])[:5]
            raise ValueError(f"{name}: labels must be 0 or 1, found {', '.join(map(str, found))}.")
        if require_both_classes and np.unique(yf).size < 2:
            raise ValueError(f"{name}: needs both classes, but every label is {int(yf[0])}.")
        out_X.append(X)
        out_y.append(yf.astype(np.int64))
    return out_X, out_y


def check_predict_X(X: np.ndarray, n_features: int) -> np.ndarray:
    """Validate features at predict time against the fitted number of features."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("X must be numeric.") from None
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n_samples, n_features), got {X.ndim}-D.")
    if X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features, but the model was fitted with {n_features}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values.")
    return X


def check_task_index(task: int, n_tasks: int) -> int:
    """Validate a task index for predict."""
    if isinstance(task, bool) or not isinstance(task, (int, np.integer)):
        raise ValueError(f"task must be an integer index, got {task!r}.")
    if not 0 <= task < n_tasks:
        raise ValueError(f"task must be in 0..{n_tasks - 1}, got {task}.")
    return int(task)


def check_strength(value, name: str, allow_zero: bool = True):
    """A regularization strength: a finite number >= 0 (> 0 if not allow_zero) or "auto"."""
    if isinstance(value, str):
        if value == "auto":
            return value
        raise ValueError(f'{name} must be a non-negative number or "auto", got {value!r}.')
    if isinstance(value, bool):
        raise ValueError(f'{name} must be a non-negative number or "auto", got {value!r}.')
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f'{name} must be a non-negative number or "auto", got {value!r}.') from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f'{name} must be finite and {bound} (or "auto"), got {value!r}.')
    return v
