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

from .scenario import Scenario, TaskSpec

Progress = Callable[[int, int], None]

#: Relatedness and training-size grids of the sweep (the scenario's own values are added).
REL_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
N_GRID = (5, 10, 20, 40, 80)
#: Sharing strengths of the lambda path, from the STL end to one shared weight vector (per-task intercepts).
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
        seed=spec.seed, progress=progress, workers=workers, metrics=("accuracy",), **spec.data_kwargs,
    )  # the Sweep page shows accuracy only: the other metrics would cost it time (AUC sorts every test set)
    return res.summary.sort_values(["model", "n_train", "relatedness"], kind="stable").reset_index(drop=True)


def learning_curve(summary: pd.DataFrame, relatedness: float) -> pd.DataFrame:
    """The sweep's rows at ``relatedness``: accuracy against training samples per task, per model."""
    rel = summary["relatedness"].to_numpy()
    nearest = rel[np.argmin(np.abs(rel - relatedness))]
    return summary[np.isclose(rel, nearest)].sort_values(["model", "n_train"]).reset_index(drop=True)


def run_lambda_path(spec: TaskSpec, repeats: int = DEFAULT_REPEATS, progress: Progress | None = None):
    """`experiments.lambda_path` on draws of the task set ``spec`` (every draw shared by all lams)."""
    kw = spec.make_tasks_kwargs()
    seed = kw.pop("seed")
    return experiments.lambda_path(lams=list(LAMS), repeats=repeats, seed=seed, progress=progress, **kw)


#: Accuracy points between the path's right end and the pooled line from which the caption explains the difference.
VISIBLE_POINTS = 0.5


def lambda_path_ends(lp: experiments.LambdaPath) -> tuple[float, float]:
    """Mean test accuracy (%) at the λ path's right end (largest λ) and of the pooled reference (NaN if absent)."""
    path = lp.path.sort_values("lam")
    end = 100 * float(path["mean_accuracy"].iloc[-1]) if len(path) else float("nan")
    refs = lp.references.set_index("model")
    pooled = 100 * float(refs.loc["Pooled", "mean_accuracy"]) if "Pooled" in refs.index else float("nan")
    return end, pooled


def lambda_path_caption(lp: experiments.LambdaPath) -> str:
    """Caption of the λ path figure: what its right end is, and why it is off the pooled line when it is.

    Mean-regularized MTL at large λ shares one weight vector but keeps a
    per-task intercept; the pooled model shares the intercept too.  When the
    two differ by at least `VISIBLE_POINTS`, the caption says which way and why.

    Parameters
    ----------
    lp : mtl_core.experiments.LambdaPath

    Returns
    -------
    str
        Markdown.
    """
    text = ("**The right end is not the pooled model.** At large λ mean-regularized MTL has one shared weight vector "
            "but keeps **one intercept per task**; the pooled model shares the intercept too (one weight vector and one "
            "threshold for every task).")
    end, pooled = lambda_path_ends(lp)
    if not (np.isfinite(end) and np.isfinite(pooled)):
        return text
    if abs(end - pooled) < VISIBLE_POINTS:
        return text + f" Here both reach about the same accuracy ({end:.1f}% and {pooled:.1f}%)."
    if end > pooled:
        why = (f" Here the right end ({end:.1f}%) beats pooling ({pooled:.1f}%): the tasks' best thresholds differ "
               "(e.g. a different class balance), and per-task intercepts let each task keep its own, which one shared "
               "intercept cannot.")
    else:
        why = (f" Here the right end ({end:.1f}%) is below pooling ({pooled:.1f}%): estimating an intercept for each "
               "task from that task's few samples adds more noise than separate thresholds gain, while pooling "
               "estimates one intercept from every task's samples.")
    return text + why


#: Seconds per unit of `estimate_seconds` (calibrated on 2 cores; the default sweep is ~1.5 s).
_SECONDS_PER_UNIT = 2.5e-5


def estimate_seconds(spec: SweepSpec) -> float:
    """Rough cold-cache time of `run_sweep` for ``spec`` on a 2-core machine."""
    d = dict(spec.data)
    units = spec.repeats * len(spec.relatedness) * sum(spec.n_train) * d["n_tasks"] * max(d["n_features"], 2)
    if d.get("family") == "nonlinear":
        units *= 1.4
    return units * _SECONDS_PER_UNIT


#: Words of a gap's 95% interval (`gap_verdict`): clearly better, clearly worse, or no clear difference.
BETTER, WORSE, UNCLEAR = "better", "worse", "unclear"
#: What each verdict is called (the gap of MTL or pooled vs STL).
VERDICT_TEXT = {BETTER: "better than STL", WORSE: "worse than STL: negative transfer",
                UNCLEAR: "no clear difference (the interval contains 0)"}


