"""The fits behind the Compare and Models pages, and the sentences that explain them.

Everything here is pure (no Streamlit): `dashboard_ui.st_cache` wraps these
functions in bounded caches keyed on the scenario's plain values, and the CLI
export calls them directly.

Roles: ``"stl"`` (one logistic regression per task), ``"mtl"`` (the scenario's
MTL formulation) and ``"pooled"`` (one model for all tasks).  STL and pooled
always choose their ridge strength by cross-validation; the MTL model uses the
scenario's strength or "auto".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mtl_core import MODELS, ConvergenceWarning, CrossValidationError, DivergenceError, TaskSet
from mtl_core.metrics import per_task_scores

from .scenario import STRENGTH_SYMBOL, Scenario, TaskSpec, fmt_strength

ROLES = ("stl", "mtl", "pooled")
STL_NAME = "STL"
POOLED_NAME = "Pooled"

#: Snapshots kept by the gradient-descent runs (frames of the replay).
MAX_SNAPSHOTS = 50


def role_name(role: str, model_key: str | None) -> str:
    """Display name of a role: "STL", the MTL formulation's name, or "Pooled"."""
    if role == "stl":
        return STL_NAME
    if role == "pooled":
        return POOLED_NAME
    return MODELS[model_key].name


# ----------------------------------------------------------------------------- data


def make_taskset(spec: TaskSpec) -> TaskSet:
    """The task set of ``spec`` (raises the engine's ValueError for bad settings); the one place tasks are drawn."""
    return spec.make()


# ----------------------------------------------------------------------------- fits


@dataclass
class FitOutcome:
    """A fitted model (or None) with the messages to show about it."""

    model: Any | None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    metrics: dict[str, np.ndarray] | None = None  # per-task accuracy and loss, computed once with the fit
    fallback: bool = False  # "auto" could not run: the strength was fixed at the model's fallback value

    @property
    def ok(self) -> bool:
        return self.model is not None


def model_for(role: str, mtl_key: tuple | None, strength: float | str | None = "spec", **extra: Any):
    """An unfitted estimator for ``role``.

    ``mtl_key`` is `Scenario.mtl_key()`: ``(model, strength[, (name, value)])``
    (ignored for STL and pooled). ``strength="spec"`` takes the strength from
    the key (None means "auto"); STL and pooled default to "auto".
    """
    if role in ("stl", "pooled"):
        return MODELS[role].make("auto" if strength == "spec" else strength, **extra)
    spec = MODELS[mtl_key[0]]
    value = mtl_key[1] if strength == "spec" else strength
    return spec.make("auto" if value is None else value, **{**dict(spec.fit_options), **dict(mtl_key[2:]), **extra})


def chosen_strength(model: Any) -> float:
    """The strength a fitted model used (``lam_`` or ``alpha_``)."""
    for attr in ("lam_", "alpha_"):
        if hasattr(model, attr):
            return float(getattr(model, attr))
    return float("nan")  # pragma: no cover


def strength_name(role: str, model_key: str) -> str:
    return MODELS[role if role in ("stl", "pooled") else model_key].strength


def _fit(model: Any, taskset: TaskSet, eval_set: bool = True) -> tuple[Any, list[str]]:
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            model.fit(
                taskset.X_train,
                taskset.y_train,
                eval_set=(taskset.X_test, taskset.y_test) if eval_set else None,
            )
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            notes.append(f"{model.name}: the optimizer stopped before full convergence; the result may be slightly off.")
    return model, notes


