"""Size limits of the data sources: how many tasks, features and rows a task set may have."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_BYTES", "MAX_FEATURES", "MAX_TASKS", "MIN_TASK_ROWS"]

MAX_TASKS = 50
"""Most tasks a CSV may hold."""
MAX_FEATURES = 500
"""Most feature columns a CSV may use."""
MIN_TASK_ROWS = 4
"""Fewest rows a task needs (and fewest training samples per digits task)."""
DEFAULT_MAX_BYTES = 5_000_000
