"""The `TaskSet`: several related binary classification tasks, split into train and test.

Every data source of the engine (the synthetic generator `make_tasks`, the digits
tasks, a user's CSV) returns this one container, so models, experiments and pages
never need to know where the tasks came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class TaskSet:
    """Train/test data of ``T`` binary tasks over the same ``d`` features.

    Attributes
    ----------
    X_train, X_test : list of ndarray of shape (n_t, n_features)
        Features of each task (tasks may have different numbers of samples).
    y_train, y_test : list of ndarray of shape (n_t,)
        Labels in {0, 1}; every training task contains both classes.
    true_coef : ndarray of shape (n_tasks, n_true_features) or None
        Ground-truth weights (on the raw features for the linear family, on the
        shared nonlinear features for the nonlinear family); None for real data.
    true_intercept : ndarray of shape (n_tasks,) or None
        Ground-truth intercepts; None for real data.
    bayes_accuracy : ndarray of shape (n_tasks,) or None
        Best accuracy any classifier can reach on each task's test distribution;
        None where unknown (real data).
    related : ndarray of shape (n_tasks,) of bool
        True for tasks built around the shared component, False for tasks drawn
        independently of it ("unrelated tasks").
    task_names : list of str
        One display name per task.
    feature_names : list of str
        One display name per feature.
    settings : dict
        The parameters the task set was made from (for reports and sharing).
    task_cluster : ndarray of shape (n_tasks,) of int
        The group of every task (0, 1, ...), -1 for a task in no group (an
        unrelated task); by default 0 for the related tasks and -1 for the others.
    true_score : callable or None
        ``true_score(X, task)`` returns the true decision score of ``task`` on
        ``X`` (positive means class 1 before label noise); None for real data.
    """

    X_train: list[np.ndarray]
    y_train: list[np.ndarray]
    X_test: list[np.ndarray]
    y_test: list[np.ndarray]
    true_coef: np.ndarray | None = None
    true_intercept: np.ndarray | None = None
    bayes_accuracy: np.ndarray | None = None
    related: np.ndarray | None = None
    task_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    true_score: Callable[[np.ndarray, int], np.ndarray] | None = field(default=None, repr=False)
    task_cluster: np.ndarray | None = None

    def __post_init__(self) -> None:
        n_tasks = len(self.X_train)
        if not (len(self.y_train) == len(self.X_test) == len(self.y_test) == n_tasks):
            raise ValueError(
                "X_train, y_train, X_test and y_test must hold one array per task "
                f"(got {len(self.X_train)}, {len(self.y_train)}, {len(self.X_test)}, {len(self.y_test)})."
            )
        if not self.task_names:
            self.task_names = [f"task {t + 1}" for t in range(n_tasks)]
        if not self.feature_names and n_tasks:
            self.feature_names = [f"x{j + 1}" for j in range(self.X_train[0].shape[1])]
        if self.related is None:
            self.related = np.ones(n_tasks, dtype=bool)
        if self.task_cluster is None:
            self.task_cluster = np.where(self.related, 0, -1).astype(np.int64)

    @property
    def n_tasks(self) -> int:
        return len(self.X_train)

    @property
    def n_features(self) -> int:
        return int(self.X_train[0].shape[1])

    @property
    def n_train(self) -> list[int]:
        """Number of training samples of each task."""
        return [int(len(y)) for y in self.y_train]

    @property
    def n_test(self) -> list[int]:
        """Number of test samples of each task."""
        return [int(len(y)) for y in self.y_test]
