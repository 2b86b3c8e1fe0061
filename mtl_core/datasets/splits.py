"""Stratified splits and standardization shared by the data sources, and repeated splits.

* :func:`resample_tasks` draws a new train/test split of a loaded task set
  (learning curves and intervals on real data); it is re-exported by
  :mod:`mtl_core.datasets`.
* :func:`allocate`, :func:`round_half_up`, :func:`standardize_stats` and
  :func:`as_count_list` are the building blocks the digits and CSV loaders share,
  so every source splits and standardizes the same way.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..taskset import TaskSet
from .messages import KIND_ARGUMENT, DataFileError

__all__ = ["allocate", "as_count_list", "resample_tasks", "round_half_up", "standardize_stats"]


def round_half_up(x: float) -> int:
    """``x`` rounded to the nearest int, halves up (``round`` would round 2.5 to 2)."""
    return int(math.floor(x + 0.5))


def allocate(sizes: tuple[int, int], k: int, lo: tuple[int, int], hi: tuple[int, int]) -> tuple[int, int]:
    """Split ``k`` draws between two classes of ``sizes``, proportionally, within bounds.

    Returns ``(k0, k1)`` with ``k0 + k1 == k`` and ``lo[c] <= k_c <= hi[c]``; the
    callers guarantee that such a split exists.
    """
    ideal1 = k * sizes[1] / (sizes[0] + sizes[1])
    low = max(lo[1], k - hi[0])
    high = min(hi[1], k - lo[0])
    if low > high:  # cannot happen for validated inputs
        raise RuntimeError(f"no stratified split of {k} from class sizes {sizes}")
    k1 = min(max(round_half_up(ideal1), low), high)
    return k - k1, k1


def standardize_stats(X_fit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (ddof=0) of each column; a constant column gets std 1."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X_fit.mean(axis=0)
        std = X_fit.std(axis=0)
    # a constant column can come out with a round-off std (e.g. 1e-17): treat as 0
    tiny = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
    std = np.where(tiny, 1.0, std)
    return mean, std


def as_count_list(value: Any, n_tasks: int, name: str) -> list[int]:
    """An int, or one int per task, as a list of ``n_tasks`` ints."""
    if isinstance(value, (bool, np.bool_)):
        raise DataFileError(KIND_ARGUMENT, f"{name} must be an integer or a list of integers, got {value!r}.")
    if isinstance(value, (int, np.integer)):
        return [int(value)] * n_tasks
    try:
        values = list(value)
    except TypeError:
        raise DataFileError(KIND_ARGUMENT, f"{name} must be an integer or a list of integers, got {value!r}.") from None
    if len(values) != n_tasks:
        raise DataFileError(KIND_ARGUMENT, f"{name} must have one entry per task ({n_tasks}), got {len(values)}.")
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise DataFileError(KIND_ARGUMENT, f"{name} must contain integers, got {v!r}.")
        out.append(int(v))
    return out


def resample_tasks(taskset: TaskSet, n_train: int | Sequence[int], seed: int = 0) -> TaskSet:
    """A new stratified train/test split of every task, with ``n_train`` training rows each.

    Each task's training and test rows are pooled and split again (seeded, at
    least one sample of each class in training, proportional to the class
    sizes), and the features are standardized again on the new training rows
    only. Standardization is affine, so re-standardizing the already
    standardized pool equals standardizing the original values. Use it for
    repeated splits (intervals) and learning curves on real data.

    Parameters
    ----------
    taskset : TaskSet
        Real-data tasks, e.g. from `tasks_from_csv` or `digits_tasks`.
    n_train : int or list of int
        Training rows per task (at least 2; at most the task's rows minus 1).
    seed : int

    Returns
    -------
    TaskSet
    """
    T = taskset.n_tasks
    sizes = as_count_list(n_train, T, "n_train")
    rng = np.random.default_rng(seed)
    pools = []
    for t in range(T):
        X = np.concatenate([taskset.X_train[t], taskset.X_test[t]])
        y = np.concatenate([taskset.y_train[t], taskset.y_test[t]])
        counts = (int(np.sum(y == 0)), int(np.sum(y == 1)))
        max_train = len(y) - 1
        if not 2 <= sizes[t] <= max_train:
            raise ValueError(
                f'n_train for task "{taskset.task_names[t]}" must be between 2 and {max_train} '
                f"(its {len(y)} rows minus one for testing), got {sizes[t]}."
            )
        if min(counts) < 1:
            raise ValueError(f'Task "{taskset.task_names[t]}" has only one class.')
        k = allocate(counts, sizes[t], lo=(1, 1), hi=(max(counts[0] - (counts[0] > 1), 1), max(counts[1] - (counts[1] > 1), 1)))
        train_idx, test_idx = [], []
        for c in (0, 1):
            idx = rng.permutation(np.flatnonzero(y == c))
            train_idx.append(idx[: k[c]])
            test_idx.append(idx[k[c]:])
        tr = rng.permutation(np.concatenate(train_idx))
        te = rng.permutation(np.concatenate(test_idx))
        pools.append((X[tr], y[tr], X[te], y[te]))
    mean, std = standardize_stats(np.concatenate([p[0] for p in pools]))
    settings = dict(taskset.settings)
    settings.update({"n_train": [len(p[1]) for p in pools], "n_test": [len(p[3]) for p in pools], "resample_seed": int(seed)})
    for key in ("train_rows", "test_rows"):
        settings.pop(key, None)
    return TaskSet(
        X_train=[(p[0] - mean) / std for p in pools],
        y_train=[p[1] for p in pools],
        X_test=[(p[2] - mean) / std for p in pools],
        y_test=[p[3] for p in pools],
        related=np.asarray(taskset.related, dtype=bool).copy(),
        task_cluster=None if taskset.task_cluster is None else np.array(taskset.task_cluster),
        task_names=list(taskset.task_names),
        feature_names=list(taskset.feature_names),
        settings=settings,
    )
