"""The engine's exceptions and warnings, so that callers can tell failures apart by type.

Both errors subclass ValueError (what the engine raised before they existed), so
``except ValueError`` still catches them.
"""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "CrossValidationError", "DivergenceError"]


class ConvergenceWarning(UserWarning):
    """The optimizer stopped before reaching its tolerance."""


class CrossValidationError(ValueError):
    """An automatic strength cannot be cross-validated (too few samples of a class to hold out)."""


class DivergenceError(ValueError):
    """Gradient-descent training diverged (the learning rate is too large)."""
