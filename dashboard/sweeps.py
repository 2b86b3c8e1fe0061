"""The Sweep page's experiments: relatedness x training-size grid, learning curves, lambda path.

Pure functions over `mtl_core.experiments`.  `run_sweep` fits the grid's
training-set sizes on two threads (`experiments.sweep(workers=2)`); progress
goes to a counter that the script thread reads (`st_cache.with_progress`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from mtl_core import MeanRegularizedMTL, PooledLogistic, SingleTaskLogistic
from mtl_core import experiments

from .scenario import Scenario

Progress = Callable[[int, int], None]

#: Relatedness and training-size grids of the sweep (the scenario's own values are added).
REL_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
N_GRID = (5, 10, 20, 40, 80)
#: Sharing strengths of the lambda path, from the STL end to the pooled end.
LAMS = tuple(float(x) for x in np.logspace(-4, 3, 15))
REPEAT_OPTIONS = (3, 5, 10, 20)
DEFAULT_REPEATS = 5
MTL_LABEL = "MTL (mean-regularized)"


@dataclass(frozen=True)
class SweepSpec:
    """Everything a sweep depends on (hashable: the cache key)."""

    relatedness: tuple[float, ...]
    n_train: tuple[int, ...]
    repeats: int
    seed: int
    lam: float | None  # None: cross-validated
    data: tuple  # the other make_tasks arguments, as sorted items

    @property
    def data_kwargs(self) -> dict:
        return dict(self.data)

    @property
    def n_problems(self) -> int:
        return len(self.relatedness) * len(self.n_train) * self.repeats


def sweep_spec(scenario: Scenario, repeats: int = DEFAULT_REPEATS) -> SweepSpec:
    """The sweep of a scenario: the standard grids plus the scenario's own relatedness and size.

    The sweep always uses mean-regularized MTL (batched and fast); its strength
    is the scenario's when the scenario uses that model, else cross-validated.
    """
    rel = tuple(sorted(set(REL_GRID) | {round(float(scenario.relatedness), 4)}))
    ns = tuple(sorted(set(N_GRID) | {int(scenario.n_train)}))
    lam = scenario.strength if scenario.model == "mean_regularized" else None
    data = scenario.make_tasks_kwargs()
    for key in ("n_train", "relatedness", "seed"):
        data.pop(key)
    return SweepSpec(rel, ns, int(repeats), int(scenario.seed), lam, tuple(sorted(data.items())))


#: Folds and sharing-strength grid of the sweep's cross-validation: coarser than the Compare page's
#: (5 folds, 13 values) to halve the cost; the sweep averages over task draws anyway.
SWEEP_CV = 3
SWEEP_LAM_GRID = tuple(float(x) for x in np.logspace(-4, 2, 7))


def sweep_models(spec: SweepSpec) -> list:
    """STL and pooled with cross-validated ridge, and mean-regularized MTL."""
    return [
        SingleTaskLogistic(alpha="auto", cv=SWEEP_CV),
        PooledLogistic(alpha="auto", cv=SWEEP_CV),
        MeanRegularizedMTL(lam="auto" if spec.lam is None else float(spec.lam), cv=SWEEP_CV, lam_grid=list(SWEEP_LAM_GRID)),
    ]


def run_sweep(spec: SweepSpec, progress: Progress | None = None, workers: int = 2) -> pd.DataFrame:
    """Summary of the sweep: one row per relatedness, n_train and model (see `experiments.sweep`)."""
    res = experiments.sweep(
        relatedness=list(spec.relatedness), n_train=list(spec.n_train), models=sweep_models(spec), repeats=spec.repeats,
        seed=spec.seed, progress=progress, workers=workers, **spec.data_kwargs,
    )
    return res.summary.sort_values(["model", "n_train", "relatedness"], kind="stable").reset_index(drop=True)


def learning_curve(summary: pd.DataFrame, relatedness: float) -> pd.DataFrame:
    """The sweep's rows at ``relatedness``: accuracy against training samples per task, per model."""
    rel = summary["relatedness"].to_numpy()
    nearest = rel[np.argmin(np.abs(rel - relatedness))]
    return summary[np.isclose(rel, nearest)].sort_values(["model", "n_train"]).reset_index(drop=True)


def run_lambda_path(scenario: Scenario, repeats: int = DEFAULT_REPEATS, progress: Progress | None = None):
    """`experiments.lambda_path` at the scenario's settings (every task draw shared by all lams)."""
    kw = scenario.make_tasks_kwargs()
    kw.pop("seed")
    return experiments.lambda_path(lams=list(LAMS), repeats=repeats, seed=scenario.seed, progress=progress, **kw)


def run_lambda_path_from_key(data_key: tuple, repeats: int = DEFAULT_REPEATS, progress: Progress | None = None):
    """`run_lambda_path` for the task set given by `Scenario.data_key()`."""
    kw = dict(data_key)
    seed = kw.pop("seed")
    sizes = list(kw.pop("n_train"))
    kw["n_train"] = sizes if len(set(sizes)) > 1 else sizes[0]
    return experiments.lambda_path(lams=list(LAMS), repeats=repeats, seed=seed, progress=progress, **kw)


#: Seconds per unit of `estimate_seconds` (calibrated on 2 cores; the default sweep is ~1.5 s).
_SECONDS_PER_UNIT = 2.5e-5


def estimate_seconds(spec: SweepSpec) -> float:
    """Rough cold-cache time of `run_sweep` for ``spec`` on a 2-core machine."""
    d = dict(spec.data)
    units = spec.repeats * len(spec.relatedness) * sum(spec.n_train) * d["n_tasks"] * max(d["n_features"], 2)
    if d.get("family") == "nonlinear":
        units *= 1.4
    return units * _SECONDS_PER_UNIT


def sweep_notice(summary: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Short sentences about the sweep's numbers."""
    out = []
    mtl = summary[summary["model"] == MTL_LABEL]
    pooled = summary[summary["model"] == "Pooled"]
    if len(mtl):
        best = mtl.loc[mtl["gap_mean"].idxmax()]
        worst = mtl.loc[mtl["gap_mean"].idxmin()]
        out.append(
            f"MTL helps most with **{int(best.n_train)} samples per task at relatedness {best.relatedness:.2f}** "
            f"({100 * best.gap_mean:+.1f} points vs STL)."
        )
        if worst.gap_mean < -0.005:
            out.append(
                f"Its worst cell is {int(worst.n_train)} samples at relatedness {worst.relatedness:.2f} "
                f"({100 * worst.gap_mean:+.1f} points): negative transfer."
            )
        big = mtl[mtl["n_train"] == mtl["n_train"].max()]
        out.append(
            f"With {int(big.n_train.iloc[0])} samples per task the gap shrinks to "
            f"{100 * big.gap_mean.min():+.1f} … {100 * big.gap_mean.max():+.1f} points: plenty of data needs no help."
        )
    if len(pooled):
        low = pooled[pooled["relatedness"] == pooled["relatedness"].min()]
        out.append(
            f"Pooling unrelated tasks (relatedness {low.relatedness.iloc[0]:.2f}) costs "
            f"{-100 * low.gap_mean.mean():.1f} points on average: that is negative transfer in its purest form."
        )
    return out
