"""Experiments: compare models on one task set, sweep relatedness x sample size, learning curves, lambda paths.

All repeated experiments are *paired*: in repeat ``r`` every model sees the
same tasks (the same training and test samples), so the gap of a model against
STL is computed per repeat and its 95% interval is a t-interval over repeats.
They report test accuracy, balanced accuracy and ROC AUC (`SCORES`, computed by
`mtl_core.metrics`), or the metrics asked for. The fits of a sweep run through the batched solvers: every (cell,
repeat) problem that shares a training-set size is fitted in one call, in
chunks that bound peak memory.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone

from .batch import TaskBatch, pack_problems
from .metrics import METRICS, task_mean
from .models import MeanRegularizedMTL, MTLEstimator, PooledLogistic, SingleTaskLogistic
from .models.cv import select_strength_batch
from .taskset import TaskSet
from .tasks import make_tasks

Progress = Callable[[int, int], None]

#: Bound on the padded training features of one batched fit (bytes); larger grids are chunked.
CHUNK_BYTES = 32 * 2**20
#: The test metrics every repeated experiment reports (names of `mtl_core.metrics.METRICS`).  Accuracy
#: says little on imbalanced tasks (the majority rule scores the majority rate); balanced accuracy and
#: ROC AUC score chance 0.5 whatever the imbalance.
SCORES = ("accuracy", "balanced_accuracy", "roc_auc")


def default_models() -> list[MTLEstimator]:
    """STL, pooled and mean-regularized MTL with cross-validated sharing strength."""
    return [SingleTaskLogistic(), PooledLogistic(), MeanRegularizedMTL(lam="auto")]


def model_labels(models: Sequence[MTLEstimator]) -> list[str]:
    """Unique display names: the model's name, with its strength added where names repeat."""
    names = [m.name for m in models]
    out = []
    for m, n in zip(models, names):
        if names.count(n) > 1:
            n = f"{n} [{m.strength_param}={getattr(m, m.strength_param)}]"
        out.append(n)
    if len(set(out)) < len(out):
        raise ValueError("Two models have the same name and strength; pass distinct models.")
    return out


def _with_reference(models: Sequence[MTLEstimator] | None) -> tuple[list[MTLEstimator], int]:
    """The model list with an STL reference (added first if missing) and its index."""
    models = default_models() if models is None else list(models)
    if not models:
        raise ValueError("Give at least one model.")
    for m in models:
        if not isinstance(m, MTLEstimator):
            raise ValueError(f"Models must be mtl_core estimators, got {m!r}.")
    for i, m in enumerate(models):
        if isinstance(m, SingleTaskLogistic):
            return models, i
    return [SingleTaskLogistic()] + models, 0


def summary_columns(metric: str) -> dict[str, str]:
    """The summary's column names of ``metric`` (one of `SCORES`): its mean and interval, its gap vs STL and interval.

    Accuracy keeps the historical names (``mean_accuracy``, ``accuracy_low``,
    ``gap_mean``, ...); every other metric is spelled the same way with its name
    (``mean_roc_auc``, ``roc_auc_low``, ``roc_auc_gap_mean``, ...).
    """
    gap = "gap" if metric == "accuracy" else f"{metric}_gap"
    return {"mean": f"mean_{metric}", "low": f"{metric}_low", "high": f"{metric}_high",
            "gap_mean": f"{gap}_mean", "gap_low": f"{gap}_low", "gap_high": f"{gap}_high"}


