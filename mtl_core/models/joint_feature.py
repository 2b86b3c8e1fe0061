r"""Joint feature selection MTL: the L2,1 norm keeps or drops each feature for all tasks at once.

.. math:: \min_{W, b}\; \frac{1}{T}\sum_t L_t(w_t, b_t) + \lambda \sum_j \|W_{j,:}\|_2 + \frac{\alpha}{2}\|W\|_F^2,

where row :math:`W_{j,:}` holds feature :math:`j`'s weight in every task
(Obozinski et al., 2010; Argyriou et al., 2008; MALSAR's ``Logistic_L21``). The
group penalty zeroes whole rows: a feature is used by all tasks or by none.
Solved by FISTA; the proximal step is a group soft-threshold per feature.
"""

from __future__ import annotations

import numpy as np

from .low_rank import _ProximalLinearMTL


class JointFeatureMTL(_ProximalLinearMTL):
    r"""L2,1-regularized MTL: tasks select the same features.

    Objective:

    .. math:: F = \frac{1}{T}\sum_t L_t(w_t, b_t) + \lambda\sum_j \|W_{j,:}\|_2 + \frac{\alpha}{2}\|W\|_F^2

    Parameters
    ----------
    lam : float >= 0 or "auto", default="auto"
        Group-sparsity strength (the CV grid runs from 1e-5 to 1).
    alpha, lam_grid, solver, learning_rate, n_epochs, n_snapshots, cv, scoring, max_iter, tol, random_state
        As in `LowRankMTL`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    feature_norms_ : ndarray of shape (n_features,)
        :math:`\|W_{j,:}\|_2` for every feature (zero for dropped features).
    lam_, cv_results_, n_iter_, converged_, history_
        As in `MeanRegularizedMTL`.
    """

    @property
    def name(self) -> str:
        return "MTL (joint features)"

    def _penalty(self, params, hp):
        return hp["lam"] * np.sum(np.sqrt(np.sum(params["W"] ** 2, axis=-2)), axis=-1)

    def _prox(self, params, step, hp):
        W = params["W"]
        norms = np.sqrt(np.sum(W * W, axis=-2, keepdims=True))  # (B, 1, d): one norm per feature
        thresh = (step * hp["lam"])[:, None, None]
        shrink = np.where(norms > thresh, 1.0 - thresh / np.where(norms > 0, norms, 1.0), 0.0)
        return {"W": W * shrink, "b": params["b"]}

    _rescale = True  # the L2,1 norm stays a (weighted) group norm under per-feature rescaling

    def _prox_scaled(self, U, step, hp, scale):
        # In U = W * scale, feature j's penalty is lam/s_j ||U_j|| + alpha/(2 s_j^2) ||U_j||^2:
        # group soft-threshold at step*lam/s_j, then shrink by 1 + step*alpha/s_j^2.
        step = step[:, None, None]
        norms = np.sqrt(np.sum(U * U, axis=-2, keepdims=True))  # (B, 1, d)
        thresh = step * hp["lam"][:, None, None] / scale
        shrink = np.where(norms > thresh, 1.0 - thresh / np.where(norms > 0, norms, 1.0), 0.0)
        return U * (shrink / (1.0 + step * hp["alpha"][:, None, None] / scale**2))

    def _set_fitted_attributes(self, batch):
        super()._set_fitted_attributes(batch)
        self.feature_norms_ = np.sqrt(np.sum(self.coef_**2, axis=0))
