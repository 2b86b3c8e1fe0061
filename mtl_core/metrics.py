"""Classification metrics on batches of tasks: accuracy, balanced accuracy, ROC AUC, log-loss.

Every function takes decision values ``z`` (the logit, any monotone score works
for the ranking metrics), labels ``s`` in {-1, +1} and sample weights ``w``
(0 for padding or held-in samples, 1 for samples that count), all of the same
shape ``(..., n_samples)``, and returns one value per leading index, shape
``(...)``.  The leading axes are whatever the caller batches over (problems,
strengths, folds, tasks), so cross-validation scores a whole grid in one call.

Definitions (for one task, over the samples with ``w > 0``; weights act as
repeat counts):

- accuracy: ``sum w [(z > 0) == (s > 0)] / sum w`` (a score of exactly 0 predicts
  class 0, as ``predict`` does).
- balanced accuracy: ``(TPR + TNR) / 2``, the mean recall of the two classes;
  the majority-class rule scores 0.5 whatever the imbalance.
- ROC AUC: the probability that a random positive scores above a random
  negative, ties counting one half (the Mann-Whitney statistic), so 0.5 is
  chance whatever the imbalance.
- log-loss: ``sum w log(1 + exp(-s z)) / sum w``.

A value that is undefined (no sample; one class missing, for balanced accuracy
and AUC) is NaN, so callers can average with ``np.nanmean`` and see the gaps.

``scoring`` (the estimators' parameter and ``task_scores``' ``metric``) is a
name of `METRICS` or a `ScoringCallable`; `check_scoring` validates it,
`score_rows` applies it to batched rows and `per_task_scores` to lists of
per-task decision values and labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .loss import log1pexp

__all__ = [
    "accuracy", "balanced_accuracy", "roc_auc", "log_loss", "METRICS", "GREATER_IS_BETTER", "ScoringCallable",
    "check_scoring", "score_rows", "per_task_scores", "task_mean",
]


def _weights(z: np.ndarray, s: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = np.asarray(z, dtype=float)
    s = np.asarray(s, dtype=float)
    w = np.ones_like(z) if w is None else np.asarray(w, dtype=float)
    z, s, w = np.broadcast_arrays(z, s, w)
    return z, s, w


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def accuracy(z: np.ndarray, s: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Weighted share of samples on the right side of the boundary, shape ``z.shape[:-1]``."""
    z, s, w = _weights(z, s, w)
    return _ratio(np.sum(w * ((z > 0) == (s > 0)), -1), np.sum(w, -1))


