"""What the pages write about every formulation: its objective (read from the class docstring), and
when a scenario gives it nothing to exploit.

The plain explanation and the structure view's caption of every model are in
its spec (`mtl_core.MODELS`).
"""

from __future__ import annotations

import inspect
import re

from mtl_core import MODELS

from .scenario import Scenario

LOSS_LATEX = r"L_t(w, b) = \frac{1}{n_t}\sum_{i=1}^{n_t} \log\left(1 + e^{-s_i\,(w\cdot x_i + b)}\right),\quad s_i = \pm 1"


def objective_latex(cls: type) -> str:
    """The objective written in the class docstring (its first ``.. math::`` block)."""
    doc = inspect.getdoc(cls) or ""
    m = re.search(r"\.\. math::\s*(.+?)(?:\n\s*\n|$)", doc, re.S)
    return " ".join(m.group(1).split()) if m else ""


def mtl_objective(key: str) -> str:
    """The objective of model ``key`` as written in its class docstring."""
    return objective_latex(MODELS[key].cls)


def shown_strength(model_key: str, scenario: Scenario) -> float | None:
    """The strength the Models page fits ``model_key`` with: the sidebar's for the selected model
    (None: auto), the model's typical fixed strength for the others."""
    return scenario.strength if model_key == scenario.model else MODELS[model_key].view_strength


def nothing_to_exploit(model_key: str, scenario: Scenario) -> str:
    """Why ``model_key`` cannot gain over STL in ``scenario`` (empty when it can).

    Measured on the default scenario at 2 features (8 seeds): low-rank and L2,1
    lose 1-2 points to STL at their best strength; their automatic strength then
    chooses the STL end.
    """
    d = int(scenario.n_features)
    if model_key == "low_rank" and d <= 2:
        return ("With only 2 features the tasks' weights can use at most 2 directions, so the low-rank penalty has "
                "almost nothing to remove: expect about STL's accuracy, or a little less. Add features (and tasks) "
                "to see it work.")
    if model_key == "joint_feature" and d <= 2:
        return ("With only 2 features there is no useless feature for joint feature selection to drop: expect about "
                "STL's accuracy, or a little less. Add features (most of them useless for every task) to see it work.")
    return ""
