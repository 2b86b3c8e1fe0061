"""The Real data page's logic (pure, no Streamlit): load a bundled case or a file, run the paired comparison, explain it.

Sources: ``"scanned"`` (one question on digit images from six constructed scanners:
sharing helps), ``"digits"`` (k vs rest: sharing cannot help), ``"csv"`` and
``"mat"`` (the user's file).  Every experiment reports accuracy, balanced accuracy
and ROC AUC (`METRIC_LABELS`); the page shows the one chosen.

* `read_header` / `guess_columns` let the page offer the CSV's columns before loading it.
* `load_csv` / `load_mat` wrap `mtl_core.datasets.tasks_from_csv` / `tasks_from_mat` and
  return the error as plain data (`LoadResult`), so it can be cached (a `DataFileError`
  does not pickle).
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
from mtl_core.metrics import task_mean

Progress = Callable[[int, int], None]

STL_LABEL, POOLED_LABEL, MTL_LABEL = "STL", "Pooled", "MTL (mean-regularized)"
MODEL_ROLE = {STL_LABEL: "stl", POOLED_LABEL: "pooled", MTL_LABEL: "mtl"}

#: Digits: projected onto this many principal components (fast; PCA fitted on the training images only).
N_COMPONENTS = 16
DIGIT_N_OPTIONS = (5, 10, 20, 40, 80, 120)
DIGIT_GRID = (5, 10, 20, 40, 80)
#: Scanned digits: training images per task offered, and the learning curve's sizes (a pool holds about 58 images).
SCANNED_N_OPTIONS = (6, 10, 20, 40)
SCANNED_GRID = (6, 10, 20, 40)
DEFAULT_SCANNED_N = 6
#: The metrics every experiment reports (keys of `mtl_core.experiments.SCORES`), as the page names them.
METRIC_LABELS = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "roc_auc": "ROC AUC"}
#: A task whose models' accuracy is within this of its majority rate: accuracy says nothing there.
UNINFORMATIVE_MARGIN = 0.01
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


def is_mat_file(file_name: str, data: bytes) -> bool:
    """Whether an upload is a MATLAB .mat file (by its name, or by the text header every .mat file starts with)."""
    return file_name.lower().endswith(".mat") or bytes(data[:6]) == b"MATLAB"


def mat_variables(data: bytes) -> tuple[list[str] | None, str | None, str | None]:
    """``(cell variables, None, None)`` of a .mat upload, or ``(None, kind, message)`` when it cannot be read."""
    try:
        return ds.mat_cell_variables(bytes(data), max_bytes=MAX_BYTES), None, None
    except ds.DataFileError as exc:
        return None, exc.kind, str(exc)


def guess_mat_variables(names: Sequence[str]) -> tuple[str, str]:
    """Default (features, labels) variables: the first known layout present (X/Y, feature/label), else the first two."""
    for f, y in ds.KNOWN_VARIABLE_PAIRS:
        if f in names and y in names:
            return f, y
    names = list(names) + ["", ""]
    return names[0], names[1]


def load_mat(data: bytes, feature_variable: str, label_variable: str, drop_invalid: bool = False, seed: int = 0) -> LoadResult:
    """Load the uploaded .mat bytes with `tasks_from_mat`; a bad file gives ``LoadResult(None, kind, message)``."""
    try:
        ts = ds.tasks_from_mat(bytes(data), feature_variable or None, label_variable or None, seed=seed,
                               drop_invalid_rows=drop_invalid, max_bytes=MAX_BYTES)
    except ds.DataFileError as exc:
        return LoadResult(None, exc.kind, str(exc))
    return LoadResult(ts)


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

    source: str  # "scanned", "digits", "csv" or "mat"
    repeats: int
    seed: int
    grid: tuple[int, ...]  # training samples per task of the learning curve
    n_train: int = 0  # scanned and digits: the comparison's training samples per task
    digits: tuple[int, ...] = ()
    n_components: int = N_COMPONENTS
    file_name: str = ""
    digest: str = ""
    task_column: str = ""
    label_column: str = ""
    feature_columns: tuple[str, ...] = ()
    drop_invalid: bool = False
    compare_sizes: tuple[int, ...] = field(default=())  # csv and mat: per-task training rows of the comparison
    feature_variable: str = ""  # mat: the cell arrays of the features (the labels' is label_column)
    scoring: str = "accuracy"  # what cross-validation maximizes when it chooses the strengths

    def to_json(self) -> str:
        d = asdict(self)
        file_keys = ("file_name", "digest", "task_column", "label_column", "feature_columns", "drop_invalid", "compare_sizes",
                     "feature_variable")
        drop = {"digits": file_keys, "scanned": file_keys + ("digits",), "csv": ("n_train", "digits", "n_components",
                "feature_variable"), "mat": ("n_train", "digits", "n_components", "task_column")}[self.source]
        for k in drop:
            d.pop(k)
        return json.dumps(d, indent=2)

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @property
    def n_tasks(self) -> int:
        if self.source == "scanned":
            return len(ds.SCANNERS)
        return len(self.digits) if self.source == "digits" else len(self.compare_sizes)

    @property
    def from_file(self) -> bool:
        """True for the user's file (CSV or .mat), False for a bundled case."""
        return self.source in ("csv", "mat")

    def slug(self) -> str:
        if self.source == "digits":
            return f"digits{''.join(map(str, self.digits))}-n{self.n_train}-r{self.repeats}"
        if self.source == "scanned":
            return f"scanned-digits-n{self.n_train}-r{self.repeats}"
        return f"{self.source}-{self.digest[:8]}-r{self.repeats}"


