"""Packing many multi-task problems into padded arrays with a leading batch axis.

A `TaskBatch` holds ``B`` independent problems of ``T`` tasks each, padded to a
common number of samples ``N``. Padded samples carry weight 0, so they change no
loss, gradient or Hessian. Cross-validation folds reuse the same features with
other weights (held-out samples get weight 0), so ``X`` may have batch size 1
and broadcast against weights of batch size ``B``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass
class TaskBatch:
    """Padded data of a batch of multi-task problems.

    Attributes
    ----------
    X : ndarray of shape (B or 1, n_tasks, n_max, n_features)
        Features, zero-padded.
    s : ndarray of shape (B or 1, n_tasks, n_max)
        Signed labels in {-1, +1} (+1 on padding).
    sw : ndarray of shape (B, n_tasks, n_max)
        Sample weights: ``1/n_t`` on the samples a problem is fitted on, 0 elsewhere.
    mask : ndarray of shape (B or 1, n_tasks, n_max) of bool
        True on real (non-padded) samples.
    """

    X: np.ndarray
    s: np.ndarray
    sw: np.ndarray
    mask: np.ndarray

    @property
    def n_batch(self) -> int:
        return self.sw.shape[0]

    @property
    def n_tasks(self) -> int:
        return self.sw.shape[1]

    @property
    def n_features(self) -> int:
        return self.X.shape[-1]

    def subset(self, idx: np.ndarray) -> "TaskBatch":
        """The problems ``idx`` only (arrays of batch size 1 stay shared)."""
        pick = lambda a: a if a.shape[0] == 1 else a[idx]
        return TaskBatch(pick(self.X), pick(self.s), self.sw[idx], pick(self.mask))


def pack_problems(problems: Sequence[tuple[Sequence[np.ndarray], Sequence[np.ndarray]]]) -> TaskBatch:
    """Pack problems ``[(Xs, ys), ...]`` (each a list of per-task arrays) into a `TaskBatch`.

    All problems must have the same number of tasks and features; sample counts
    may differ between tasks and problems.
    """
    n_batch = len(problems)
    n_tasks = len(problems[0][0])
    n_features = problems[0][0][0].shape[1]
    n_max = max(len(y) for _, ys in problems for y in ys)
    X = np.zeros((n_batch, n_tasks, n_max, n_features))
    s = np.ones((n_batch, n_tasks, n_max))
    mask = np.zeros((n_batch, n_tasks, n_max), dtype=bool)
    for b, (Xs, ys) in enumerate(problems):
        if len(Xs) != n_tasks or len(ys) != n_tasks:
            raise ValueError("All problems in a batch must have the same number of tasks.")
        for t, (Xt, yt) in enumerate(zip(Xs, ys)):
            n = len(yt)
            X[b, t, :n] = Xt
            s[b, t, :n] = 2.0 * np.asarray(yt, dtype=float) - 1.0
            mask[b, t, :n] = True
    counts = mask.sum(axis=-1, keepdims=True)
    sw = mask / np.maximum(counts, 1)
    return TaskBatch(X, s, sw, mask)


def pack_tasks(Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> TaskBatch:
    """Pack one multi-task problem into a batch of size 1."""
    return pack_problems([(Xs, ys)])


def weighted_xt(r: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``sum_i r[..., i] * X[..., i, :]``: the gradient of a linear score's loss."""
    return (r[..., None, :] @ X)[..., 0, :]
