"""What the Models page says about every formulation: objective, plain explanation, structure."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from mtl_core import PooledLogistic, SingleTaskLogistic

from .compute import MODEL_CLASSES
from .scenario import MODEL_LABELS

LOSS_LATEX = r"L_t(w, b) = \frac{1}{n_t}\sum_{i=1}^{n_t} \log\left(1 + e^{-s_i\,(w\cdot x_i + b)}\right),\quad s_i = \pm 1"


def objective_latex(cls: type) -> str:
    """The objective written in the class docstring (its first ``.. math::`` block)."""
    doc = inspect.getdoc(cls) or ""
    m = re.search(r"\.\. math::\s*(.+?)(?:\n\s*\n|$)", doc, re.S)
    return " ".join(m.group(1).split()) if m else ""


@dataclass(frozen=True)
class ModelInfo:
    key: str
    title: str
    explanation: str
    structure: str  # what the structure view shows
    view_strength: float  # strength of the structure view when the model is not the sidebar's


INFO: dict[str, ModelInfo] = {
    "mean_regularized": ModelInfo(
        "mean_regularized",
        MODEL_LABELS["mean_regularized"],
        "Every task's weight vector is a shared part plus a task-specific offset, w_t = w₀ + v_t. The penalty "
        "λ‖v_t‖² makes offsets expensive, so tasks are pulled towards their common mean. With λ near 0 each task "
        "is free (that is STL); with a huge λ the offsets vanish and all tasks share one weight vector (that is "
        "pooling, with each task keeping its own intercept). Cross-validation picks a λ in between.",
        "The shared vector w₀ and every task's weights w_t = w₀ + v_t (left), and the size of each task's offset "
        "‖v_t‖ (right): tasks that are unlike the others need big offsets.",
        1.0,
    ),
    "low_rank": ModelInfo(
        "low_rank",
        MODEL_LABELS["low_rank"],
        "Stack the task weight vectors into a matrix W. Its singular values say how many independent directions "
        "the tasks use. The trace norm (the sum of the singular values) pushes the small ones to exactly zero, so "
        "the tasks end up sharing a few directions in feature space while each keeps its own mix of them.",
        "Singular values of the weight matrix W, this model against STL: the trace norm shrinks the small ones "
        "towards zero (fewer shared directions).",
        0.05,
    ),
    "joint_feature": ModelInfo(
        "joint_feature",
        MODEL_LABELS["joint_feature"],
        "The L2,1 penalty adds up, over the features, the length of each feature's row of weights across all tasks. "
        "It can make a whole row zero, which removes that feature from every task at once: the tasks agree on which "
        "features matter, while the weights on the kept features stay task-specific. It shines with many features "
        "of which few are useful (raise the number of features in the sidebar).",
        "How much each feature is used across the tasks, ‖W_j,:‖ (this model against STL): features pushed to "
        "zero are dropped by every task.",
        0.05,
    ),
    "shared_subspace": ModelInfo(
        "shared_subspace",
        MODEL_LABELS["shared_subspace"],
        "All tasks must live in one k-dimensional subspace of the features: w_t = P a_t, where the orthonormal "
        "columns of P are learned from all tasks together and each task only chooses its k coordinates a_t. With "
        "k = 1 every task's boundary is perpendicular to one common direction, up to sign and length. The problem "
        "is not convex; it is solved by alternating between P and the coordinates.",
        "The learned subspace P (left: its weight on every feature) and each task's coordinates a_t in it (right).",
        0.01,
    ),
    "shared_hidden": ModelInfo(
        "shared_hidden",
        MODEL_LABELS["shared_hidden"],
        "A small neural network: one hidden layer of tanh units computed from the inputs is shared by all tasks, "
        "and each task has its own logistic output on top of it (hard parameter sharing). Every task's data trains "
        "the shared layer, so the tasks learn a common representation; the boundaries can be curved, which is what "
        "the nonlinear task family needs.",
        "Left: where each hidden unit switches on in the input plane (its line V_h·x + c_h = 0) or, with more "
        "features, its input weights; right: how much every task's head uses every hidden unit.",
        1e-3,
    ),
}

BASELINES = {
    "stl": (
        "Single-task learning (STL)",
        objective_latex(SingleTaskLogistic),
        "One ridge logistic regression per task, fitted on that task's data alone: no information flows between "
        "tasks. It is the reference every other model is compared with.",
    ),
    "pooled": (
        "Pooled",
        objective_latex(PooledLogistic),
        "One logistic regression for all tasks together, as if they were one task: the 'share everything' end of "
        "the spectrum. Great when the tasks really are the same, harmful when they are not.",
    ),
}


def mtl_objective(key: str) -> str:
    return objective_latex(MODEL_CLASSES[key])