def digits_spec(digits: Sequence[int], n_train: int, repeats: int = DEFAULT_REPEATS, seed: int = 0) -> RealSpec:
    """The digits experiment: comparison at ``n_train``, learning curve over `DIGIT_GRID` (plus ``n_train``)."""
    digits = tuple(sorted(int(d) for d in digits))
    if len(digits) < 2:
        raise ValueError("Choose at least two digits: multi-task learning needs two tasks or more.")
    grid = tuple(sorted(set(DIGIT_GRID) | {int(n_train)}))
    # PCA is fitted on the union of the training images: it needs at least n_components of them
    n_comp = int(min(N_COMPONENTS, len(digits) * grid[0]))
    return RealSpec("digits", int(repeats), int(seed), grid, n_train=int(n_train), digits=digits, n_components=n_comp)


def scanned_spec(n_train: int, repeats: int = DEFAULT_REPEATS, seed: int = 0) -> RealSpec:
    """The scanned-digits experiment: comparison at ``n_train``, learning curve over `SCANNED_GRID` (plus ``n_train``)."""
    grid = tuple(sorted(set(SCANNED_GRID) | {int(n_train)}))
    return RealSpec("scanned", int(repeats), int(seed), grid, n_train=int(n_train))


def csv_spec(ts: TaskSet, digest: str, file_name: str, task: str, label: str, features: Sequence[str], drop_invalid: bool,
             repeats: int = DEFAULT_REPEATS, seed: int = 0) -> RealSpec:
    return RealSpec(
        "csv", int(repeats), int(seed), csv_grid(ts), file_name=file_name, digest=digest, task_column=task, label_column=label,
        feature_columns=tuple(ts.feature_names), drop_invalid=bool(drop_invalid), compare_sizes=tuple(csv_compare_sizes(ts)),
    )


def mat_spec(ts: TaskSet, digest: str, file_name: str, feature_variable: str, label_variable: str, drop_invalid: bool,
             repeats: int = DEFAULT_REPEATS, seed: int = 0) -> RealSpec:
    return RealSpec(
        "mat", int(repeats), int(seed), csv_grid(ts), file_name=file_name, digest=digest, label_column=label_variable,
        feature_columns=tuple(ts.feature_names), drop_invalid=bool(drop_invalid), compare_sizes=tuple(csv_compare_sizes(ts)),
        feature_variable=feature_variable,
    )


def estimate_seconds(spec: RealSpec, n_features: int) -> float:
    """Rough cold-cache time of `run_experiment` on 2 cores."""
    T = spec.n_tasks
    units = sum(spec.grid) * T + (sum(spec.compare_sizes) if spec.from_file else 0)
    return spec.repeats * units * max(int(n_features), 2) * _SECONDS_PER_UNIT


def models(scoring: str = "accuracy") -> list:
    """STL and pooled with cross-validated ridge (alpha="auto"), mean-regularized MTL with the automatic λ (the evidence, checked by cross-validation).

    ``scoring`` is what cross-validation maximizes when it chooses the strengths
    (a name of `mtl_core.metrics.METRICS`): accuracy by default, or the metric the
    page shows when the user asks for it (`RealSpec.scoring`, so the caches key on it).
    """
    return [
        SingleTaskLogistic(alpha="auto", cv=CV_FOLDS, scoring=scoring),
        PooledLogistic(alpha="auto", cv=CV_FOLDS, scoring=scoring),
        MeanRegularizedMTL(lam="auto", cv=CV_FOLDS, lam_grid=list(LAM_GRID), scoring=scoring),
    ]