def fit_exact(taskset: TaskSet, role: str, mtl_key: tuple) -> FitOutcome:
    """Fit ``role`` with the default (exact) solver; "auto" strengths by cross-validation.

    If cross-validation is impossible (a task with fewer than 2 samples of a
    class) the model is fitted with a fixed strength instead and a note says so.
    Other engine ValueErrors become ``error`` (the model is then None).
    """
    import time

    start = time.perf_counter()
    model_key = mtl_key[0] if mtl_key else "mean_regularized"
    model = model_for(role, mtl_key)
    notes: list[str] = []
    fallback_used = False
    try:
        try:
            model, notes = _fit(model, taskset, eval_set=False)
            if getattr(model, "selection", "") == "evidence+cv" and model.cv_results_ is None and model.evidence_results_:
                notes.insert(0, f"{model.name}: too few training samples of a class to cross-validate, so "
                                f"{STRENGTH_SYMBOL[strength_name(role, model_key)]} was chosen by the evidence alone.")
        except (ValueError, np.linalg.LinAlgError) as exc:
            auto = role in ("stl", "pooled") or mtl_key[1] is None
            if not auto:
                raise
            # Cross-validation impossible (too few samples of a class) or failing inside the
            # engine: fit at a fixed strength instead and say so.
            fallback = MODELS[role if role in ("stl", "pooled") else model_key].fallback_strength
            name = strength_name(role, model_key)
            model = model_for(role, mtl_key, strength=fallback)
            model, notes = _fit(model, taskset, eval_set=False)
            if isinstance(exc, CrossValidationError):
                why = "cross-validation needs at least 2 training samples of each class in every task"
            else:
                why = f"cross-validation failed in the engine ({exc})"
            notes.insert(0, f"{model.name}: {why}, so {STRENGTH_SYMBOL[name]} was fixed at {fmt_strength(fallback)}.")
            fallback_used = True
    except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
        return FitOutcome(None, error=f"{role_name(role, model_key)} could not be fitted: {exc}", seconds=time.perf_counter() - start)
    return FitOutcome(model, notes=notes, seconds=time.perf_counter() - start, metrics=task_metrics(model, taskset),
                      fallback=fallback_used)


def task_metrics(model: Any, taskset: TaskSet) -> dict[str, np.ndarray]:
    """Per-task train/test accuracy and mean log-loss of a fitted model.

    The same numbers as the engine's ``task_scores`` with ``"accuracy"`` and
    ``"log_loss"`` (prediction is ``decision > 0``; the loss is the mean of
    ``log(1 + exp(-s z))``), from one scoring pass over all tasks per split.
    """
    out = {}
    for split, Xs, ys in (("train", taskset.X_train, taskset.y_train), ("test", taskset.X_test, taskset.y_test)):
        z = model.decision_functions(Xs)
        out[f"{split}_accuracy"] = per_task_scores("accuracy", z, ys)
        out[f"{split}_loss"] = per_task_scores("log_loss", z, ys)
    return {key: out[key] for key in ("train_accuracy", "test_accuracy", "train_loss", "test_loss")}


def fit_gd(
    taskset: TaskSet, role: str, mtl_key: tuple, strength: float, learning_rate: float, n_epochs: int
) -> FitOutcome:
    """Gradient-descent training of ``role`` at a fixed ``strength`` (the exact fit's choice).

    Keeps at most `MAX_SNAPSHOTS` parameter snapshots for the replay. A
    diverging run (learning rate too large) is returned as ``error``.
    """
    import time

    start = time.perf_counter()
    model = model_for(
        role,
        mtl_key,
        strength=float(strength),
        solver="gd",
        learning_rate=float(learning_rate),
        n_epochs=int(n_epochs),
        n_snapshots=min(MAX_SNAPSHOTS, int(n_epochs)),
    )
    try:
        model, notes = _fit(model, taskset)
    except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
        msg = str(exc)
        name = role_name(role, mtl_key[0] if mtl_key else None)
        if isinstance(exc, DivergenceError):
            msg = (
                f"{name}: gradient descent diverged at learning rate {learning_rate:g}. "
                "Choose a smaller learning rate."
            )
        else:
            msg = f"{name}: gradient-descent training failed: {msg}"
        return FitOutcome(None, error=msg, seconds=time.perf_counter() - start)
    return FitOutcome(model, notes=[], seconds=time.perf_counter() - start)


# ----------------------------------------------------------------------------- results


