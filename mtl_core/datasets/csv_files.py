"""Tasks from a user's long-form CSV file, and a small example file.

:func:`tasks_from_csv` reads one CSV with a task column, a binary label column
and numeric feature columns, and returns a :class:`~mtl_core.taskset.TaskSet`.
It runs as a sequence of named steps, each of which raises a
:class:`~mtl_core.datasets.messages.DataFileError` with a text from the message
catalogue for the first problem it finds:

1. check the arguments (programming errors);
2. read the file into a table of text cells (:mod:`.csv_reading`);
3. choose the columns: task, label and features;
4. validate the cells: numeric features, missing values, binary labels, tasks
   big enough and with both classes;
5. split each task's rows (stratified, seeded);
6. standardize the features on the pooled training rows.

The order of the steps is the order in which problems are reported, so a file
with several problems always gets the same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..taskset import TaskSet
from .csv_reading import NA_TOKENS, column_to_float, fmt_number, read_table, read_text, to_float
from .limits import DEFAULT_MAX_BYTES, MAX_FEATURES, MAX_TASKS, MIN_TASK_ROWS
from .messages import (
    KIND_ARGUMENT,
    KIND_EMPTY,
    KIND_INVALID_VALUES,
    KIND_LABEL_NOT_BINARY,
    KIND_MISSING_COLUMN,
    KIND_NO_FEATURES,
    KIND_NON_NUMERIC,
    KIND_SAME_COLUMN,
    KIND_TASK_ONE_CLASS,
    KIND_TASK_TOO_SMALL,
    KIND_TOO_MANY_FEATURES,
    KIND_TOO_MANY_TASKS,
    KIND_UNNAMED_COLUMN,
    KIND_VALUES_TOO_LARGE,
    DataFileError,
    msg_all_rows_dropped,
    msg_feature_is_role,
    msg_feature_listed_twice,
    msg_invalid_values,
    msg_label_not_binary,
    msg_missing_columns,
    msg_no_features,
    msg_non_numeric,
    msg_same_task_label,
    msg_task_one_class,
    msg_task_too_small,
    msg_too_many_features,
    msg_too_many_tasks,
    msg_unnamed_column,
    msg_values_too_large,
)
from .splits import allocate, round_half_up, standardize_stats

__all__ = ["EXAMPLE_CSV_DESCRIPTION", "Columns", "LabelCells", "check_arguments", "example_csv", "label_cells", "tasks_from_csv", "tasks_from_rows"]


@dataclass(frozen=True)
class Columns:
    """The columns' roles, checked: every name is in the header and no column has two roles."""

    task: str
    label: str
    features: list[str]


@dataclass(frozen=True)
class LabelCells:
    """The label column's cells before any row is dropped."""

    text: np.ndarray  # the cells as stripped text (object array)
    numbers: np.ndarray | None  # float64 if every cell reads as a number or is missing, else None
    invalid: np.ndarray  # bool: missing (or, for numbers, not finite)


