r"""Numerically stable logistic loss and its derivatives.

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
by a cross-validation fold (`mtl_core.models._base.mean_log_loss` computes it).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["log1pexp", "expit", "logistic_loss_terms", "margin_terms", "margin_derivatives"]


def log1pexp(x: np.ndarray) -> np.ndarray:
    """Compute ``log(1 + exp(x))`` elementwise without overflow or cancellation.

    ``max(x, 0) + log1p(exp(-|x|))``: the exponential never exceeds 1, and
    ``log1p`` keeps full precision where ``exp(-|x|)`` is tiny.
    """
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def margin_terms(z: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The margin ``m = -s z``, ``e = exp(-|m|)`` and the loss ``log1pexp(m)``, per sample.

    The loss is all an objective value needs; ``m`` and ``e`` are what
    `margin_derivatives` needs, so a solver that evaluates a trial point gets
    the next iteration's derivatives without another exponential. Written with
    few temporaries: fresh arrays of this size cost page faults on every call.
    """
    m = np.multiply(z, s)
    np.negative(m, out=m)
    e = np.abs(m)
    np.negative(e, out=e)
    np.exp(e, out=e)
    loss = np.log1p(e)
    loss += np.maximum(m, 0.0)
    return m, e, loss


def margin_derivatives(
    m: np.ndarray, e: np.ndarray, s: np.ndarray, need_hessian: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """First and second derivative of the loss with respect to the score, from `margin_terms`.

    ``dloss = -s expit(m)`` and ``d2loss = expit(z) expit(-z) = expit(|m|) expit(-|m|)``
    (None when ``need_hessian`` is False).
    """
    big = np.add(e, 1.0)
    np.divide(1.0, big, out=big)  # expit(|m|)
    small = np.multiply(e, big)  # expit(-|m|)
    dloss = np.where(m >= 0, big, small)
    dloss *= -s
    if not need_hessian:
        return dloss, None
    big *= small
    return dloss, big


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
    z = np.asarray(z, dtype=float)
    m, e, loss = margin_terms(z, s)
    dloss, d2loss = margin_derivatives(m, e, s, need_hessian)
    return loss, dloss, d2loss