@dataclass
class CompareData:
    """Everything the Compare page draws for one scenario."""

    scenario: Scenario
    taskset: TaskSet
    exact: dict[str, FitOutcome]
    gd: dict[str, FitOutcome]
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: `per_model_accuracy` of ``table`` (None if the table is empty), computed once for every reader.
    accuracy: pd.DataFrame | None = None

    @property
    def roles(self) -> list[str]:
        """Roles with a fitted exact model, in display order (pooled only if shown)."""
        out = []
        for role in ROLES:
            if role == "pooled" and not self.scenario.show_pooled:
                continue
            if role in self.exact and self.exact[role].ok:
                out.append(role)
        return out

    def name(self, role: str) -> str:
        return role_name(role, self.scenario.model)

    def model(self, role: str) -> Any:
        return self.exact[role].model

    def accuracy_of(self, name: str) -> np.ndarray:
        """Test accuracy per task (in `accuracy`'s row order) of the model called ``name``."""
        return self.accuracy.to_numpy()[:, self.accuracy.columns.get_loc(name)]

    def bayes(self) -> np.ndarray:
        """`bayes_per_task` of the task set."""
        return bayes_per_task(self.taskset)


def bayes_per_task(taskset: TaskSet) -> np.ndarray:
    """Bayes accuracy per task, shape (n_tasks,) (NaN where unknown, e.g. real data)."""
    b = taskset.bayes_accuracy
    return np.full(taskset.n_tasks, np.nan) if b is None else np.asarray(b, dtype=float)


def results_table(
    taskset: TaskSet, models: dict[str, Any], metrics: dict[str, dict[str, np.ndarray]] | None = None
) -> pd.DataFrame:
    """One row per (model, task), in the engine's `compare` table layout (task numbered from 1).

    Columns: model, task, task_name, related, n_train, train_accuracy,
    test_accuracy, train_loss, test_loss, bayes_accuracy, gap_vs_stl (test
    accuracy minus STL's, as a fraction), strength_name, strength.
    ``metrics`` (model name -> `task_metrics`) avoids recomputing them.
    """
    metrics = dict(metrics or {})
    for name, model in models.items():
        if name not in metrics:
            metrics[name] = task_metrics(model, taskset)
    T = taskset.n_tasks
    names = list(models)
    bayes = bayes_per_task(taskset)
    stl_acc = metrics[STL_NAME]["test_accuracy"] if STL_NAME in metrics else np.full(T, np.nan)
    per_model = lambda key: np.concatenate([np.asarray(metrics[n][key], dtype=float) for n in names])
    tile = lambda values, dtype: np.tile(np.asarray(values, dtype=dtype), len(names))
    # One frame from whole columns (a frame per model and a concat cost several times more).
    return pd.DataFrame(
        {
            "model": np.repeat(np.array(names, dtype=object), T),
            "task": tile(np.arange(1, T + 1), int),
            "task_name": tile(list(taskset.task_names), object),
            "related": tile(taskset.related, bool),
            "n_train": tile(taskset.n_train, int),
            "train_accuracy": per_model("train_accuracy"),
            "test_accuracy": per_model("test_accuracy"),
            "train_loss": per_model("train_loss"),
            "test_loss": per_model("test_loss"),
            "bayes_accuracy": tile(bayes, float),
            "gap_vs_stl": per_model("test_accuracy") - np.tile(np.asarray(stl_acc, dtype=float), len(names)),
            "strength_name": np.repeat(np.array(["lam" if hasattr(models[n], "lam_") else "alpha" for n in names], dtype=object), T),
            "strength": np.repeat(np.array([chosen_strength(models[n]) for n in names], dtype=float), T),
        }
    )


