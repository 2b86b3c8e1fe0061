"""What the Models page writes about every formulation: its objective, read from the class docstring.

The plain explanation and the structure view's caption of every model are in
its spec (`mtl_core.MODELS`).
"""

from __future__ import annotations

import inspect
import re

from mtl_core import MODELS

LOSS_LATEX = r"L_t(w, b) = \frac{1}{n_t}\sum_{i=1}^{n_t} \log\left(1 + e^{-s_i\,(w\cdot x_i + b)}\right),\quad s_i = \pm 1"


def objective_latex(cls: type) -> str:
    """The objective written in the class docstring (its first ``.. math::`` block)."""
    doc = inspect.getdoc(cls) or ""
    m = re.search(r"\.\. math::\s*(.+?)(?:\n\s*\n|$)", doc, re.S)
    return " ".join(m.group(1).split()) if m else ""


def mtl_objective(key: str) -> str:
    """The objective of model ``key`` as written in its class docstring."""
    return objective_latex(MODELS[key].cls)