def gap_verdict(low: float, high: float) -> str:
    """Where the 95% interval ``[low, high]`` of a gap vs STL lies.

    Parameters
    ----------
    low, high : float
        Bounds of the interval (any unit; NaN when unknown, e.g. one task draw).

    Returns
    -------
    str
        `BETTER` if the interval is above 0, `WORSE` if it is below 0 (only
        then is it negative transfer), `UNCLEAR` if it contains 0 or is unknown:
        no clear difference.
    """
    low, high = float(low), float(high)
    if np.isfinite(low) and low > 0:
        return BETTER
    if np.isfinite(high) and high < 0:
        return WORSE
    return UNCLEAR


def _pts(x: float) -> str:
    """A gap (accuracy fraction) in points, signed, with a true minus; 0.0 unsigned."""
    v = round(100 * float(x), 1)
    return "0.0" if v == 0 else f"{v:+.1f}".replace("-", "−")


def _ci(row: pd.Series) -> str:
    if not (np.isfinite(row.gap_low) and np.isfinite(row.gap_high)):
        return "no interval with one task draw"
    return f"95% CI {_pts(row.gap_low)} to {_pts(row.gap_high)}"


def _cell(row: pd.Series) -> str:
    return f"{int(row.n_train)} samples per task at relatedness {row.relatedness:.2f}"


def _verdicts(rows: pd.DataFrame) -> pd.Series:
    return pd.Series([gap_verdict(lo, hi) for lo, hi in zip(rows["gap_low"], rows["gap_high"])], index=rows.index,
                     dtype=object)


def sweep_notice(summary: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Short Markdown sentences about the sweep's numbers.

    A cell is called better or worse than STL (negative transfer) only where
    the 95% interval of its gap excludes 0 (`gap_verdict`); elsewhere the
    sentences say "no clear difference".
    """
    out = []
    mtl = summary[summary["model"] == MTL_LABEL]
    pooled = summary[summary["model"] == "Pooled"]
    if len(mtl):
        verdict = _verdicts(mtl)
        better, worse = mtl[verdict == BETTER], mtl[verdict == WORSE]
        if len(better):
            best = better.loc[better["gap_mean"].idxmax()]
            out.append(
                f"MTL is clearly better than STL (95% interval above 0) in {len(better)} of {len(mtl)} cells; it helps "
                f"most with **{_cell(best)}** ({_pts(best.gap_mean)} points vs STL, {_ci(best)})."
            )
        else:
            best = mtl.loc[mtl["gap_mean"].idxmax()]
            out.append(
                f"MTL is not clearly better than STL in any cell: no 95% interval lies above 0. Its best cell, "
                f"{_cell(best)}, shows {_pts(best.gap_mean)} points ({_ci(best)}): no clear difference."
            )
        if len(worse):
            w = worse.loc[worse["gap_mean"].idxmin()]
            out.append(
                f"Negative transfer in {len(worse)} of {len(mtl)} cells (95% interval below 0); the worst is {_cell(w)} "
                f"({_pts(w.gap_mean)} points, {_ci(w)})."
            )
        else:
            w = mtl.loc[mtl["gap_mean"].idxmin()]
            if w.gap_mean < -0.005:
                out.append(
                    f"MTL is not clearly worse than STL in any cell: its worst, {_cell(w)} ({_pts(w.gap_mean)} points, "
                    f"{_ci(w)}), shows no clear difference (the interval contains 0)."
                )
        big = mtl[mtl["n_train"] == mtl["n_train"].max()]
        out.append(
            f"With {int(big.n_train.iloc[0])} samples per task the gap shrinks to "
            f"{_pts(big.gap_mean.min())} … {_pts(big.gap_mean.max())} points: plenty of data needs no help."
        )
    if len(pooled):
        low = pooled[pooled["relatedness"] == pooled["relatedness"].min()]
        hurt = low[_verdicts(low) == WORSE]
        head = (f"Pooling unrelated tasks (relatedness {low.relatedness.iloc[0]:.2f}) gives "
                f"{_pts(low.gap_mean.mean())} points vs STL on average")
        if len(hurt) == len(low):
            out.append(f"{head}, with the 95% interval below 0 at every training size: that is negative transfer in "
                       "its purest form.")
        elif len(hurt):
            sizes = ", ".join(str(int(n)) for n in sorted(hurt["n_train"]))
            out.append(f"{head}: negative transfer (95% interval below 0) with {sizes} samples per task, no clear "
                       "difference at the other sizes (their intervals contain 0).")
        else:
            out.append(f"{head}: no clear difference at any training size (every 95% interval contains 0).")
    return out
