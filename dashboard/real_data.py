"""The Real data page's logic (pure, no Streamlit): load digits or a CSV, run the paired comparison, explain it.

* `read_header` / `guess_columns` let the page offer the CSV's columns before loading it.
* `load_csv` wraps `mtl_core.datasets.tasks_from_csv` and returns the error as
  plain data (`LoadResult`), so it can be cached (a `DataFileError` does not pickle).
* `RealSpec` is everything an experiment depends on (hashable, JSON-able: the cache key
  and the "choices" export); `run_experiment` runs it with `experiments.run_grid`.
* `notice` writes the "what to notice" sentences from the numbers.
* `escape_markdown` / `plotly_text` make user text (column names, cells, task names)
  safe to show: never rendered as Markdown or HTML.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from mtl_core import MeanRegularizedMTL, PooledLogistic, SingleTaskLogistic, TaskSet, experiments
from mtl_core import datasets as ds
from mtl_core.datasets.csv_reading import detect_delimiter

Progress = Callable[[int, int], None]

STL_LABEL, POOLED_LABEL, MTL_LABEL = "STL", "Pooled", "MTL (mean-regularized)"
MODEL_ROLE = {STL_LABEL: "stl", POOLED_LABEL: "pooled", MTL_LABEL: "mtl"}

#: Digits: projected onto this many principal components (fast; PCA fitted on the training images only).
N_COMPONENTS = 16
DIGIT_N_OPTIONS = (5, 10, 20, 40, 80, 120)
DIGIT_GRID = (5, 10, 20, 40, 80)
DEFAULT_DIGITS = tuple(range(10))
DEFAULT_DIGIT_N = 10
#: Learning-curve candidates for a CSV (only those that fit the smallest task are used).
CSV_GRID = (5, 10, 20, 40, 80, 160, 320)
#: Share of each task's rows used for training in the comparison (as `tasks_from_csv`'s default split).
CSV_TRAIN_SHARE = 0.7
REPEAT_OPTIONS = (3, 5, 10, 20)
DEFAULT_REPEATS = 5
CV_FOLDS = 3
LAM_GRID = tuple(float(x) for x in np.logspace(-4, 2, 7))
MAX_BYTES = ds.DEFAULT_MAX_BYTES
LIMIT_TEXT = f"{MAX_BYTES / 1e6:g} MB, {ds.MAX_TASKS} tasks, {ds.MAX_FEATURES} feature columns"
#: Seconds per unit of `estimate_seconds` (measured on 2 cores: all ten digits, default grid ~4.5 s).
_SECONDS_PER_UNIT = 4.0e-5

_TASK_NAMES = ("task", "tasks", "task_id", "group", "site", "school", "domain", "subject", "client", "user")
_LABEL_NAMES = ("label", "labels", "y", "target", "class", "outcome", "response", "answer")


# ----------------------------------------------------------------------------- safe text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=^\"'])")


def escape_markdown(text: Any) -> str:
    """``text`` with every Markdown-active character backslash-escaped, so Streamlit shows it literally.

    CommonMark allows a backslash before any ASCII punctuation; escaping all the
    characters that Markdown, HTML, Streamlit's ``$`` math and ``:color[...]``
    directives use keeps ``**bold** <b>x</b> [link](http://x)`` as that very text.
    Newlines become Markdown hard breaks.
    """
    out = _MD_SPECIAL.sub(r"\\\1", str(text))
    return out.replace("\r\n", "\n").replace("\n", "  \n")


def plotly_text(text: Any) -> str:
    """``text`` for a plotly label: HTML-escaped (plotly renders a subset of HTML, e.g. ``<a href>``)."""
    return html.escape(str(text), quote=True)


def file_digest(data: bytes) -> str:
    """SHA-256 of the file's bytes (the cache key of an upload, never the UploadedFile object)."""
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- CSV columns


def read_header(data: bytes) -> list[str]:
    """The column names of a CSV (stripped; comma, semicolon or tab separated), raising `DataFileError` with the catalogue's messages."""
    if len(data) > MAX_BYTES:
        raise ds.DataFileError(ds.KIND_TOO_LARGE, ds.msg_too_large(len(data), MAX_BYTES))
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ds.DataFileError(ds.KIND_ENCODING, ds.msg_encoding()) from None
    if "\x00" in text:
        raise ds.DataFileError(ds.KIND_ENCODING, ds.msg_encoding())
    if not text.strip():
        raise ds.DataFileError(ds.KIND_EMPTY, ds.msg_empty(header_only=False))
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\r\n"), newline=None), delimiter=detect_delimiter(text)))
    except (csv.Error, StopIteration) as exc:
        raise ds.DataFileError(ds.KIND_PARSE, ds.msg_parse(str(exc))) from None
    return [h.strip() for h in header]


def guess_columns(header: Sequence[str]) -> tuple[str, str, list[str]]:
    """Sensible defaults: (task column, label column, feature columns) of a CSV header.

    The task column is the first named like "task"/"group"/..., else the first
    column; the label column the first named like "label"/"y"/"target"/..., else
    the last other column; the features are all other named columns.
    """
    named = list(dict.fromkeys(h for h in header if h))
    if not named:
        return "", "", []
    low = [h.lower() for h in named]

    def pick(names: Sequence[str], exclude: str | None) -> str | None:
        for n in names:
            for h, lh in zip(named, low):
                if lh == n and h != exclude:
                    return h
        return None

    task = pick(_TASK_NAMES, None) or named[0]
    label = pick(_LABEL_NAMES, task)
    if label is None:
        others = [h for h in named if h != task]
        label = others[-1] if others else task
    features = [h for h in named if h not in (task, label)]
    return task, label, features


@dataclass(frozen=True)
class LoadResult:
    """`tasks_from_csv`'s outcome as plain data: a task set, or the error's kind and message."""

    taskset: TaskSet | None
    kind: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.taskset is not None


def load_csv(data: bytes, task: str, label: str, features: Sequence[str], drop_invalid: bool = False, seed: int = 0) -> LoadResult:
    """Load the uploaded bytes with `tasks_from_csv`; a bad file gives ``LoadResult(None, kind, message)``."""
    try:
        ts = ds.tasks_from_csv(bytes(data), task, label, list(features) or None, seed=seed,
                               drop_invalid_rows=drop_invalid, max_bytes=MAX_BYTES)
    except ds.DataFileError as exc:
        return LoadResult(None, exc.kind, str(exc))
    return LoadResult(ts)


def task_rows(ts: TaskSet) -> list[int]:
    return [int(a) + int(b) for a, b in zip(ts.n_train, ts.n_test)]


def csv_grid(ts: TaskSet) -> tuple[int, ...]:
    """Training sizes of the learning curve that fit the smallest task (at most 80% of its rows)."""
    top = int(np.floor(0.8 * min(task_rows(ts))))
    grid = [n for n in CSV_GRID if n <= top]
    if not grid or top >= 1.3 * grid[-1]:
        grid.append(max(top, 2))
    return tuple(sorted(set(grid)))


def csv_compare_sizes(ts: TaskSet) -> list[int]:
    """Per-task training rows of the comparison: `CSV_TRAIN_SHARE` of each task's rows (within resample's bounds)."""
    return [int(min(max(round(CSV_TRAIN_SHARE * n), 2), n - 1)) for n in task_rows(ts)]


# ----------------------------------------------------------------------------- experiment spec


@dataclass(frozen=True)
class RealSpec:
    """Everything a Real data experiment depends on (hashable: the cache key; `to_json`: the choices export)."""

    source: str  # "digits" or "csv"
    repeats: int
    seed: int
    grid: tuple[int, ...]  # training samples per task of the learning curve
    n_train: int = 0  # digits: the comparison's training samples per task
    digits: tuple[int, ...] = ()
    n_components: int = N_COMPONENTS
    file_name: str = ""
    digest: str = ""
    task_column: str = ""
    label_column: str = ""
    feature_columns: tuple[str, ...] = ()
    drop_invalid: bool = False
    compare_sizes: tuple[int, ...] = field(default=())  # csv: per-task training rows of the comparison

    def to_json(self) -> str:
        d = asdict(self)
        if self.source == "digits":
            for k in ("file_name", "digest", "task_column", "label_column", "feature_columns", "drop_invalid", "compare_sizes"):
                d.pop(k)
        else:
            for k in ("n_train", "digits", "n_components"):
                d.pop(k)
        return json.dumps(d, indent=2)

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @property
    def n_tasks(self) -> int:
        return len(self.digits) if self.source == "digits" else len(self.compare_sizes)

    def slug(self) -> str:
        if self.source == "digits":
            return f"digits{''.join(map(str, self.digits))}-n{self.n_train}-r{self.repeats}"
        return f"csv-{self.digest[:8]}-r{self.repeats}"


def digits_spec(digits: Sequence[int], n_train: int, repeats: int = DEFAULT_REPEATS, seed: int = 0) -> RealSpec:
    """The digits experiment: comparison at ``n_train``, learning curve over `DIGIT_GRID` (plus ``n_train``)."""
    digits = tuple(sorted(int(d) for d in digits))
    if len(digits) < 2:
        raise ValueError("Choose at least two digits: multi-task learning needs two tasks or more.")
    grid = tuple(sorted(set(DIGIT_GRID) | {int(n_train)}))
    # PCA is fitted on the union of the training images: it needs at least n_components of them
    n_comp = int(min(N_COMPONENTS, len(digits) * grid[0]))
    return RealSpec("digits", int(repeats), int(seed), grid, n_train=int(n_train), digits=digits, n_components=n_comp)


def csv_spec(ts: TaskSet, digest: str, file_name: str, task: str, label: str, features: Sequence[str], drop_invalid: bool,
             repeats: int = DEFAULT_REPEATS, seed: int = 0) -> RealSpec:
    return RealSpec(
        "csv", int(repeats), int(seed), csv_grid(ts), file_name=file_name, digest=digest, task_column=task, label_column=label,
        feature_columns=tuple(ts.feature_names), drop_invalid=bool(drop_invalid), compare_sizes=tuple(csv_compare_sizes(ts)),
    )


def estimate_seconds(spec: RealSpec, n_features: int) -> float:
    """Rough cold-cache time of `run_experiment` on 2 cores."""
    T = spec.n_tasks
    units = sum(spec.grid) * T + (sum(spec.compare_sizes) if spec.source == "csv" else 0)
    return spec.repeats * units * max(int(n_features), 2) * _SECONDS_PER_UNIT


def models() -> list:
    """STL and pooled with cross-validated ridge (alpha="auto"), mean-regularized MTL with the automatic λ (the evidence, checked by cross-validation)."""
    return [
        SingleTaskLogistic(alpha="auto", cv=CV_FOLDS),
        PooledLogistic(alpha="auto", cv=CV_FOLDS),
        MeanRegularizedMTL(lam="auto", cv=CV_FOLDS, lam_grid=list(LAM_GRID)),
    ]


# ----------------------------------------------------------------------------- run


@dataclass
class RealResult:
    """One experiment's numbers.

    ``per_task``: one row per model and task at the comparison size: ``mean_accuracy``,
    ``accuracy_low``/``high``, ``gap_mean``/``low``/``high`` (vs STL; 95% t-intervals over repeats).
    ``overall``: the same averaged over tasks (one row per model), plus ``median_strength``.
    ``curve``: `run_grid`'s summary over the learning-curve sizes (``n_train`` column).
    """

    per_task: pd.DataFrame
    overall: pd.DataFrame
    curve: pd.DataFrame
    task_names: list[str]
    n_features: int
    compare_label: str


def _per_task(table: pd.DataFrame, task_names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    acc = table.pivot_table(index=["model", "repeat"], columns="task", values="test_accuracy").sort_index()
    stl = acc.loc[STL_LABEL]
    rows, overall = [], []
    for model in (STL_LABEL, MTL_LABEL, POOLED_LABEL):
        a = acc.loc[model].to_numpy()  # (repeats, T)
        g = a - stl.to_numpy()
        m, lo, hi = experiments.t_interval(a, axis=0)
        gm, glo, ghi = experiments.t_interval(g, axis=0)
        for t, name in enumerate(task_names):
            rows.append(dict(model=model, task=t, task_name=name, mean_accuracy=m[t], accuracy_low=lo[t], accuracy_high=hi[t],
                             gap_mean=gm[t], gap_low=glo[t], gap_high=ghi[t]))
        om, olo, ohi = experiments.t_interval(a.mean(axis=1), axis=0)
        ogm, oglo, oghi = experiments.t_interval(g.mean(axis=1), axis=0)
        strength = table.loc[table["model"] == model, "strength"].to_numpy(dtype=float)
        overall.append(dict(model=model, mean_accuracy=float(om), accuracy_low=float(olo), accuracy_high=float(ohi),
                            gap_mean=float(ogm), gap_low=float(oglo), gap_high=float(oghi),
                            median_strength=float(np.nanmedian(strength)) if strength.size else float("nan")))
    return pd.DataFrame(rows), pd.DataFrame(overall)


def _offset(progress: Progress | None, done: int, total: int) -> Progress | None:
    if progress is None:
        return None
    return lambda d, _t: progress(done + d, total)


def _run_parallel(cells: list[dict], factory: Callable[..., TaskSet], spec: RealSpec, progress: Progress | None,
                  offset: int, total: int, workers: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`run_grid` over ``cells`` (one training size each) on ``workers`` threads, rows ordered cell by cell."""
    res = experiments.run_grid(cells, factory, models(), spec.repeats, spec.seed, _offset(progress, offset, total), workers)
    return (res.table.sort_values("n_train", kind="stable", ignore_index=True),
            res.summary.sort_values("n_train", kind="stable", ignore_index=True))


def run_experiment(spec: RealSpec, base: TaskSet | None = None, progress: Progress | None = None) -> RealResult:
    """Run ``spec`` with paired repeated splits (`experiments.run_grid`); ``base`` is the loaded CSV task set."""
    M = 3
    if spec.source == "digits":
        digits, n_comp = list(spec.digits), spec.n_components

        def factory(seed: int, n_train: int) -> TaskSet:
            return ds.digits_tasks(n_train=n_train, digits=digits, seed=seed, n_components=n_comp)

        table, summary = _run_parallel([{"n_train": n} for n in spec.grid], factory, spec, progress, 0,
                                       spec.repeats * M * len(spec.grid))
        names = [f"{d} vs rest" for d in spec.digits]
        per_task, overall = _per_task(table[table["n_train"] == spec.n_train], names)
        return RealResult(per_task, overall, summary, names, n_comp, f"{spec.n_train} training images per task")
    if base is None:
        raise ValueError("A CSV experiment needs the loaded task set.")
    sizes = list(spec.compare_sizes)
    total = spec.repeats * M * (1 + len(spec.grid))

    def compare_factory(seed: int, share: float) -> TaskSet:
        return ds.resample_tasks(base, n_train=sizes, seed=seed)

    def curve_factory(seed: int, n_train: int) -> TaskSet:
        return ds.resample_tasks(base, n_train=n_train, seed=seed)

    comp = experiments.run_grid([{"share": CSV_TRAIN_SHARE}], compare_factory, models(), spec.repeats, spec.seed,
                                _offset(progress, 0, total))
    _, curve = _run_parallel([{"n_train": n} for n in spec.grid], curve_factory, spec, progress, spec.repeats * M, total)
    names = [str(n) for n in base.task_names]
    per_task, overall = _per_task(comp.table, names)
    return RealResult(per_task, overall, curve, names, base.n_features,
                      f"{CSV_TRAIN_SHARE:.0%} of each task's rows for training "
                      f"({min(sizes) if min(sizes) == max(sizes) else f'{min(sizes)}–{max(sizes)}'} rows)")


# ----------------------------------------------------------------------------- what to notice


def _pts(x: float) -> str:
    v = round(100 * float(x), 1)
    return "0.0" if v == 0 else f"{v:+.1f}".replace("-", "−")


def _ci(row: pd.Series) -> str:
    if not np.isfinite(row.gap_low):
        return "(one split: no interval)"
    return f"(95% CI {_pts(row.gap_low)} to {_pts(row.gap_high)})"


def notice(result: RealResult, spec: RealSpec) -> list[str]:
    """Short Markdown sentences computed from the numbers (user text is escaped)."""
    out: list[str] = []
    ov = result.overall.set_index("model")
    mtl, pooled, stl = ov.loc[MTL_LABEL], ov.loc[POOLED_LABEL], ov.loc[STL_LABEL]
    where = f"With {result.compare_label}"
    if np.isfinite(mtl.gap_low) and mtl.gap_low > 0:
        verdict = "MTL **helps**"
    elif np.isfinite(mtl.gap_high) and mtl.gap_high < 0:
        verdict = "MTL **hurts** (negative transfer)"
    else:
        verdict = "MTL is **no better and no worse than STL**"
    out.append(f"{where}, {verdict}: {_pts(mtl.gap_mean)} points vs STL {_ci(mtl)}; STL reaches "
               f"{100 * stl.mean_accuracy:.1f}%.")
    lam = mtl.median_strength
    if np.isfinite(lam):
        end = " — the STL end of the path, so MTL barely shares" if lam <= 10 * LAM_GRID[0] else (
            " — the large-λ end (one shared weight vector, but per-task intercepts), so MTL shares strongly"
            if lam >= LAM_GRID[-1] / 10 else "")
        out.append(f"The automatic choice (the evidence, checked by cross-validation) put the sharing strength at "
                   f"λ ≈ {lam:.2g} (median over splits){end}.")
    if np.isfinite(pooled.gap_high) and pooled.gap_high < -0.05:
        text = (f"Pooling (one classifier for all tasks) **costs {-100 * pooled.gap_mean:.0f} points**: the tasks "
                "disagree about the same inputs.")
        if spec.source == "digits":
            text += (" Here they contradict each other outright: an image of a 3 is a *positive* for “3 vs rest” and a "
                     "*negative* for every other task, so one shared boundary is near chance (every task is 50% "
                     "positive). What the tasks share — which pixels matter — does not make their weights similar, and "
                     "mean-regularized MTL pulls weights towards their mean; that is why the automatic λ turns the "
                     "sharing off and MTL ≈ STL.")
        out.append(text)
    elif np.isfinite(pooled.gap_low) and pooled.gap_low > 0:
        out.append(f"Pooling helps too ({_pts(pooled.gap_mean)} points): the tasks look alike, so more data beats "
                   "task-specific rules at this size.")
    curve = result.curve[result.curve["model"] == MTL_LABEL].sort_values("n_train")
    if len(curve) >= 2:
        a, b = curve.iloc[0], curve.iloc[-1]
        shrink = abs(b.gap_mean) < abs(a.gap_mean) - 0.005
        s = (f"Learning curve: MTL's gap is {_pts(a.gap_mean)} points with {int(a.n_train)} samples per task and "
             f"{_pts(b.gap_mean)} with {int(b.n_train)}")
        if np.isfinite(a.gap_low) and a.gap_low > 0 and shrink:
            s += ": sharing helps most when data is scarce, and the gap shrinks as every task gets enough data."
        elif all(np.isfinite(curve.gap_low)) and (curve.gap_low <= 0).all() and (curve.gap_high >= 0).all():
            s += ": every interval includes 0, so at no size can we tell MTL and STL apart."
            if spec.source == "digits":
                s += (" The textbook picture — MTL helps most at small n — does **not** appear here: these tasks give "
                      "mean-regularized MTL nothing useful to share.")
        elif abs(a.gap_mean) <= 0.01:
            s += (": the textbook picture — MTL helps most at small n — does **not** appear here, because these tasks "
                  "give MTL nothing useful to share.")
        else:
            s += "."
        out.append(s)
    return out


def results_table(result: RealResult) -> pd.DataFrame:
    """The CSV export: per-task and overall comparison rows, then the learning curve."""
    per = result.per_task.assign(part="comparison", n_train=np.nan)
    ov = result.overall.drop(columns="median_strength").assign(part="comparison", task_name="(all tasks)", n_train=np.nan)
    cur = result.curve.drop(columns=[c for c in ("bayes_accuracy",) if c in result.curve]).assign(part="learning curve",
                                                                                                   task_name="(all tasks)")
    cols = ["part", "model", "task_name", "n_train", "mean_accuracy", "accuracy_low", "accuracy_high", "gap_mean", "gap_low",
            "gap_high"]
    return pd.concat([per, ov, cur], ignore_index=True)[cols]