# ----------------------------------------------------------------------------- run


@dataclass
class RealResult:
    """One experiment's numbers.

    ``per_task``: one row per model and task at the comparison size: for every metric
    of `METRIC_LABELS`, its mean with a 95% t-interval over repeats and its gap vs
    STL with a paired interval, under `experiments.summary_columns`'s names
    (``mean_accuracy``, ``accuracy_low``, ``gap_mean``, ``mean_roc_auc``,
    ``roc_auc_gap_low``, ...), and the task's ``majority_rate``.
    ``overall``: the same averaged over tasks (one row per model), plus ``median_strength``.
    ``curve``: `run_grid`'s summary over the learning-curve sizes (``n_train`` column).
    ``majority_rate``: per task, the share of the larger class in its test rows (what always answering it scores).
    """

    per_task: pd.DataFrame
    overall: pd.DataFrame
    curve: pd.DataFrame
    task_names: list[str]
    n_features: int
    compare_label: str
    majority_rate: list[float] = field(default_factory=list)


def _per_task(table: pd.DataFrame, task_names: list[str], majority: list[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = {(model, t): dict(model=model, task=t, task_name=name, majority_rate=majority[t])
            for model in (STL_LABEL, MTL_LABEL, POOLED_LABEL) for t, name in enumerate(task_names)}
    overall = {model: dict(model=model) for model in (STL_LABEL, MTL_LABEL, POOLED_LABEL)}
    for metric in METRIC_LABELS:
        col = experiments.summary_columns(metric)
        scores = table.pivot_table(index=["model", "repeat"], columns="task", values=f"test_{metric}", dropna=False).sort_index()
        stl = scores.loc[STL_LABEL].to_numpy()
        for model in (STL_LABEL, MTL_LABEL, POOLED_LABEL):
            a = scores.loc[model].to_numpy()  # (repeats, T)
            g = a - stl
            m, lo, hi = experiments.t_interval(a, axis=0)
            gm, glo, ghi = experiments.t_interval(g, axis=0)
            for t in range(len(task_names)):
                rows[model, t].update({col["mean"]: m[t], col["low"]: lo[t], col["high"]: hi[t],
                                       col["gap_mean"]: gm[t], col["gap_low"]: glo[t], col["gap_high"]: ghi[t]})
            om, olo, ohi = experiments.t_interval(task_mean(a), axis=0)
            ogm, oglo, oghi = experiments.t_interval(task_mean(g), axis=0)
            overall[model].update({col["mean"]: float(om), col["low"]: float(olo), col["high"]: float(ohi),
                                   col["gap_mean"]: float(ogm), col["gap_low"]: float(oglo), col["gap_high"]: float(oghi)})
    for model in overall:
        strength = table.loc[table["model"] == model, "strength"].to_numpy(dtype=float)
        overall[model]["median_strength"] = float(np.nanmedian(strength)) if strength.size else float("nan")
    return pd.DataFrame(list(rows.values())), pd.DataFrame(list(overall.values()))


def majority_rates(ts: TaskSet) -> list[float]:
    """Per task, the share of the larger class in its test rows: the test accuracy of always answering that class.

    The splits are stratified, so every repeated split of a task has the same class counts as ``ts``'s.
    """
    return [float(max(y.mean(), 1 - y.mean())) for y in ts.y_test]


def _offset(progress: Progress | None, done: int, total: int) -> Progress | None:
    if progress is None:
        return None
    return lambda d, _t: progress(done + d, total)


def _run_parallel(cells: list[dict], factory: Callable[..., TaskSet], spec: RealSpec, progress: Progress | None,
                  offset: int, total: int, workers: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`run_grid` over ``cells`` (one training size each) on ``workers`` threads, rows ordered cell by cell."""
    res = experiments.run_grid(cells, factory, models(spec.scoring), spec.repeats, spec.seed, _offset(progress, offset, total), workers)
    return (res.table.sort_values("n_train", kind="stable", ignore_index=True),
            res.summary.sort_values("n_train", kind="stable", ignore_index=True))


def _bundled_factory(spec: RealSpec) -> Callable[..., TaskSet]:
    """``factory(seed, n_train)`` of a bundled case: the scanned digits or the digits k vs rest."""
    if spec.source == "scanned":
        return lambda seed, n_train: ds.scanned_digits_tasks(n_train=n_train, seed=seed, n_components=spec.n_components)
    digits, n_comp = list(spec.digits), spec.n_components
    return lambda seed, n_train: ds.digits_tasks(n_train=n_train, digits=digits, seed=seed, n_components=n_comp)


def run_experiment(spec: RealSpec, base: TaskSet | None = None, progress: Progress | None = None) -> RealResult:
    """Run ``spec`` with paired repeated splits (`experiments.run_grid`); ``base`` is the loaded file's task set."""
    M = 3
    if not spec.from_file:
        factory = _bundled_factory(spec)
        table, summary = _run_parallel([{"n_train": n} for n in spec.grid], factory, spec, progress, 0,
                                       spec.repeats * M * len(spec.grid))
        example = factory(seed=spec.seed, n_train=spec.n_train)
        names = list(example.task_names)
        majority = majority_rates(example)
        per_task, overall = _per_task(table[table["n_train"] == spec.n_train], names, majority)
        return RealResult(per_task, overall, summary, names, example.n_features,
                          f"{spec.n_train} training images per task", majority)
    if base is None:
        raise ValueError("An experiment on a file needs the loaded task set.")
    sizes = list(spec.compare_sizes)
    total = spec.repeats * M * (1 + len(spec.grid))

    def compare_factory(seed: int, share: float) -> TaskSet:
        return ds.resample_tasks(base, n_train=sizes, seed=seed)

    def curve_factory(seed: int, n_train: int) -> TaskSet:
        return ds.resample_tasks(base, n_train=n_train, seed=seed)

    comp = experiments.run_grid([{"share": CSV_TRAIN_SHARE}], compare_factory, models(spec.scoring), spec.repeats, spec.seed,
                                _offset(progress, 0, total))
    _, curve = _run_parallel([{"n_train": n} for n in spec.grid], curve_factory, spec, progress, spec.repeats * M, total)
    names = [str(n) for n in base.task_names]
    majority = majority_rates(compare_factory(seed=spec.seed, share=CSV_TRAIN_SHARE))
    per_task, overall = _per_task(comp.table, names, majority)
    return RealResult(per_task, overall, curve, names, base.n_features,
                      f"{CSV_TRAIN_SHARE:.0%} of each task's rows for training "
                      f"({min(sizes) if min(sizes) == max(sizes) else f'{min(sizes)}–{max(sizes)}'} rows)", majority)


# ----------------------------------------------------------------------------- what to notice


def _pts(x: float) -> str:
    v = round(100 * float(x), 1)
    return "0.0" if v == 0 else f"{v:+.1f}".replace("-", "−")


def _ci(row: pd.Series, col: dict[str, str]) -> str:
    if not np.isfinite(row[col["gap_low"]]):
        return "(one split: no interval)"
    return f"(95% CI {_pts(row[col['gap_low']])} to {_pts(row[col['gap_high']])})"


def uninformative_tasks(result: RealResult) -> list[str]:
    """Tasks whose STL and MTL accuracies are both within `UNINFORMATIVE_MARGIN` of the task's majority rate."""
    per = result.per_task
    if per.empty or "majority_rate" not in per:
        return []
    out = []
    for t, name in enumerate(result.task_names):
        rows = per[(per["task"] == t) & per["model"].isin([STL_LABEL, MTL_LABEL])]
        if len(rows) and bool(np.all(np.abs(rows["mean_accuracy"] - rows["majority_rate"]) <= UNINFORMATIVE_MARGIN)):
            out.append(name)
    return out


def notice(result: RealResult, spec: RealSpec, metric: str = "accuracy") -> list[str]:
    """Short Markdown sentences computed from the numbers of ``metric`` (user text is escaped)."""
    out: list[str] = []
    col = experiments.summary_columns(metric)
    label = METRIC_LABELS[metric]
    ov = result.overall.set_index("model")
    mtl, pooled, stl = ov.loc[MTL_LABEL], ov.loc[POOLED_LABEL], ov.loc[STL_LABEL]
    where = f"With {result.compare_label}"
    if np.isfinite(mtl[col["gap_low"]]) and mtl[col["gap_low"]] > 0:
        verdict = "MTL **helps**"
    elif np.isfinite(mtl[col["gap_high"]]) and mtl[col["gap_high"]] < 0:
        verdict = "MTL **hurts** (negative transfer)"
    else:
        verdict = "MTL is **no better and no worse than STL**"
    out.append(f"{where}, {verdict}: {_pts(mtl[col['gap_mean']])} points vs STL in {label} {_ci(mtl, col)}; STL reaches "
               f"{100 * stl[col['mean']]:.1f}%.")
    if spec.source == "scanned":
        out.append("Every task asks the same question of real images, but each scanner changes them a little: the "
                   "best weights of two tasks are close, not equal. With few images each task alone guesses; "
                   "mean-regularized MTL pulls every task's weights towards their shared mean and borrows the other "
                   "scanners' images, while keeping each task's own correction.")
    lam = mtl.median_strength
    if np.isfinite(lam):
        end = " — the STL end of the path, so MTL barely shares" if lam <= 10 * LAM_GRID[0] else (
            " — the large-λ end (one shared weight vector, but per-task intercepts), so MTL shares strongly"
            if lam >= LAM_GRID[-1] / 10 else "")
        checked = METRIC_LABELS.get(spec.scoring, spec.scoring)
        out.append(f"The automatic choice (the evidence, checked by cross-validated {checked}) put the sharing strength at "
                   f"λ ≈ {lam:.2g} (median over splits){end}.")
    if np.isfinite(pooled[col["gap_high"]]) and pooled[col["gap_high"]] < -0.05:
        text = (f"Pooling (one classifier for all tasks) **costs {-100 * pooled[col['gap_mean']]:.0f} points**: the tasks "
                "disagree about the same inputs.")
        if spec.source == "digits":
            text += (" Here they contradict each other outright: an image of a 3 is a *positive* for “3 vs rest” and a "
                     "*negative* for every other task, so one shared boundary is near chance (every task is 50% "
                     "positive). What the tasks share — which pixels matter — does not make their weights similar, and "
                     "mean-regularized MTL pulls weights towards their mean; that is why the automatic λ turns the "
                     "sharing off and MTL ≈ STL.")
        out.append(text)
    elif np.isfinite(pooled[col["gap_low"]]) and pooled[col["gap_low"]] > 0:
        out.append(f"Pooling helps too ({_pts(pooled[col['gap_mean']])} points): the tasks look alike, so more data beats "
                   "task-specific rules at this size.")
    curve = result.curve[result.curve["model"] == MTL_LABEL].sort_values("n_train")
    if len(curve) >= 2:
        a, b = curve.iloc[0], curve.iloc[-1]
        g0, g1 = a[col["gap_mean"]], b[col["gap_mean"]]
        shrink = abs(g1) < abs(g0) - 0.005
        s = (f"Learning curve: MTL's gap in {label} is {_pts(g0)} points with {int(a.n_train)} samples per task and "
             f"{_pts(g1)} with {int(b.n_train)}")
        lows, highs = curve[col["gap_low"]], curve[col["gap_high"]]
        if np.isfinite(a[col["gap_low"]]) and a[col["gap_low"]] > 0 and shrink:
            s += ": sharing helps most when data is scarce, and the gap shrinks as every task gets enough data."
        elif all(np.isfinite(lows)) and (lows <= 0).all() and (highs >= 0).all():
            s += ": every interval includes 0, so at no size can we tell MTL and STL apart."
            if spec.source == "digits":
                s += (" The textbook picture — MTL helps most at small n — does **not** appear here: these tasks give "
                      "mean-regularized MTL nothing useful to share.")
        elif abs(g0) <= 0.01:
            s += (": the textbook picture — MTL helps most at small n — does **not** appear here, because these tasks "
                  "give MTL nothing useful to share.")
        else:
            s += "."
        out.append(s)
    flat = uninformative_tasks(result)
    if flat:
        shown = ", ".join(escape_markdown(n) for n in flat[:8]) + (", …" if len(flat) > 8 else "")
        where = "every task" if len(flat) == len(result.task_names) else f"{len(flat)} of {len(result.task_names)} tasks ({shown})"
        out.append(f"**Accuracy is uninformative** on {where}: STL's and MTL's accuracy there is within a point of the "
                   "majority rate, what always answering the larger class scores. Read balanced accuracy or ROC AUC "
                   "(the metric selector above), which score that rule 50%.")
    return out


def results_table(result: RealResult) -> pd.DataFrame:
    """The CSV export: per-task and overall comparison rows, then the learning curve; every metric's columns."""
    per = result.per_task.assign(part="comparison", n_train=np.nan)
    ov = result.overall.drop(columns="median_strength").assign(part="comparison", task_name="(all tasks)", n_train=np.nan,
                                                               majority_rate=np.nan)
    cur = result.curve.drop(columns=[c for c in ("bayes_accuracy",) if c in result.curve]).assign(
        part="learning curve", task_name="(all tasks)", majority_rate=np.nan)
    cols = ["part", "model", "task_name", "n_train", "majority_rate"]
    for metric in METRIC_LABELS:
        col = experiments.summary_columns(metric)
        cols += [col[k] for k in ("mean", "low", "high", "gap_mean", "gap_low", "gap_high")]
    return pd.concat([per, ov, cur], ignore_index=True)[cols]