def assemble(scenario: Scenario, taskset: TaskSet, exact: dict[str, FitOutcome], gd: dict[str, FitOutcome]) -> CompareData:
    """Build the `CompareData` (results table and notes) from the fits."""
    ok = [r for r in ROLES if r in exact and exact[r].ok]
    models = {role_name(r, scenario.model): exact[r].model for r in ok}
    metrics = {role_name(r, scenario.model): exact[r].metrics for r in ok if exact[r].metrics is not None}
    table = results_table(taskset, models, metrics) if models else pd.DataFrame()
    notes: list[str] = []
    for outcome in list(exact.values()) + list(gd.values()):
        notes.extend(outcome.notes)
    accuracy = per_model_accuracy(table) if models else None
    return CompareData(scenario, taskset, exact, gd, table, notes, accuracy)


def compare_scenario(scenario: Scenario, with_gd: bool = True) -> CompareData:
    """All fits of the Compare page, uncached (the CLI export and tests use this)."""
    taskset = make_taskset(scenario.task_spec())
    key = scenario.mtl_key()
    exact = {role: fit_exact(taskset, role, key) for role in ROLES}
    gd: dict[str, FitOutcome] = {}
    if with_gd:
        for role in ROLES:
            if exact[role].ok:
                gd[role] = fit_gd(
                    taskset, role, key, chosen_strength(exact[role].model), scenario.learning_rate, scenario.n_epochs
                )
    return assemble(scenario, taskset, exact, gd)


# ----------------------------------------------------------------------------- captions


def _pts(x: float) -> str:
    """Accuracy difference (fraction) in signed points, e.g. ``+7.4``."""
    v = 100 * x
    if abs(v) < 0.05:
        return "±0.0"
    return f"{v:+.1f}".replace("-", "−")


def per_model_accuracy(table: pd.DataFrame) -> pd.DataFrame:
    """Test accuracy pivot: rows tasks (1-based), columns model names in table order."""
    models = table["model"].to_numpy()
    tasks = table["task"].to_numpy()
    acc = table["test_accuracy"].to_numpy(dtype=float)
    names = list(dict.fromkeys(models.tolist()))
    order = np.unique(tasks)
    M, T = len(names), len(order)
    blocks = len(tasks) == M * T
    if blocks and np.array_equal(tasks.reshape(M, T), np.broadcast_to(order, (M, T))) and all(
        (models[i * T:(i + 1) * T] == name).all() for i, name in enumerate(names)
    ):
        values = acc.reshape(M, T).T  # results_table's layout: one block of tasks 1..T per model
    else:
        values = np.full((T, M), np.nan)
        for j, name in enumerate(names):
            sel = models == name
            values[np.searchsorted(order, tasks[sel]), j] = acc[sel]
    return pd.DataFrame(values, index=pd.Index(order, name="task"), columns=names)