def tasks_from_csv(
    file: Any,
    task_column: str,
    label_column: str,
    feature_columns: Sequence[str] | None = None,
    test_fraction: float = 0.3,
    seed: int | None = 0,
    drop_invalid_rows: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> TaskSet:
    """Tasks from one long-form CSV: a task column, a binary label column, features.

    Parameters
    ----------
    file : path (str or os.PathLike), bytes, or a binary or text file-like
        The CSV.  A str is a path, never CSV text.  A file-like (e.g. Streamlit's
        ``UploadedFile``) is read from its start; its ``.name`` and ``.size`` are
        used when present.  Only UTF-8 (with or without byte-order mark) is
        accepted; first row the header.  Comma, semicolon or tab separated (detected
        from the header row); in a semicolon- or tab-separated file numbers may
        use a decimal comma ("1,5"), as European spreadsheets save them
        (``settings["delimiter"]`` and ``settings["decimal_mark"]`` say what was read).  Column names and cells
        of the task and label columns are stripped of surrounding spaces.
    task_column, label_column : str
        The column naming each row's task and the column of binary labels.  The
        label column must have exactly two distinct values: numbers are mapped in
        sorted order (so 0/1 stay 0/1, -1/1 become 0/1), text values in sorted
        order ignoring case ("no"/"yes" become 0/1).  The mapping is in
        ``settings["label_mapping"]`` (original value as text -> 0 or 1).
    feature_columns : sequence of str or None
        The numeric feature columns; default all columns but the task and label
        columns (then every column must have a name).
    test_fraction : float in (0, 1)
        Share of each task's rows held out for testing.  The split is stratified
        per task and seeded; the training set keeps at least one row of each class
        and the test set gets at least one row (and both classes where possible).
    seed : int or None
        Seed of the split: the same file and seed give the same task set.
    drop_invalid_rows : bool
        If True, rows with a missing or infinite value in a used column are
        dropped (their count is in ``settings["dropped_rows"]``); if False such
        rows are an error.
    max_bytes : int
        Largest accepted file size.

    Returns
    -------
    TaskSet
        Tasks in order of first appearance, ``task_names`` their values as text.
        Features standardized with the mean and std of the training rows of all
        tasks pooled (a constant column gets std 1); ``settings["feature_mean"]``
        and ``settings["feature_std"]`` hold them, so ``X * std + mean`` gives the
        file's values back (up to rounding).  ``settings["train_rows"]`` and
        ``settings["test_rows"]`` hold, per task, the 0-based data-row numbers in
        the file (the header is not counted; line = row + 2) of X_train and X_test,
        in file order.  No ground truth: ``true_coef`` etc. are None.

    Raises
    ------
    DataFileError (a ValueError)
        With one plain-text message from the message catalogue
        (:mod:`mtl_core.datasets.messages`) for every problem with the file;
        ``error.kind`` names the case.
    """
    feature_columns, test_fraction, max_bytes = check_arguments(
        task_column, label_column, feature_columns, test_fraction, max_bytes
    )
    text, file_name = read_text(file, max_bytes)
    table = read_table(text)
    df = table.rows
    columns = _choose_columns(table.header, task_column, label_column, feature_columns)

    X_all = _feature_matrix(df, columns.features, table.decimal_mark)
    task_cells = _stripped_cells(df, columns.task)
    labels = _label_cells(df, columns.label, table.decimal_mark)
    settings: dict[str, Any] = {
        "source": "csv",
        "file_name": file_name,
        "task_column": task_column,
        "label_column": label_column,
        "feature_columns": list(columns.features),
        "delimiter": table.delimiter,
        "decimal_mark": table.decimal_mark,
    }
    return tasks_from_rows(X_all, task_cells, labels, columns, test_fraction, seed, drop_invalid_rows, max_bytes, settings)


def tasks_from_rows(
    X_all: np.ndarray,
    task_cells: np.ndarray,
    labels: LabelCells,
    columns: Columns,
    test_fraction: float,
    seed: int | None,
    drop_invalid_rows: bool,
    max_bytes: int,
    settings: dict[str, Any],
) -> TaskSet:
    """Steps 4-6 of every file loader: valid rows, binary labels, tasks, split, standardization.

    The rows are in long form (one per example, ``task_cells`` naming its task), as
    read from a CSV or gathered from a .mat file's cells, so that both sources
    check, split and standardize the same way and report problems with the same
    messages.

    Parameters
    ----------
    X_all : ndarray of shape (n_rows, n_features)
        Feature values (NaN where a cell is missing).
    task_cells : ndarray of shape (n_rows,), object
        Each row's task name as text ("" where missing).
    labels : LabelCells
        The label cells (`label_cells`).
    columns : Columns
        The names of the task, label and feature columns, for the messages.
    test_fraction, seed, drop_invalid_rows, max_bytes
        As in `tasks_from_csv`.
    settings : dict
        The source's own entries, completed with the split's and the
        standardization's.

    Returns
    -------
    TaskSet
        As described in `tasks_from_csv`.
    """
    keep, n_dropped = _valid_rows(columns, task_cells, labels.invalid, X_all, drop_invalid_rows)
    X_all = X_all[keep]
    task_cells = task_cells[keep]
    y_all, label_mapping = _binary_labels(labels, keep, columns.label)
    task_names, task_rows = _task_rows(task_cells, y_all, label_mapping)

    train_pos, test_pos = _stratified_split(task_rows, y_all, test_fraction, seed)
    Z, mean, std = _standardize(X_all, np.concatenate(train_pos), columns.features)

    settings = {
        **settings,
        "test_fraction": test_fraction,
        "seed": seed,
        "drop_invalid_rows": bool(drop_invalid_rows),
        "max_bytes": max_bytes,
        "dropped_rows": n_dropped,
        "label_mapping": label_mapping,
        "feature_mean": mean.tolist(),
        "feature_std": std.tolist(),
        "n_train": [len(r) for r in train_pos],
        "n_test": [len(r) for r in test_pos],
        "train_rows": [keep[r].tolist() for r in train_pos],
        "test_rows": [keep[r].tolist() for r in test_pos],
    }
    return TaskSet(
        X_train=[Z[r] for r in train_pos],
        y_train=[y_all[r] for r in train_pos],
        X_test=[Z[r] for r in test_pos],
        y_test=[y_all[r] for r in test_pos],
        true_coef=None,
        true_intercept=None,
        bayes_accuracy=None,
        related=np.ones(len(task_names), dtype=bool),
        task_names=task_names,
        feature_names=list(columns.features),
        settings=settings,
        true_score=None,
    )


# ----------------------------------------------------------------------------------
# Step 1: arguments
# ----------------------------------------------------------------------------------


def check_arguments(
    task_column: Any, label_column: Any, feature_columns: Any, test_fraction: Any, max_bytes: Any
) -> tuple[list[str] | None, float, int]:
    """``(feature_columns, test_fraction, max_bytes)`` as a list or None, a float and an int.

    A bad argument is a programming error of the caller, not a problem with the
    file: its message names the parameter (kind ``KIND_ARGUMENT``).
    """
    if not isinstance(task_column, str) or not isinstance(label_column, str):
        raise DataFileError(KIND_ARGUMENT, "task_column and label_column must be column names (text).")
    if isinstance(feature_columns, str):
        feature_columns = [feature_columns]
    if feature_columns is not None:
        feature_columns = list(feature_columns)
        if not all(isinstance(c, str) for c in feature_columns):
            raise DataFileError(KIND_ARGUMENT, "feature_columns must be column names (text).")
    try:
        test_fraction = float(test_fraction)
    except (TypeError, ValueError):
        raise DataFileError(KIND_ARGUMENT, f"test_fraction must be a number between 0 and 1, got {test_fraction!r}.") from None
    if not 0.0 < test_fraction < 1.0:
        raise DataFileError(KIND_ARGUMENT, f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction!r}.")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes <= 0:
        raise DataFileError(KIND_ARGUMENT, f"max_bytes must be a positive integer, got {max_bytes!r}.")
    return feature_columns, test_fraction, max_bytes


# ----------------------------------------------------------------------------------
# Step 3: column roles
# ----------------------------------------------------------------------------------


def _choose_columns(
    header: list[str], task_column: str, label_column: str, feature_columns: list[str] | None
) -> Columns:
    """The task, label and feature columns, checked against each other and the header.

    Without ``feature_columns`` every other column is a feature, so then every
    column needs a name (an unnamed first column is usually a saved row index).
    """
    named = [h for h in header if h != ""]
    if task_column == label_column:
        raise DataFileError(KIND_SAME_COLUMN, msg_same_task_label(task_column))
    if feature_columns is not None:
        for c in feature_columns:
            if c == task_column:
                raise DataFileError(KIND_SAME_COLUMN, msg_feature_is_role(c, "task"))
            if c == label_column:
                raise DataFileError(KIND_SAME_COLUMN, msg_feature_is_role(c, "label"))
        twice = sorted({c for c in feature_columns if feature_columns.count(c) > 1}, key=feature_columns.index)
        if twice:
            raise DataFileError(KIND_SAME_COLUMN, msg_feature_listed_twice(twice))
    wanted = [task_column, label_column] + (feature_columns or [])
    missing = [c for c in wanted if c not in named]
    if missing:
        raise DataFileError(KIND_MISSING_COLUMN, msg_missing_columns(missing, named))
    if feature_columns is None:
        unnamed = [i for i, h in enumerate(header) if h == ""]
        if unnamed:
            raise DataFileError(KIND_UNNAMED_COLUMN, msg_unnamed_column(unnamed))
        feature_columns = [h for h in header if h not in (task_column, label_column)]
    if not feature_columns:
        raise DataFileError(KIND_NO_FEATURES, msg_no_features())
    if len(feature_columns) > MAX_FEATURES:
        raise DataFileError(KIND_TOO_MANY_FEATURES, msg_too_many_features(len(feature_columns)))
    return Columns(task=task_column, label=label_column, features=list(feature_columns))


# ----------------------------------------------------------------------------------
# Step 4: cells, validated
# ----------------------------------------------------------------------------------


def _cells(df: pd.DataFrame, col: str) -> np.ndarray:
    """A column's cells as an object array of str (NaN where pandas has no value)."""
    return df[col].to_numpy(dtype=object, na_value=np.nan)


def _stripped_cells(df: pd.DataFrame, col: str) -> np.ndarray:
    """A column's cells as stripped text; a cell without a value becomes ""."""
    return np.array([v.strip() if isinstance(v, str) else "" for v in _cells(df, col)], dtype=object)


def _feature_matrix(df: pd.DataFrame, features: list[str], decimal_mark: str) -> np.ndarray:
    """The feature cells as floats (NaN where missing); every non-numeric column is reported at once."""
    X_all = np.empty((len(df), len(features)), dtype=np.float64)
    bad_examples: dict[str, str] = {}
    for j, col in enumerate(features):
        values, bad = column_to_float(_cells(df, col), decimal_mark)
        if bad is not None:
            bad_examples[col] = bad
        else:
            X_all[:, j] = values
    if bad_examples:
        raise DataFileError(KIND_NON_NUMERIC, msg_non_numeric(bad_examples))
    return X_all


def _label_cells(df: pd.DataFrame, label_column: str, decimal_mark: str) -> LabelCells:
    """The label cells of a CSV column (see `label_cells`)."""
    return label_cells(_stripped_cells(df, label_column), decimal_mark)


def label_cells(label_raw: np.ndarray, decimal_mark: str = ".") -> LabelCells:
    """Label cells given as stripped text; numeric labels are compared as numbers, so "1" and "1.0" are one class."""
    label_missing = np.array([v in NA_TOKENS for v in label_raw], dtype=bool)
    label_num = np.array([to_float(v, decimal_mark) for v in label_raw], dtype=object)
    if all(v is not None for v in label_num):
        label_float = label_num.astype(np.float64)
        return LabelCells(text=label_raw, numbers=label_float, invalid=~np.isfinite(label_float))
    return LabelCells(text=label_raw, numbers=None, invalid=label_missing)


def _valid_rows(
    columns: Columns, task_cells: np.ndarray, label_invalid: np.ndarray, X_all: np.ndarray, drop_invalid_rows: bool
) -> tuple[np.ndarray, int]:
    """The rows to keep (0-based data-row numbers in the file) and how many were dropped.

    A row is invalid if its task cell is empty, its label is missing or a feature
    is missing or infinite.  Invalid rows are an error that counts them per
    column, unless ``drop_invalid_rows``.
    """
    invalid_by_col: dict[str, np.ndarray] = {
        columns.task: task_cells == "",
        columns.label: label_invalid,
    }
    for j, col in enumerate(columns.features):
        invalid_by_col[col] = ~np.isfinite(X_all[:, j])
    invalid_row = np.zeros(len(task_cells), dtype=bool)
    for mask in invalid_by_col.values():
        invalid_row |= mask
    n_dropped = 0
    if invalid_row.any():
        if not drop_invalid_rows:
            per_col = {c: int(m.sum()) for c, m in invalid_by_col.items() if m.any()}
            raise DataFileError(
                KIND_INVALID_VALUES,
                msg_invalid_values(sum(per_col.values()), int(invalid_row.sum()), per_col),
            )
        n_dropped = int(invalid_row.sum())
        if n_dropped == len(task_cells):
            raise DataFileError(KIND_EMPTY, msg_all_rows_dropped(n_dropped))
    return np.flatnonzero(~invalid_row), n_dropped


def _binary_labels(labels: LabelCells, keep: np.ndarray, label_column: str) -> tuple[np.ndarray, dict[str, int]]:
    """Labels 0/1 of the kept rows, and the mapping from the file's two values (as text) to 0 and 1.

    Numbers are ordered by value, text ignoring case first (then by case, so the
    order never depends on the rows' order).
    """
    if labels.numbers is not None:
        values_f = labels.numbers[keep]
        distinct = np.unique(values_f)
        shown = [fmt_number(v) for v in distinct]
        if len(distinct) != 2:
            raise DataFileError(KIND_LABEL_NOT_BINARY, msg_label_not_binary(label_column, shown))
        y_all = (values_f == distinct[1]).astype(np.int64)
        return y_all, {shown[0]: 0, shown[1]: 1}
    values_s = labels.text[keep]
    distinct_s = sorted(set(values_s.tolist()), key=lambda s: (s.lower(), s))
    if len(distinct_s) != 2:
        raise DataFileError(KIND_LABEL_NOT_BINARY, msg_label_not_binary(label_column, distinct_s))
    y_all = (values_s == distinct_s[1]).astype(np.int64)
    return y_all, {distinct_s[0]: 0, distinct_s[1]: 1}


def _task_rows(
    task_cells: np.ndarray, y_all: np.ndarray, label_mapping: dict[str, int]
) -> tuple[list[str], list[np.ndarray]]:
    """Task names in order of first appearance, and each task's rows (positions among the kept rows).

    Every task needs at least ``MIN_TASK_ROWS`` rows and both classes, so that
    its training and test sets can both be drawn.
    """
    class_text = {v: k for k, v in label_mapping.items()}
    task_names = list(dict.fromkeys(task_cells.tolist()))
    if len(task_names) > MAX_TASKS:
        raise DataFileError(KIND_TOO_MANY_TASKS, msg_too_many_tasks(len(task_names)))
    task_rows = [np.flatnonzero(task_cells == name) for name in task_names]
    small = {name: len(rows) for name, rows in zip(task_names, task_rows) if len(rows) < MIN_TASK_ROWS}
    if small:
        raise DataFileError(KIND_TASK_TOO_SMALL, msg_task_too_small(small))
    one_class = {}
    for name, rows in zip(task_names, task_rows):
        classes = np.unique(y_all[rows])
        if len(classes) < 2:
            one_class[name] = (class_text[int(classes[0])], len(rows))
    if one_class:
        raise DataFileError(KIND_TASK_ONE_CLASS, msg_task_one_class(one_class))
    return task_names, task_rows


# ----------------------------------------------------------------------------------
# Steps 5 and 6: split and standardize
# ----------------------------------------------------------------------------------


def _stratified_split(
    task_rows: list[np.ndarray], y_all: np.ndarray, test_fraction: float, seed: int | None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each task's training and test rows (sorted, so in file order), stratified and seeded.

    The test set gets ``test_fraction`` of the rows rounded half up, at least one
    and at most all but two; each class keeps a row for training, and a test set
    of two rows or more gets a row of each class that has two rows or more.
    """
    rng = np.random.default_rng(seed)
    train_pos, test_pos = [], []
    for rows in task_rows:
        by_class = [rows[y_all[rows] == c] for c in (0, 1)]
        sizes = (len(by_class[0]), len(by_class[1]))
        n = len(rows)
        k = min(max(round_half_up(test_fraction * n), 1), n - 2)
        lo = tuple(1 if (k >= 2 and s >= 2) else 0 for s in sizes)
        k_test = allocate(sizes, k, lo=lo, hi=(sizes[0] - 1, sizes[1] - 1))
        test_parts, train_parts = [], []
        for c in (0, 1):
            perm = rng.permutation(by_class[c])
            test_parts.append(perm[: k_test[c]])
            train_parts.append(perm[k_test[c]:])
        train_pos.append(np.sort(np.concatenate(train_parts)))
        test_pos.append(np.sort(np.concatenate(test_parts)))
    return train_pos, test_pos


def _standardize(
    X_all: np.ndarray, fit_rows: np.ndarray, features: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Z, mean, std)``: the features standardized with the mean and std of the ``fit_rows``.

    Only training rows are fitted, so no test value leaks into the features.  A
    column whose mean or spread overflows, or whose standardized values do, is
    reported instead of turning into inf or NaN.
    """
    mean, std = standardize_stats(X_all[fit_rows])
    overflow = ~(np.isfinite(mean) & np.isfinite(std))
    if overflow.any():
        raise DataFileError(
            KIND_VALUES_TOO_LARGE, msg_values_too_large([features[j] for j in np.flatnonzero(overflow)])
        )
    with np.errstate(over="ignore", invalid="ignore"):
        Z = (X_all - mean) / std
    if not np.all(np.isfinite(Z)):
        cols = [features[j] for j in np.flatnonzero(~np.all(np.isfinite(Z), axis=0))]
        raise DataFileError(KIND_VALUES_TOO_LARGE, msg_values_too_large(cols))
    return Z, mean, std


# ----------------------------------------------------------------------------------
# Example file
# ----------------------------------------------------------------------------------


#: The example file's description, for the page and the docs: what it is and what it shows.
EXAMPLE_CSV_DESCRIPTION = (
    "The example is synthetic: 6 tasks (A-F) x 24 rows, 8 features; every task's label follows a logistic model "
    "whose weights are one shared vector plus a small task-specific change, so the tasks are closely related and "
    "too small to learn alone: MTL (and pooling) beat STL clearly on it."
)


def example_csv() -> str:
    """The text of a small valid CSV: 6 related tasks x 24 rows, columns task,label,x1,...,x8.

    Synthetic (see `EXAMPLE_CSV_DESCRIPTION`): each task's label follows a
    logistic model ``P(y=1) = expit(1.5 x.w_t)`` with ``w_t = w + 0.4 e_t``, one
    shared vector ``w`` of norm ``sqrt(8)`` and a standard normal change ``e_t``
    per task.  With 70% of 24 rows for training in 8 features, each task alone
    learns little; sharing helps.  Generated with a fixed seed;
    ``examples/tasks_example.csv`` holds the same text.
    """
    rng = np.random.default_rng(1)
    n_features, n_rows = 8, 24
    shared = rng.standard_normal(n_features)
    shared *= np.sqrt(n_features) / np.linalg.norm(shared)
    lines = ["task,label," + ",".join(f"x{j + 1}" for j in range(n_features))]
    for name in "ABCDEF":
        w = shared + 0.4 * rng.standard_normal(n_features)
        X = np.round(rng.standard_normal((n_rows, n_features)), 3)
        p = 1.0 / (1.0 + np.exp(-1.5 * (X @ w)))
        y = (rng.random(n_rows) < p).astype(int)
        y[:2] = (0, 1)  # both classes for sure
        for xi, yi in zip(X, y):
            lines.append(f"{name},{yi}," + ",".join(f"{v:.3f}" for v in xi))
    return "\n".join(lines) + "\n"
