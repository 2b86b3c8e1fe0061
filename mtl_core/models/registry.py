"""The one list of models: what the engine, the dashboard, the command line and the tests read.

Adding a model means writing its estimator class and one `ModelSpec` in
`MODELS`; the dashboard's menus, captions and Models page, the command line's
``--models`` and the tests' common checks (``tests/test_registry.py`` and the
scikit-learn conventions of ``tests/test_estimator_checks.py``) pick it up from
here (its structure view on the Models page is the one piece of drawing it
needs, ``dashboard.figures.models``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ._base import MTLEstimator
from .clustered import ClusteredMTL
from .joint_feature import JointFeatureMTL
from .low_rank import LowRankMTL
from .mean_regularized import MeanRegularizedMTL
from .pooled import PooledLogistic
from .shared_hidden import SharedHiddenMTL
from .shared_subspace import SharedSubspaceMTL
from .single_task import SingleTaskLogistic

__all__ = ["ModelSpec", "MODELS", "MTL_MODELS", "BASELINES", "spec_for_cli"]


@dataclass(frozen=True)
class ModelSpec:
    """Everything known about one model outside its class.

    Attributes
    ----------
    key : str
        Identifier in scenarios, links and tables (``"mean_regularized"``).
    cls : type
        The estimator class; its ``name`` is the short display name.
    cli : str
        Key on the command line (``--models meanreg``).
    label : str
        Long display name (menus, Models page).
    kind : {"baseline", "mtl"}
        Baselines (STL, pooled) are compared with every MTL model.
    fallback_strength : float
        Strength used when "auto" cannot cross-validate (too few samples of a class).
    view_strength : float
        A typical fixed strength: the dashboard's starting value and structure views.
    auto_rule : str
        How "auto" chooses the strength, as a caption says it.
    explanation : str
        The model in plain words.
    structure : str
        What its structure view shows.
    options : tuple of str
        Constructor parameters besides the strength that a scenario sets (``k``, ``n_hidden``).
    fit_options : tuple of (str, value)
        Solver settings the dashboard fits with (not part of a scenario).
    """

    key: str
    cls: type[MTLEstimator]
    cli: str
    label: str
    kind: Literal["baseline", "mtl"]
    fallback_strength: float
    view_strength: float
    auto_rule: str
    explanation: str
    structure: str = ""
    options: tuple[str, ...] = ()
    fit_options: tuple[tuple[str, Any], ...] = ()

    @property
    def strength(self) -> str:
        """Name of the constructor parameter that accepts "auto" (``"lam"`` or ``"alpha"``)."""
        return self.cls.strength_param

    @property
    def name(self) -> str:
        """Short display name, the estimator's ``name`` (tables and legends)."""
        return self.cls().name

    def make(self, strength: float | str = "auto", **params: Any) -> MTLEstimator:
        """An unfitted estimator with ``strength`` (a number or "auto") and other parameters."""
        return self.cls(**{self.strength: strength}, **params)


_CV = "chosen by cross-validation"

