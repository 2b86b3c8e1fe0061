"""Time budget of a page: estimate a fit's cost before running it, so no slider combination hangs a class.

Every combination reachable from the sidebar must answer within a bounded time.
The pages estimate the cold cost of their fits first (`compare_seconds`,
`scenario_fit_seconds`); above `FIT_BUDGET_SECONDS` they show the estimate and a Run
button instead of computing (as the Sweep page does with its own estimate).

The estimates are rough cost models fitted to measured times on a busy 2-core
machine (load average 4-6, so a quiet machine is about twice as fast; rerun
``python bench/bench_budget.py`` to compare estimate and measurement).  They
only need to tell seconds from minutes: the expensive corners are the neural
network's and the shared subspace's automatic strength on many tasks, features
and samples (one to two minutes at 20 tasks x 30 features x 500 samples).
"""

from __future__ import annotations

from .scenario import Scenario

#: Above this estimate (seconds) a page asks before fitting.
FIT_BUDGET_SECONDS = 10.0


def fit_seconds(model_key: str, auto: bool, n_tasks: int, n_train: int, n_features: int, n_hidden: int = 8) -> float:
    """Estimated cold time of one exact fit (with the dashboard's solver settings), seconds.

    Parameters
    ----------
    model_key : str
        A key of ``mtl_core.models.registry.MODELS`` ("stl", "pooled", "shared_hidden", ...).
    auto : bool
        Whether the strength is chosen automatically (cross-validation: many fits).
    n_tasks, n_train, n_features : int
        Problem size (``n_train`` samples per task).
    n_hidden : int
        Hidden units (shared hidden layer only).
    """
    T, n, d = int(n_tasks), int(n_train), int(n_features)
    if model_key == "shared_hidden":
        # One L-BFGS run over all tasks; auto solves the 3 x 3 CV problems and 3 full fits as one batch,
        # whose iterations grow with the problem.
        fixed = 1.0 + 6e-4 * T * n * (1 + d / 30) / 2 * max(n_hidden, 1) / 8
        return fixed * (4 + 25 * min(1.0, T * n * d / 60_000)) if auto else fixed
    if model_key == "shared_subspace":
        # Alternating minimization with restarts; the subspace step grows with d^2.
        cost = 0.3 + 4e-4 * T * n + 6e-4 * T * d * d * n**0.3
        return cost if auto else cost / 12
    if model_key == "clustered":
        # Newton on all T*d weights at once up to 100 of them, FISTA above (its iterations, not the
        # samples, dominate); measured quiet at 0.1-2 s (Newton) and up to 9 s (20 x 50), doubled here.
        if T * d <= 100:
            cost = 2 * (0.1 + 4e-3 * T * d * (1 + n / 250))
        else:
            cost = 2 * (0.3 + 9e-3 * T * d)
        return cost if auto else cost / 20
    # The convex models (Newton or proximal gradient): about linear in the data's size.
    one = 0.02 + 1e-6 * T * (n + 50) * (d + 1)
    return 0.1 + 8e-6 * T * (n + 50) * (d + 1) if auto else one


def scenario_fit_seconds(scenario: Scenario, model_key: str, strength: float | None) -> float:
    """Estimated cold time of fitting ``model_key`` on ``scenario``'s tasks (``strength`` None: auto)."""
    n = max(int(scenario.n_train), int(scenario.poor_task_n or 0))  # the largest task sets the cost
    return fit_seconds(model_key, strength is None, scenario.n_tasks, n, scenario.n_features, scenario.n_hidden)


def compare_seconds(scenario: Scenario) -> float:
    """Estimated cold time of the Compare page's exact fits (STL, pooled and the scenario's MTL model)."""
    baselines = scenario_fit_seconds(scenario, "stl", None) + scenario_fit_seconds(scenario, "pooled", None)
    return baselines + scenario_fit_seconds(scenario, scenario.model, scenario.strength)


def describe(seconds: float) -> str:
    """The estimate as a class reads it ("about 40 s", "about 2 minutes")."""
    if seconds < 90:
        return f"about {max(1, round(seconds / 5) * 5 if seconds > 10 else round(seconds))} s"
    return f"about {round(seconds / 60)} minutes"