def notice(data: CompareData) -> list[str]:
    """Short "what to notice" sentences computed from the numbers of the Compare page."""
    sc = data.scenario
    acc = data.accuracy
    if acc is None or STL_NAME not in acc.columns:
        return []
    mtl = data.name("mtl")
    if mtl not in acc.columns:
        return []
    stl_acc = data.accuracy_of(STL_NAME)
    gap = data.accuracy_of(mtl) - stl_acc
    tasks = acc.index.to_numpy()
    out: list[str] = []
    mean_gap = float(gap.mean())
    if abs(mean_gap) < 0.005:
        out.append(
            f"**{mtl}** and **STL** are within half a point of each other on average "
            f"({_pts(mean_gap)} points): sharing changes little here."
        )
    else:
        word = "better" if mean_gap > 0 else "worse"
        out.append(f"**{mtl}** is **{abs(100 * mean_gap):.1f} points {word}** than STL on average (test accuracy).")
    strength = chosen_strength(data.model("mtl"))
    sname = MODELS[sc.model].strength
    if sc.strength is None and not data.exact["mtl"].fallback:
        how = MODELS[sc.model].auto_rule.replace("chosen by ", "", 1)
        out.append(f"{STRENGTH_SYMBOL[sname]} = {fmt_strength(float(strength))} was chosen for it by {how}.")
    elif sc.strength is not None:
        out.append(f"Its strength is fixed at {STRENGTH_SYMBOL[sname]} = {fmt_strength(float(strength))} (sidebar).")
    related = dict(zip(range(1, data.taskset.n_tasks + 1), np.asarray(data.taskset.related, dtype=bool)))
    n_train = dict(zip(range(1, data.taskset.n_tasks + 1), data.taskset.n_train))
    if len(gap) > 1:
        best = int(np.argmax(gap))
        worst = int(np.argmin(gap))
        if gap[best] > 0.005 and related[tasks[best]]:
            out.append(f"It helps task {tasks[best]} most ({_pts(gap[best])} points).")
        if gap[worst] < -0.005 and related[tasks[worst]] and worst != best:
            out.append(f"Task {tasks[worst]} loses most ({_pts(gap[worst])} points).")
    unrelated = [i for i, t in enumerate(tasks) if not related[t]]
    if unrelated and len(unrelated) < len(tasks):
        parts = []
        for i in unrelated:
            verb = "gains" if gap[i] > 0.005 else "loses" if gap[i] < -0.005 else "neither gains nor loses"
            amount = f" {abs(100 * gap[i]):.1f} points" if abs(gap[i]) > 0.005 else ""
            parts.append(f"task {tasks[i]} is unrelated and {verb}{amount}")
        rel_gap = float(np.mean([gap[i] for i in range(len(tasks)) if i not in unrelated]))
        tail = f" (the related tasks: {_pts(rel_gap)} points on average"
        if POOLED_NAME in acc.columns and sc.show_pooled:
            pooled_gap = data.accuracy_of(POOLED_NAME) - stl_acc
            tail += "; pooling: " + ", ".join(f"task {tasks[i]} {_pts(pooled_gap[i])}" for i in unrelated)
        out.append("; ".join(parts).capitalize() + tail + ").")
    if sc.poor_task_n and sc.poor_task_n < sc.n_train:
        verb = "gains" if gap[0] > 0.005 else "loses" if gap[0] < -0.005 else "neither gains nor loses"
        amount = f" {abs(100 * gap[0]):.1f} points" if abs(gap[0]) > 0.005 else ""
        others = float(gap[1:].mean()) if len(gap) > 1 else 0.0
        out.append(
            f"Task 1 has only {int(n_train[tasks[0]])} training samples and {verb}{amount}; "
            f"the others {_pts(others)} points on average."
        )
    if POOLED_NAME in acc.columns and sc.show_pooled:
        pg = float((data.accuracy_of(POOLED_NAME) - stl_acc).mean())
        if abs(pg) < 0.005:
            out.append("**Pooling** every task into one model is about as good as STL here.")
        else:
            word = "better" if pg > 0 else "worse"
            tail = " (the tasks are not the same task)." if pg < 0 else "."
            out.append(f"**Pooling** every task into one model is {abs(100 * pg):.1f} points {word} than STL{tail}")
    bayes = data.bayes()[0]
    if np.isfinite(bayes):
        stl_mean = float(stl_acc.mean())
        mtl_mean = float(data.accuracy_of(mtl).mean())
        out.append(
            f"No classifier can beat {100 * bayes:.0f}% here (label noise {sc.label_noise:.0%}): "
            f"STL reaches {100 * stl_mean:.1f}%, {mtl} {100 * mtl_mean:.1f}%."
        )
    return out


def cosine_matrix(W: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of the rows of ``W`` (0 for zero rows)."""
    W = np.asarray(W, dtype=float)
    norms = np.linalg.norm(W, axis=1)
    safe = np.where(norms > 1e-12, norms, 1.0)
    U = W / safe[:, None]
    C = U @ U.T
    zero = norms <= 1e-12
    C[zero, :] = 0.0
    C[:, zero] = 0.0
    return np.clip(C, -1.0, 1.0)


def cosine_to_truth(W: np.ndarray, W_true: np.ndarray) -> np.ndarray:
    """Cosine between each learned task weight vector and the true one."""
    num = np.sum(W * W_true, axis=1)
    den = np.linalg.norm(W, axis=1) * np.linalg.norm(W_true, axis=1)
    return np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), 0.0)