def balanced_accuracy(z: np.ndarray, s: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Mean of the two classes' recalls, shape ``z.shape[:-1]`` (NaN when a class is missing)."""
    z, s, w = _weights(z, s, w)
    pos, neg = w * (s > 0), w * (s < 0)
    tpr = _ratio(np.sum(pos * (z > 0), -1), np.sum(pos, -1))
    tnr = _ratio(np.sum(neg * (z <= 0), -1), np.sum(neg, -1))
    return (tpr + tnr) / 2


def roc_auc(z: np.ndarray, s: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Area under the ROC curve, shape ``z.shape[:-1]`` (NaN when a class is missing).

    Computed by sorting, O(n log n) per row: for every positive, the weight of
    negatives scoring strictly below it plus half the weight of those tied with it.
    """
    z, s, w = _weights(z, s, w)
    order = np.argsort(z, axis=-1, kind="stable")
    zs = np.take_along_axis(z, order, -1)
    pos = np.take_along_axis(w * (s > 0), order, -1)
    neg = np.take_along_axis(w * (s < 0), order, -1)
    n = z.shape[-1]
    idx = np.broadcast_to(np.arange(n), z.shape)
    if n == 0:
        return np.full(z.shape[:-1], np.nan)
    new_group = np.ones(z.shape, dtype=bool)
    new_group[..., 1:] = zs[..., 1:] != zs[..., :-1]
    ends_group = np.ones(z.shape, dtype=bool)
    ends_group[..., :-1] = new_group[..., 1:]
    first = np.maximum.accumulate(np.where(new_group, idx, 0), axis=-1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends_group, idx, n - 1), -1), axis=-1), -1)
    cum_neg = np.cumsum(neg, -1)
    below = np.take_along_axis(cum_neg - neg, first, -1)  # negatives strictly below the tie group
    tied = np.take_along_axis(cum_neg, last, -1) - below
    num = np.sum(pos * (below + 0.5 * tied), -1)
    return _ratio(num, np.sum(pos, -1) * np.sum(neg, -1))


def log_loss(z: np.ndarray, s: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Weighted mean logistic loss ``log(1 + exp(-s z))``, shape ``z.shape[:-1]``."""
    z, s, w = _weights(z, s, w)
    return _ratio(np.sum(w * log1pexp(-s * z), -1), np.sum(w, -1))


def task_mean(values: np.ndarray) -> np.ndarray:
    """Mean over the last (task) axis of the defined values, shape ``values.shape[:-1]``.

    NaN entries (a metric undefined on a task, e.g. AUC on a one-class test set, or
    nothing held out) are skipped; the mean is NaN where no task has a value.
    """
    values = np.asarray(values, dtype=float)
    defined = np.sum(~np.isnan(values), axis=-1)
    return np.where(defined > 0, np.nansum(values, axis=-1) / np.maximum(defined, 1), np.nan)


#: The metrics by name, as ``scoring=`` and the tables name them.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray | None], np.ndarray]] = {
    "accuracy": accuracy,
    "balanced_accuracy": balanced_accuracy,
    "roc_auc": roc_auc,
    "log_loss": log_loss,
}
#: Whether a larger value is better (log-loss is the one to minimize).
GREATER_IS_BETTER: dict[str, bool] = {"accuracy": True, "balanced_accuracy": True, "roc_auc": True, "log_loss": False}

#: A scoring callable: ``scoring(y_true, decision_values) -> float`` for one task, where
#: ``y_true`` holds labels in {0, 1} and ``decision_values`` the model's logits for the same
#: samples (any scikit-learn metric taking scores works, e.g. ``sklearn.metrics.roc_auc_score``);
#: larger is better (negate a loss). Return NaN where the score is undefined; a ValueError raised on
#: samples of a single class also counts as undefined (the task is left out of the mean).
ScoringCallable = Callable[[np.ndarray, np.ndarray], float]


def check_scoring(scoring: str | ScoringCallable) -> tuple[str, bool]:
    """The name of ``scoring`` and whether larger is better; ValueError for an unknown one.

    Parameters
    ----------
    scoring : str or callable
        A name of `METRICS`, or a `ScoringCallable` (larger is better).

    Returns
    -------
    name : str
        The metric's name (a callable's ``__name__``).
    greater_is_better : bool
    """
    if isinstance(scoring, str) and scoring in METRICS:
        return scoring, GREATER_IS_BETTER[scoring]
    if callable(scoring) and not isinstance(scoring, (str, type)):
        return getattr(scoring, "__name__", type(scoring).__name__), True
    raise ValueError(
        f"scoring must be one of {', '.join(repr(n) for n in METRICS)} or a callable "
        f"scoring(y_true, decision_values) -> float, got {scoring!r}."
    )


def score_rows(scoring: str | ScoringCallable, z: np.ndarray, s: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``scoring`` of every row of decision values, over the samples with ``w > 0``.

    Parameters
    ----------
    scoring : str or callable
        See `check_scoring`.
    z, s, w : ndarray of shape (..., N)
        Decision values, labels in {-1, +1} and weights (0: sample not scored), broadcastable.

    Returns
    -------
    ndarray of shape (...)
        NaN where no sample counts or the score is undefined there.
    """
    check_scoring(scoring)
    z, s, w = np.broadcast_arrays(np.asarray(z, dtype=float), np.asarray(s, dtype=float), np.asarray(w, dtype=float))
    if isinstance(scoring, str):
        return METRICS[scoring](z, s, w)
    out = np.full(z.shape[:-1], np.nan)
    for idx in np.ndindex(*z.shape[:-1]):
        keep = w[idx] > 0
        if not keep.any():
            continue
        y_true = (s[idx][keep] > 0).astype(np.int64)
        try:
            out[idx] = float(scoring(y_true, z[idx][keep]))
        except ValueError:
            # Metrics that need both classes (sklearn.metrics.roc_auc_score) refuse a task whose
            # samples hold one: undefined there, like the built-in "roc_auc".
            if np.unique(y_true).size > 1:
                raise
    return out


def per_task_scores(
    scoring: str | ScoringCallable, decision_values: Sequence[np.ndarray], ys: Sequence[np.ndarray]
) -> np.ndarray:
    """``scoring`` of every task from its decision values and labels in {0, 1}, shape (n_tasks,)."""
    T, N = len(ys), max(len(y) for y in ys)
    z, s, w = np.zeros((T, N)), np.ones((T, N)), np.zeros((T, N))
    for t, (zt, yt) in enumerate(zip(decision_values, ys)):
        n = len(yt)
        z[t, :n] = zt
        s[t, :n] = 2.0 * np.asarray(yt, dtype=float) - 1.0
        w[t, :n] = 1.0
    return score_rows(scoring, z, s, w)
