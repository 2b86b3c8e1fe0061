r"""Numerically stable logistic loss, its derivatives, and the per-task data term.

With signed labels :math:`s = 2y - 1` and raw score :math:`z = w \cdot x + b`,
the per-sample loss is

.. math:: \ell(z, s) = \log(1 + e^{-s z}) = \mathrm{log1pexp}(-s z),

with :math:`\partial\ell/\partial z = -s\,\sigma(-s z)` and
:math:`\partial^2\ell/\partial z^2 = \sigma(z)\,\sigma(-z)`, where
:math:`\sigma` is the logistic function. As in scikit-learn's
``_loss`` module, nothing overflows for any score and nothing loses relative
precision in the tails: ``log1pexp`` never exponentiates a positive number,
:math:`\sigma` is ``scipy.special.expit``, and the Hessian factor is the
product of two logistic values (never ``p - p**2``, which cancels).

The per-task data term of every model is a *weighted* sum,
:math:`L_t = \sum_i \omega_{ti}\,\ell(z_{ti}, s_{ti})`, with weights
:math:`\omega_{ti} = 1/n_t` for real samples and 0 for padding (tasks of
different sizes are stored padded to a common length) or for samples held out
by a cross-validation fold.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["log1pexp", "expit", "logistic_loss_terms", "weighted_task_loss"]


def log1pexp(x: np.ndarray) -> np.ndarray:
    """Compute ``log(1 + exp(x))`` elementwise without overflow or cancellation.

    ``max(x, 0) + log1p(exp(-|x|))``: the exponential never exceeds 1, and
    ``log1p`` keeps full precision where ``exp(-|x|)`` is tiny.
    """
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def logistic_loss_terms(
    z: np.ndarray, s: np.ndarray, need_hessian: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Per-sample loss, first and second derivative with respect to the score.

    Parameters
    ----------
    z : ndarray
        Raw scores.
    s : ndarray, broadcastable to ``z``
        Signed labels in {-1, +1}.
    need_hessian : bool
        Skip the second derivative when False.

    Returns
    -------
    loss, dloss, d2loss : ndarray
        ``log1pexp(-s z)``, ``-s expit(-s z)`` and ``expit(z) expit(-z)``
        (the last is None when ``need_hessian`` is False).

    Notes
    -----
    One exponential serves all three: with ``m = -s z`` and ``e = exp(-|m|)``
    (never above 1), ``expit(|m|) = 1/(1+e)`` and ``expit(-|m|) = e/(1+e)``,
    so neither overflows and the Hessian factor, their product, keeps full
    relative precision (unlike ``p * (1 - p)``).
    """
    m = -s * z
    e = np.exp(-np.abs(m))
    big = 1.0 / (1.0 + e)  # expit(|m|)
    small = e * big  # expit(-|m|)
    loss = np.maximum(m, 0.0) + np.log1p(e)
    dloss = -s * np.where(m >= 0, big, small)
    d2loss = big * small if need_hessian else None
    return loss, dloss, d2loss


def weighted_task_loss(z: np.ndarray, s: np.ndarray, sw: np.ndarray) -> np.ndarray:
    """Per-task data term :math:`L_t = \\sum_i \\omega_{ti}\\,\\ell(z_{ti}, s_{ti})`.

    Parameters
    ----------
    z, s, sw : ndarray of shape (..., n_samples)
        Scores, signed labels and sample weights (0 for padding).

    Returns
    -------
    ndarray of shape (...)
    """
    return np.sum(sw * log1pexp(-s * z), axis=-1)