MODELS: dict[str, ModelSpec] = {
    s.key: s
    for s in [
        ModelSpec(
            "stl", SingleTaskLogistic, "stl", "Single-task learning (STL)", "baseline", 0.01, 0.01, _CV,
            "One ridge logistic regression per task, fitted on that task's data alone: no information flows between "
            "tasks. It is the reference every other model is compared with.",
        ),
        ModelSpec(
            "pooled", PooledLogistic, "pooled", "Pooled", "baseline", 0.01, 0.01, _CV,
            "One logistic regression for all tasks together, as if they were one task: the 'share everything' end of "
            "the spectrum. Great when the tasks really are the same, harmful when they are not.",
        ),
        ModelSpec(
            "mean_regularized", MeanRegularizedMTL, "meanreg", "Mean-regularized (shared mean + offsets)", "mtl",
            1.0, 1.0, "chosen by the evidence, checked by cross-validation",
            "Every task's weight vector is a shared part plus a task-specific offset, w_t = w₀ + v_t. The penalty "
            "λ‖v_t‖² makes offsets expensive, so tasks are pulled towards their common mean. With λ near 0 each task "
            "is free (that is STL); with a huge λ the offsets vanish and all tasks share one weight vector (that is "
            "pooling, with each task keeping its own intercept). The evidence, checked by cross-validation, picks a "
            "λ in between.",
            "The shared vector w₀ and every task's weights w_t = w₀ + v_t (left), and the size of each task's offset "
            "‖v_t‖ (right): tasks that are unlike the others need big offsets.",
        ),
        # Starting strength 0.01 for the two proximal models: on the default scenario (8 seeds) it gains
        # +1.5 (low-rank) and +0.8 points (L2,1) over STL at 5 features, where 0.05 lost 2 and 6 points.
        ModelSpec(
            "low_rank", LowRankMTL, "lowrank", "Low-rank (trace norm)", "mtl", 0.01, 0.01, _CV,
            "Stack the task weight vectors into a matrix W. Its singular values say how many independent directions "
            "the tasks use. The penalty adds them up (the 'trace norm') and so pushes the small ones to exactly zero, so "
            "the tasks end up sharing a few directions in feature space while each keeps its own mix of them.",
            "Singular values of the weight matrix W (how strongly the tasks use each shared direction), this model against STL: the penalty shrinks the small ones "
            "towards zero (fewer shared directions).",
            # FISTA's default 1e-9 tolerance can take its 20000 iterations on tiny, nearly separable
            # tasks (seconds per fit); 1e-7 changes no prediction and keeps the page interactive.
            fit_options=(("max_iter", 5000), ("tol", 1e-7)),
        ),
        ModelSpec(
            "joint_feature", JointFeatureMTL, "jointfeature", "Joint feature selection (L2,1)", "mtl", 0.01, 0.01, _CV,
            "The L2,1 penalty adds up, over the features, the length of each feature's row of weights across all "
            "tasks. It can make a whole row zero, which removes that feature from every task at once: the tasks agree "
            "on which features matter, while the weights on the kept features stay task-specific. It shines with many "
            "features of which few are useful (raise the number of features in the sidebar).",
            "How much each feature is used across the tasks, ‖W_j,:‖ (this model against STL): features pushed to "
            "zero are dropped by every task.",
            fit_options=(("max_iter", 5000), ("tol", 1e-7)),
        ),
        ModelSpec(
            "shared_subspace", SharedSubspaceMTL, "subspace", "Shared subspace", "mtl", 0.01, 0.01, _CV,
            "All tasks must live in one k-dimensional subspace of the features: w_t = P a_t, where the k "
            "columns of P (perpendicular directions of length 1) are learned from all tasks together and each task only chooses its k coordinates a_t. With "
            "k = 1 every task's boundary is perpendicular to one common direction, up to sign and length. The problem "
            "is not convex; it is solved by alternating between P and the coordinates.",
            "The learned subspace P (left: its weight on every feature) and each task's coordinates a_t in it (right).",
            options=("k",),
            # Two starts find the global optimum on 97.5% of small multi-minimum problems at 1.1x the
            # cost of one (four: 100% at 1.5x, 2.4-3.5x with "auto"); the page must stay interactive.
            fit_options=(("n_init", 2),),
        ),
        ModelSpec(
            "shared_hidden", SharedHiddenMTL, "hidden", "Shared hidden layer (neural net)", "mtl", 1e-3, 1e-3, _CV,
            "A small neural network: one hidden layer of tanh units computed from the inputs is shared by all tasks, "
            "and each task has its own logistic output on top of it (hard parameter sharing). Every task's data trains "
            "the shared layer, so the tasks learn a common representation; the boundaries can be curved, which is "
            "what the nonlinear task family needs.",
            "Left: where each hidden unit switches on in the input plane (the line where its input is zero) or, with more "
            "features, its input weights; right: how much every task's head uses every hidden unit.",
            options=("n_hidden",),
            # Every CV fit of this network is an L-BFGS run: 3 folds x 3 strengths choose the same alpha
            # as 5 x 5 on the default scenarios at a tenth of the time (27 s -> 2.7 s at 6 x 5 x 20).
            fit_options=(("cv", 3), ("alpha_grid", (1e-3, 1e-2, 1e-1))),
        ),
        ModelSpec(
            "clustered", ClusteredMTL, "clustered", "Clustered (tasks in groups)", "mtl", 1.0, 1.0, _CV,
            "The tasks may come in groups: related within a group, unrelated across groups. The penalty pulls the "
            "tasks of a group towards their group's mean (and a small ridge shrinks every task), so a task borrows "
            "only from its own group, where mean-regularized MTL pulls every task towards one mean that fits no "
            "group. The grouping is not given: the model learns it, as a relaxed (convex) version of 'which tasks "
            "go together', with the number of groups set in the sidebar.",
            "The learned task similarity (how strongly the model puts two tasks in one group), tasks ordered by "
            "their learned group (left), next to the true grouping of the tasks (right).",
            options=("n_clusters",),
        ),
    ]
}

#: The multi-task formulations, in menu order.
MTL_MODELS: dict[str, ModelSpec] = {k: s for k, s in MODELS.items() if s.kind == "mtl"}
#: The references every MTL model is compared with.
BASELINES: dict[str, ModelSpec] = {k: s for k, s in MODELS.items() if s.kind == "baseline"}


def spec_for_cli(key: str) -> ModelSpec:
    """The spec of a command-line model key (``"meanreg"``), or of a model key (``"mean_regularized"``).

    Raises
    ------
    KeyError
        For an unknown key.
    """
    key = str(key).lower().replace("-", "_")
    for spec in MODELS.values():
        if key in (spec.cli, spec.key):
            return spec
    raise KeyError(key)