def t_interval(values: np.ndarray, axis: int = 0, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and a t-based confidence interval along ``axis`` (NaN bounds with one value)."""
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    mean = values.mean(axis=axis)
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(axis=axis, ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


# ---------------------------------------------------------------- compare
@dataclass
class Comparison:
    """Result of `compare`.

    Attributes
    ----------
    table : DataFrame
        One row per model and task: ``model``, ``task``, ``task_name``, ``related``,
        ``n_train``, ``train_accuracy``, ``test_accuracy``, ``train_loss``,
        ``test_loss``, ``bayes_accuracy``, ``gap_vs_stl`` (test accuracy minus STL's).
    models : dict of str to fitted estimator
    mean_gap : dict of str to float
        Mean over tasks of ``gap_vs_stl`` per model.
    reference : str
        The STL model's label.
    """

    table: pd.DataFrame
    models: dict[str, MTLEstimator]
    mean_gap: dict[str, float]
    reference: str


def compare(taskset: TaskSet, models: Sequence[MTLEstimator] | None = None) -> Comparison:
    """Fit every model on ``taskset`` and tabulate per-task train/test accuracy and loss.

    Parameters
    ----------
    taskset : TaskSet
    models : list of estimators, optional
        Unfitted estimators (they are cloned, not modified); default
        `default_models`. An STL reference is added if missing.

    Returns
    -------
    Comparison
    """
    models, ref = _with_reference(models)
    labels = model_labels(models)
    fitted: dict[str, MTLEstimator] = {}
    rows = []
    T = taskset.n_tasks
    bayes = taskset.bayes_accuracy if taskset.bayes_accuracy is not None else np.full(T, np.nan)
    for label, model in zip(labels, models):
        m = clone(model).fit(taskset.X_train, taskset.y_train, eval_set=(taskset.X_test, taskset.y_test))
        fitted[label] = m
        tr_acc = m.task_scores(taskset.X_train, taskset.y_train, "accuracy")
        te_acc = m.task_scores(taskset.X_test, taskset.y_test, "accuracy")
        tr_loss = m.task_scores(taskset.X_train, taskset.y_train, "log_loss")
        te_loss = m.task_scores(taskset.X_test, taskset.y_test, "log_loss")
        for t in range(T):
            rows.append(
                {
                    "model": label,
                    "task": t,
                    "task_name": taskset.task_names[t],
                    "related": bool(taskset.related[t]),
                    "n_train": taskset.n_train[t],
                    "train_accuracy": tr_acc[t],
                    "test_accuracy": te_acc[t],
                    "train_loss": tr_loss[t],
                    "test_loss": te_loss[t],
                    "bayes_accuracy": bayes[t],
                    "strength": getattr(m, m.strength_param + "_"),
                }
            )
    table = pd.DataFrame(rows)
    stl = table[table.model == labels[ref]].set_index("task")["test_accuracy"]
    table["gap_vs_stl"] = table["test_accuracy"].to_numpy() - stl.loc[table["task"]].to_numpy()
    mean_gap = table.groupby("model", sort=False)["gap_vs_stl"].mean().to_dict()
    return Comparison(table=table, models=fitted, mean_gap=mean_gap, reference=labels[ref])


# ------------------------------------------------------------ batched core
def _check_metrics(metrics: Sequence[str]) -> tuple[str, ...]:
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if not metrics or unknown:
        raise ValueError(f"metrics must name one or more of {sorted(METRICS)}, got {list(metrics)!r}.")
    return metrics


def fit_score_batch(
    model: MTLEstimator, train: TaskBatch, test: TaskBatch, seed: int = 0, metrics: Sequence[str] = SCORES
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Fit ``model`` on every problem of ``train`` at once and score it on ``test``.

    The strength is the model's own, or chosen per problem by cross-validation
    when it is ``"auto"``.

    Returns
    -------
    scores : dict of str to ndarray of shape (B, T)
        Test score per problem and task for every metric of ``metrics`` (default
        `SCORES`; names of `mtl_core.metrics.METRICS`), NaN where a task's test
        set lacks a class, for balanced accuracy and AUC.
    strength : ndarray of shape (B,)
    converged : ndarray of shape (B,) of bool
    """
    model.check_params()
    B = train.n_batch
    value = getattr(model, model.strength_param)
    start = None
    if isinstance(value, str):
        strength, cv = select_strength_batch(model, train, seed=seed)
        start = cv.get("chosen_fit")  # CV's whole-data fits at the chosen values: finish from there
    else:
        strength = np.full(B, float(value))
    hp = model.batch_hyperparams(B, 0.0)
    hp[model.strength_param] = strength
    params, _, converged = model.fit_batch(train, hp, init=start)
    z = model.decision_batch(params, test.X)
    scores = {name: METRICS[name](z, test.s, test.mask) for name in _check_metrics(metrics)}
    return scores, strength, converged


def _chunks(n_items: int, bytes_per_item: int) -> Iterable[slice]:
    size = max(1, CHUNK_BYTES // max(bytes_per_item, 1))
    for start in range(0, n_items, size):
        yield slice(start, min(n_items, start + size))


def evaluate_tasksets(
    tasksets: Sequence[TaskSet],
    models: Sequence[MTLEstimator],
    *,
    seed: int = 0,
    progress: Progress | None = None,
    progress_offset: int = 0,
    progress_total: int | None = None,
    metrics: Sequence[str] = SCORES,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Test scores of every model on every task set (all with the same T and d), batched.

    Returns
    -------
    scores : dict of str to ndarray of shape (n_models, n_tasksets, T)
        One array per metric of ``metrics`` (default `SCORES`: ``scores["accuracy"]``, ...).
    strength : ndarray of shape (n_models, n_tasksets)
    """
    n = len(tasksets)
    T, d = tasksets[0].n_tasks, tasksets[0].n_features
    n_max = max(max(ts.n_train) for ts in tasksets)
    metrics = _check_metrics(metrics)
    scores = {name: np.empty((len(models), n, T)) for name in metrics}
    strength = np.empty((len(models), n))
    total = progress_total if progress_total is not None else len(models) * n
    done = progress_offset
    # per problem: padded train features and their temporaries in the solvers (~8 copies)
    for sl in _chunks(n, T * n_max * d * 8 * 8):
        part = tasksets[sl]
        train = pack_problems([(ts.X_train, ts.y_train) for ts in part])
        test = pack_problems([(ts.X_test, ts.y_test) for ts in part])
        for i, model in enumerate(models):
            got, s, _ = fit_score_batch(model, train, test, seed=seed, metrics=metrics)
            for name in metrics:
                scores[name][i, sl] = got[name]
            strength[i, sl] = s
            done += len(part)
            if progress is not None:
                progress(done, total)
    return scores, strength


def repeat_seed(seed: int, repeat: int) -> int:
    """Task seed of repeat ``repeat``: independent streams for every (seed, repeat) pair."""
    return int(np.random.SeedSequence([int(seed), int(repeat)]).generate_state(1)[0])


# ------------------------------------------------------------------ sweep
@dataclass
class SweepResult:
    """Result of `sweep`.

    Attributes
    ----------
    table : DataFrame
        One row per relatedness, n_train, repeat, model and task: ``test_accuracy``,
        ``test_balanced_accuracy``, ``test_roc_auc`` (every metric of `SCORES`),
        ``bayes_accuracy``, ``related``, ``strength`` (the strength used, CV-chosen for "auto").
    summary : DataFrame
        One row per relatedness, n_train and model: ``mean_accuracy`` with
        ``accuracy_low``/``accuracy_high`` and ``gap_mean`` (vs STL, in accuracy
        fraction) with ``gap_low``/``gap_high``: 95% t-intervals over repeats,
        paired (every model sees the same tasks in a repeat).  The same for
        balanced accuracy and ROC AUC under the names of `summary_columns`
        (``mean_roc_auc``, ``roc_auc_low``, ``roc_auc_gap_mean``, ...).
    reference : str
        Label of the STL reference model.
    settings : dict
        The arguments of the sweep.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    reference: str
    settings: dict = field(default_factory=dict)


def _check_repeats(repeats) -> None:
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}.")


def _check_grid(values, name: str, kind=float) -> list:
    values = list(np.atleast_1d(values))
    if not values:
        raise ValueError(f"{name} needs at least one value.")
    return [kind(v) for v in values]


def run_grid(
    cells: Sequence[dict],
    factory: Callable[..., TaskSet],
    models: Sequence[MTLEstimator] | None = None,
    repeats: int = 10,
    seed: int = 0,
    progress: Progress | None = None,
    workers: int = 1,
    metrics: Sequence[str] = SCORES,
) -> SweepResult:
    """Paired repeated experiment over a list of cells, for any source of tasks.

    Parameters
    ----------
    cells : list of dict
        Keyword arguments of ``factory`` that define each cell, e.g.
        ``{"relatedness": 0.5, "n_train": 10}``; all cells share the same keys.
    factory : callable
        ``factory(seed=..., **cell) -> TaskSet``; repeat ``r`` of every cell
        uses ``seed=repeat_seed(seed, r)``, so every model sees the same tasks.
    models, repeats, seed, progress
        As in `sweep`.
    workers : int
        Threads fitting the groups of equal training size in parallel
        (``progress`` is then called from those threads).
    metrics : sequence of str
        The test metrics to report (default `SCORES`); fewer is faster (ROC AUC
        sorts every test set).

    Returns
    -------
    SweepResult
        Its table and summary carry one column per cell key.
    """
    if not cells:
        raise ValueError("Give at least one cell.")
    _check_repeats(repeats)
    keys = list(cells[0])
    metrics = _check_metrics(metrics)
    models, ref = _with_reference(models)
    labels = model_labels(models)
    C = len(cells)
    # Problems of equal training size are fitted together (no padding waste).
    tasksets: list[TaskSet | None] = [None] * (C * repeats)
    for r in range(repeats):
        s = repeat_seed(seed, r)
        for c, cell in enumerate(cells):
            tasksets[c * repeats + r] = factory(seed=s, **cell)
    groups: dict[tuple, list[int]] = {}
    for i, ts in enumerate(tasksets):
        groups.setdefault(tuple(ts.n_train), []).append(i)
    T = tasksets[0].n_tasks
    scores = {name: np.empty((len(models), C * repeats, T)) for name in metrics}
    strength = np.empty((len(models), C * repeats))
    total = C * repeats * len(models)
    group_idx = list(groups.values())
    done = [0] * len(group_idx)

    def fit_group(j: int) -> None:
        def report(group_done: int, _group_total: int) -> None:
            done[j] = group_done
            if progress is not None:
                progress(sum(done), total)

        idx = group_idx[j]
        got, strength[:, idx] = evaluate_tasksets([tasksets[i] for i in idx], models, seed=seed, progress=report,
                                                  metrics=metrics)
        for name in metrics:
            scores[name][:, idx] = got[name]

    # Groups are independent (a repeat's tasks depend only on the seed and the repeat),
    # so threads give the same numbers; the batched NumPy work releases the GIL.
    if workers > 1 and len(group_idx) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(fit_group, range(len(group_idx))))
    else:
        for j in range(len(group_idx)):
            fit_group(j)
    scores = {name: v.reshape(len(models), C, repeats, T) for name, v in scores.items()}
    strength = strength.reshape(len(models), C, repeats)
    ts0 = tasksets[0]
    bayes = ts0.bayes_accuracy if ts0.bayes_accuracy is not None else np.full(T, np.nan)

    M = len(models)
    n_rows = M * C * repeats * T
    cell_col = np.tile(np.repeat(np.arange(C), repeats * T), M)
    columns = {key: np.asarray([cell[key] for cell in cells])[cell_col] for key in keys}
    columns.update(
        repeat=np.tile(np.repeat(np.arange(repeats), T), M * C),
        model=np.repeat(np.asarray(labels, dtype=object), C * repeats * T),
        task=np.tile(np.arange(T), M * C * repeats),
        related=np.tile(np.asarray(ts0.related, dtype=bool), n_rows // T),
        **{f"test_{name}": scores[name].reshape(-1) for name in metrics},
        bayes_accuracy=np.tile(bayes, n_rows // T),
        strength=np.repeat(strength.reshape(-1), T),
    )
    table = pd.DataFrame(columns)

    rows = [{**cell, "model": label} for label in labels for cell in cells]
    for name in metrics:
        per_rep = task_mean(scores[name])  # (M, C, R)
        gaps = per_rep - per_rep[ref : ref + 1]
        m, lo, hi = t_interval(per_rep, axis=2)
        gm, glo, ghi = t_interval(gaps, axis=2)
        col = summary_columns(name)
        for j in range(len(labels)):
            for c in range(C):
                rows[j * C + c].update({col["mean"]: m[j, c], col["low"]: lo[j, c], col["high"]: hi[j, c],
                                        col["gap_mean"]: gm[j, c], col["gap_low"]: glo[j, c], col["gap_high"]: ghi[j, c]})
    for row in rows:
        row["bayes_accuracy"] = float(np.mean(bayes))
    summary = pd.DataFrame(rows)
    settings = {"cells": list(cells), "repeats": repeats, "seed": seed, "models": [repr(m) for m in models]}
    return SweepResult(table=table, summary=summary, reference=labels[ref], settings=settings)


def sweep(
    relatedness: Sequence[float] = tuple(np.linspace(0.0, 1.0, 8)),
    n_train: Sequence[int] = (4, 6, 10, 16, 25, 40, 63, 100),
    models: Sequence[MTLEstimator] | None = None,
    repeats: int = 10,
    seed: int = 0,
    progress: Progress | None = None,
    workers: int = 1,
    metrics: Sequence[str] = SCORES,
    **scenario,
) -> SweepResult:
    """Accuracy of every model over a grid of relatedness x training samples per task.

    Parameters
    ----------
    relatedness : sequence of float in [0, 1]
    n_train : sequence of int >= 2
        Training samples per task.
    models : list of estimators, optional
        Default `default_models`; an STL reference is added if missing.
    repeats : int
        Independent task draws per cell (the same draws for every model).
    seed : int
    progress : callable(done, total), optional
        Called as fits complete.
    workers : int
        Threads for the training-size groups (see `run_grid`).
    metrics : sequence of str
        The test metrics to report (see `run_grid`).
    **scenario
        Any other `make_tasks` argument (``n_tasks``, ``n_features``,
        ``n_unrelated``, ``label_noise``, ``family``, ...).

    Returns
    -------
    SweepResult
    """
    rel = _check_grid(relatedness, "relatedness")
    ns = _check_grid(n_train, "n_train", int)
    for forbidden in ("relatedness", "n_train", "seed"):
        scenario.pop(forbidden, None)
    cells = [{"relatedness": rho, "n_train": n} for n in ns for rho in rel]
    res = run_grid(cells, lambda **kw: make_tasks(**kw, **scenario), models, repeats, seed, progress, workers, metrics)
    res.settings.update({"relatedness": rel, "n_train": ns, **scenario})
    res.settings.pop("cells")
    return res


def learning_curve(
    n_train: Sequence[int] = (4, 6, 10, 16, 25, 40, 63, 100, 160, 250),
    models: Sequence[MTLEstimator] | None = None,
    repeats: int = 10,
    seed: int = 0,
    relatedness: float = 0.8,
    progress: Progress | None = None,
    **scenario,
) -> pd.DataFrame:
    """Test accuracy against training samples per task, per model, with 95% intervals.

    Returns
    -------
    DataFrame
        ``n_train``, ``model``, ``mean_accuracy``, ``accuracy_low``, ``accuracy_high``,
        ``gap_mean``, ``gap_low``, ``gap_high``, ``bayes_accuracy``.
    """
    res = sweep(relatedness=[relatedness], n_train=n_train, models=models, repeats=repeats, seed=seed, progress=progress, **scenario)
    return res.summary.drop(columns="relatedness")


# ------------------------------------------------------------ lambda path
@dataclass
class LambdaPath:
    """Result of `lambda_path`.

    Attributes
    ----------
    path : DataFrame
        ``lam``, ``mean_accuracy``, ``accuracy_low``, ``accuracy_high``: mean
        test accuracy of `MeanRegularizedMTL` over tasks and repeats.
    references : DataFrame
        ``model`` ("STL", "Pooled"), ``mean_accuracy``, ``accuracy_low``, ``accuracy_high``.
    cv_lam : ndarray of shape (repeats,)
        The cross-validated lam of every repeat.
    cv_accuracy : tuple of float
        Mean accuracy (with 95% interval) of the CV-chosen model.
    bayes_accuracy : float
        Mean Bayes-optimal accuracy over tasks (NaN if unknown).
    """

    path: pd.DataFrame
    references: pd.DataFrame
    cv_lam: np.ndarray
    cv_accuracy: tuple[float, float, float]
    bayes_accuracy: float


def lambda_path(
    lams: Sequence[float] = tuple(np.logspace(-4, 3, 15)),
    repeats: int = 10,
    seed: int = 0,
    alpha: float = 0.01,
    progress: Progress | None = None,
    tasksets: Sequence[TaskSet] | None = None,
    **scenario,
) -> LambdaPath:
    """Accuracy of mean-regularized MTL along its sharing strength, from the STL end to the pooled end.

    Small ``lam`` lets every task keep its own weights (STL); large ``lam``
    forces one shared weight vector (pooling with per-task intercepts). STL and
    pooled references and the cross-validated choice are computed on the same
    task draws.

    Parameters
    ----------
    lams : sequence of float > 0
    repeats : int
    seed : int
    alpha : float
        Ridge on the shared vector (and of the STL / pooled references).
    tasksets : list of TaskSet, optional
        Use these task draws instead of `make_tasks(**scenario)` (e.g. real data).
    **scenario
        `make_tasks` arguments.

    Returns
    -------
    LambdaPath
    """
    lams = np.asarray(_check_grid(lams, "lams"), dtype=float)
    if np.any(lams < 0) or not np.all(np.isfinite(lams)):
        raise ValueError("lams must be finite and >= 0.")
    if tasksets is None:
        _check_repeats(repeats)
        scenario.pop("seed", None)
        tasksets = [make_tasks(seed=repeat_seed(seed, r), **scenario) for r in range(repeats)]
    R = len(tasksets)
    G = lams.size
    total = R * (G + 3)
    grid_models = [MeanRegularizedMTL(lam=float(lam), alpha=alpha) for lam in lams]
    refs = [SingleTaskLogistic(alpha=alpha), PooledLogistic(alpha=alpha), MeanRegularizedMTL(lam="auto", alpha=alpha, lam_grid=lams)]
    scores, strength = evaluate_tasksets(tasksets, grid_models + refs, seed=seed, progress=progress, progress_total=total,
                                         metrics=("accuracy",))
    per_rep = scores["accuracy"].mean(-1)  # (models, R)
    m, lo, hi = t_interval(per_rep[:G], axis=1)
    path = pd.DataFrame({"lam": lams, "mean_accuracy": m, "accuracy_low": lo, "accuracy_high": hi})
    rm, rlo, rhi = t_interval(per_rep[G : G + 2], axis=1)
    references = pd.DataFrame({"model": ["STL", "Pooled"], "mean_accuracy": rm, "accuracy_low": rlo, "accuracy_high": rhi})
    cm, clo, chi = t_interval(per_rep[G + 2][None], axis=1)
    bayes = [np.mean(ts.bayes_accuracy) for ts in tasksets if ts.bayes_accuracy is not None]
    return LambdaPath(
        path=path,
        references=references,
        cv_lam=strength[G + 2],
        cv_accuracy=(float(cm[0]), float(clo[0]), float(chi[0])),
        bayes_accuracy=float(np.mean(bayes)) if bayes else float("nan"),
    )
