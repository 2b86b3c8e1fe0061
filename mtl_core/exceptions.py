"""The engine's exceptions and warnings, so that callers can tell failures apart by type.

Both errors subclass ValueError (what the engine raised before they existed), so
``except ValueError`` still catches them.
"""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "CrossValidationError", "DivergenceError", "MinorityClassWarning"]


class ConvergenceWarning(UserWarning):
    """The optimizer stopped before reaching its tolerance."""


class MinorityClassWarning(UserWarning):
    """A task has fewer samples of its minority class than cross-validation has folds.

    Some folds then hold out no sample of that class for the task (and a class
    with a single sample is never held out), so the held-out scores of that
    task rest on few minority samples; ``"roc_auc"`` and ``"balanced_accuracy"``
    skip a task whose held-out samples lack a class.
    """


class CrossValidationError(ValueError):
    """An automatic strength cannot be cross-validated (too few samples of a class to hold out)."""


class DivergenceError(ValueError):
    """Gradient-descent training diverged (the learning rate is too large)."""
