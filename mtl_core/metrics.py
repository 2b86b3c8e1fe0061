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
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .loss import log1pexp

__all__ = ["accuracy", "balanced_accuracy", "roc_auc", "log_loss", "METRICS", "GREATER_IS_BETTER"]


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


#: The metrics by name, as ``scoring=`` and the tables name them.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray | None], np.ndarray]] = {
    "accuracy": accuracy,
    "balanced_accuracy": balanced_accuracy,
    "roc_auc": roc_auc,
    "log_loss": log_loss,
}
#: Whether a larger value is better (log-loss is the one to minimize).
GREATER_IS_BETTER: dict[str, bool] = {"accuracy": True, "balanced_accuracy": True, "roc_auc": True, "log_loss": False}
