"""Real data sources for the engine: handwritten-digit tasks and a user's CSV file.

Both functions return a :class:`~mtl_core.taskset.TaskSet`, like the synthetic
generator, so models and pages never need to know where the tasks came from.

* :func:`digits_tasks` builds related binary tasks ("is it a 3?", "is it an 8?", ...)
  from scikit-learn's bundled handwritten digits (no download).
* :func:`tasks_from_csv` reads one long-form CSV (a task column, a binary label
  column, numeric feature columns).  Every problem with the file is reported as a
  :class:`DataFileError` (a ``ValueError``) whose text is one plain-text sentence or
  two meant to be shown to the user as is.  All those texts are built by the
  ``msg_*`` functions of the *message catalogue* below, so pages and tests can reuse
  them.
* :func:`example_csv` is the text of a small valid CSV (also shipped as
  ``examples/tasks_example.csv``).

Real data has no ground truth: ``true_coef``, ``true_intercept``, ``bayes_accuracy``
and ``true_score`` are None.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import math
import os
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .taskset import TaskSet

__all__ = [
    "DataFileError",
    "MAX_FEATURES",
    "MAX_TASKS",
    "MIN_TASK_ROWS",
    "digits_tasks",
    "example_csv",
    "tasks_from_csv",
]

# ----------------------------------------------------------------------------------
# Limits
# ----------------------------------------------------------------------------------

MAX_TASKS = 50
"""Most tasks a CSV may hold."""
MAX_FEATURES = 500
"""Most feature columns a CSV may use."""
MIN_TASK_ROWS = 4
"""Fewest rows a task needs (and fewest training samples per digits task)."""
DEFAULT_MAX_BYTES = 5_000_000

# Cell texts read as "missing" in the label and feature columns (as in pandas).
# The task column only treats an empty cell as missing, so a task may be called "NA".
_NA_TOKENS = frozenset(
    {"", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "-NaN", "NAN", "null", "NULL", "Null",
     "None", "none", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "1.#IND", "-1.#QNAN", "1.#QNAN", "<NA>"}
)

_ELLIPSIS = "\u2026"


class DataFileError(ValueError):
    """A problem with a data file, with a message meant for the user.

    ``str(error)`` is the complete plain-text message.  ``kind`` names the case
    (one of the ``KIND_*`` constants) so a page can react to it, e.g. offer the
    "drop those rows" option when ``kind == KIND_INVALID_VALUES``.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# ----------------------------------------------------------------------------------
# Message catalogue: every user-facing text of this module is built here.
# Texts are plain (no HTML or Markdown); column and task names appear verbatim in
# double quotes.
# ----------------------------------------------------------------------------------

KIND_ARGUMENT = "argument"            # a bad function argument (programming error)
KIND_UNREADABLE = "unreadable"        # cannot open the file
KIND_ENCODING = "encoding"            # not a UTF-8 CSV (binary, UTF-16, PNG, ...)
KIND_PARSE = "parse"                  # text, but not a well-formed CSV
KIND_EMPTY = "empty"                  # 0 bytes, or a header without rows
KIND_TOO_LARGE = "too_large"          # more than max_bytes
KIND_DUPLICATE_COLUMNS = "duplicate_columns"
KIND_UNNAMED_COLUMN = "unnamed_column"
KIND_MISSING_COLUMN = "missing_column"
KIND_SAME_COLUMN = "same_column"      # task/label/feature roles overlap
KIND_NO_FEATURES = "no_features"
KIND_TOO_MANY_FEATURES = "too_many_features"
KIND_NON_NUMERIC = "non_numeric"
KIND_INVALID_VALUES = "invalid_values"  # NaN / inf / empty cells
KIND_LABEL_NOT_BINARY = "label_not_binary"
KIND_TOO_MANY_TASKS = "too_many_tasks"
KIND_TASK_TOO_SMALL = "task_too_small"
KIND_TASK_ONE_CLASS = "task_one_class"
KIND_VALUES_TOO_LARGE = "values_too_large"


def _q(name: Any) -> str:
    """A name in double quotes, verbatim."""
    return f'"{name}"'


def _qlist(names: Sequence[Any], limit: int = 20) -> str:
    """Quoted, comma-separated names; at most ``limit`` of them, then an ellipsis."""
    shown = ", ".join(_q(n) for n in list(names)[:limit])
    return shown + (f", {_ELLIPSIS}" if len(names) > limit else "")


def _mb(n_bytes: float) -> str:
    mb = n_bytes / 1e6
    text = f"{mb:,.{3 if mb >= 0.001 else 6}f}".rstrip("0").rstrip(".")
    return f"{text} MB"


def msg_unreadable(detail: str) -> str:
    return f"The file could not be opened: {detail}."


def msg_encoding() -> str:
    return (
        "The file could not be read as a UTF-8 CSV file. Only UTF-8 text is accepted "
        "(with or without a byte-order mark): the file looks binary (for example an image "
        "or a spreadsheet) or uses another text encoding. Save it as \"CSV UTF-8\" and "
        "upload it again."
    )


def msg_parse(detail: str) -> str:
    return f"The file could not be read as a CSV table: {detail}"


def msg_empty(header_only: bool) -> str:
    if header_only:
        return "The file has a header row but no data rows."
    return "The file is empty."


def msg_all_rows_dropped(n_dropped: int) -> str:
    return (
        f"No rows are left: all {n_dropped} rows have missing or infinite values "
        "in the columns used."
    )


def msg_too_large(size: int, max_bytes: int) -> str:
    return f"The file is too large ({_mb(size)}); the limit is {_mb(max_bytes)}."


def msg_duplicate_columns(names: Sequence[str]) -> str:
    return (
        f"The header names some columns more than once: {_qlist(names)}. "
        "Every column needs a different name."
    )


def msg_unnamed_column(positions: Sequence[int]) -> str:
    cols = ", ".join(str(p + 1) for p in positions)
    word = "Column" if len(positions) == 1 else "Columns"
    return (
        f"{word} {cols} (counting from 1) of the header row has no name. Give every column "
        "a name, or choose the feature columns explicitly. (A table saved with its row "
        "index often starts with an unnamed column; save it without the index.)"
    )


def _suggest(name: str, available: Sequence[str]) -> str | None:
    """The available column closest to ``name`` (case-insensitive first), or None."""
    for col in available:
        if col.lower() == name.lower():
            return col
    lowered = {col.lower(): col for col in reversed(list(available))}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def msg_missing_columns(missing: Sequence[str], available: Sequence[str]) -> str:
    if len(missing) == 1:
        text = f"Column {_q(missing[0])} was not found in the file."
    else:
        text = f"Columns {_qlist(missing)} were not found in the file."
    hints = [(m, _suggest(m, available)) for m in missing]
    hints = [(m, s) for m, s in hints if s is not None]
    if len(missing) == 1 and hints:
        text += f" Did you mean {_q(hints[0][1])}?"
    elif hints:
        text += " Did you mean " + ", ".join(f"{_q(s)} (for {_q(m)})" for m, s in hints) + "?"
    text += f" Available columns: {_qlist(available, limit=30)}."
    if len(available) == 1:
        if ";" in available[0]:
            text += " The header looks separated by semicolons; save the file with commas as separators."
        elif "\t" in available[0]:
            text += " The header looks separated by tabs; save the file with commas as separators."
    return text


def msg_same_task_label(column: str) -> str:
    return (
        f"The task column and the label column must be different columns, but both are {_q(column)}."
    )


def msg_feature_is_role(column: str, role: str) -> str:
    return (
        f"Column {_q(column)} is the {role} column, so it cannot also be a feature column. "
        "Remove it from the feature columns."
    )


def msg_feature_listed_twice(columns: Sequence[str]) -> str:
    return f"The feature columns list {_qlist(columns)} more than once; list each column once."


def msg_no_features() -> str:
    return (
        "There are no feature columns: the file needs at least one numeric column besides "
        "the task column and the label column."
    )


def msg_too_many_features(count: int) -> str:
    return f"Too many feature columns: {count} (the limit is {MAX_FEATURES}). Choose fewer feature columns."


def msg_non_numeric(examples: dict[str, str]) -> str:
    cols = list(examples)
    word = "Feature column" if len(cols) == 1 else "Feature columns"
    verb = "is" if len(cols) == 1 else "are"
    if len(cols) == 1:
        shown = f"it contains {_q(examples[cols[0]])}"
    else:
        shown = "; ".join(f"{_q(c)} contains {_q(v)}" for c, v in list(examples.items())[:10])
        shown += f"; {_ELLIPSIS}" if len(cols) > 10 else ""
    return (
        f"{word} {_qlist(cols)} {verb} not numeric: {shown}. Features must be numbers "
        f"(with a dot as decimal separator); remove {'that column' if len(cols) == 1 else 'those columns'} "
        "or choose other feature columns."
    )


def msg_invalid_values(n_values: int, n_rows: int, per_column: dict[str, int]) -> str:
    cols = ", ".join(f"{_q(c)} ({k})" for c, k in list(per_column.items())[:20])
    if len(per_column) > 20:
        cols += f", {_ELLIPSIS}"
    values = "value" if n_values == 1 else "values"
    rows = "row" if n_rows == 1 else "rows"
    return (
        f"Found {n_values} missing or infinite {values} (empty cell, NaN or inf) in {n_rows} {rows}, "
        f"in {'column' if len(per_column) == 1 else 'the columns'} {cols}. Fix the file, or use the \"drop those rows\" option "
        f"(drop_invalid_rows=True) to remove {'this row' if n_rows == 1 else f'these {n_rows} rows'}."
    )


def msg_label_not_binary(column: str, values: Sequence[str]) -> str:
    n = len(values)
    found = _qlist(values, limit=10)
    if n == 1:
        return (
            f"The label column {_q(column)} must have exactly two distinct values, "
            f"but it only has one: {found}."
        )
    return (
        f"The label column {_q(column)} must have exactly two distinct values (binary labels), "
        f"but it has {n}: {found}."
    )


def msg_too_many_tasks(count: int) -> str:
    return f"Too many tasks: {count} (the limit is {MAX_TASKS}). Check that the task column is the right one."


def msg_task_too_small(tasks: dict[str, int]) -> str:
    shown = ", ".join(f"{_q(t)} ({n} {'row' if n == 1 else 'rows'})" for t, n in list(tasks.items())[:10])
    if len(tasks) > 10:
        shown += f", {_ELLIPSIS}"
    word = "Task" if len(tasks) == 1 else "Tasks"
    verb = "has" if len(tasks) == 1 else "have"
    return f"{word} {shown} {verb} too few rows: each task needs at least {MIN_TASK_ROWS} rows."


def msg_task_one_class(tasks: dict[str, tuple[str, int]]) -> str:
    parts = [
        f"{_q(t)} (all {n} {'row has' if n == 1 else 'rows have'} label {_q(c)})" for t, (c, n) in list(tasks.items())[:10]
    ]
    shown = ", ".join(parts) + (f", {_ELLIPSIS}" if len(tasks) > 10 else "")
    word = "Task" if len(tasks) == 1 else "Tasks"
    verb = "has" if len(tasks) == 1 else "have"
    return f"{word} {shown} {verb} only one class: each task needs rows of both classes."


def msg_values_too_large(columns: Sequence[str]) -> str:
    one = len(columns) == 1
    return (
        f"The values of {'column' if one else 'columns'} {_qlist(columns)} are too large to standardize "
        f"(their mean or spread overflows); rescale {'that column' if one else 'those columns'}."
    )


# ----------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def _allocate(sizes: tuple[int, int], k: int, lo: tuple[int, int], hi: tuple[int, int]) -> tuple[int, int]:
    """Split ``k`` draws between two classes of ``sizes``, proportionally, within bounds.

    Returns ``(k0, k1)`` with ``k0 + k1 == k`` and ``lo[c] <= k_c <= hi[c]``; the
    callers guarantee that such a split exists.
    """
    ideal1 = k * sizes[1] / (sizes[0] + sizes[1])
    low = max(lo[1], k - hi[0])
    high = min(hi[1], k - lo[0])
    if low > high:  # cannot happen for validated inputs
        raise RuntimeError(f"no stratified split of {k} from class sizes {sizes}")
    k1 = min(max(_round_half_up(ideal1), low), high)
    return k - k1, k1


def _standardize_stats(X_fit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (ddof=0) of each column; a constant column gets std 1."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X_fit.mean(axis=0)
        std = X_fit.std(axis=0)
    # a constant column can come out with a round-off std (e.g. 1e-17): treat as 0
    tiny = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
    std = np.where(tiny, 1.0, std)
    return mean, std


def _as_count_list(value: Any, n_tasks: int, name: str) -> list[int]:
    """An int, or one int per task, as a list of ``n_tasks`` ints."""
    if isinstance(value, (bool, np.bool_)):
        raise DataFileError(KIND_ARGUMENT, f"{name} must be an integer or a list of integers, got {value!r}.")
    if isinstance(value, (int, np.integer)):
        return [int(value)] * n_tasks
    try:
        values = list(value)
    except TypeError:
        raise DataFileError(KIND_ARGUMENT, f"{name} must be an integer or a list of integers, got {value!r}.") from None
    if len(values) != n_tasks:
        raise DataFileError(KIND_ARGUMENT, f"{name} must have one entry per task ({n_tasks}), got {len(values)}.")
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise DataFileError(KIND_ARGUMENT, f"{name} must contain integers, got {v!r}.")
        out.append(int(v))
    return out


# ----------------------------------------------------------------------------------
# Handwritten digits
# ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels = np.asarray(bunch.data, dtype=np.float64) / 16.0  # 0..16 -> [0, 1]
    target = np.asarray(bunch.target, dtype=np.int64)
    pixels.setflags(write=False)
    target.setflags(write=False)
    return pixels, target


def _digit_pools(target: np.ndarray, digits: list[int], rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Disjoint, balanced (positives, negatives) image indices for each digit task.

    * With two or more tasks, a random half (rounded down) of the images of each task
      digit are that task's candidate positives; the other half are candidate
      negatives for the *other* tasks.  With a single task, all its digit's images
      are candidate positives.
    * The images of digits without a task are all candidate negatives.
    * Each digit's candidate negatives are dealt in near-equal random chunks to the
      tasks of the other digits, so every task's negatives mix the other digits.
    * Each task then keeps ``m = min(#positives, #negatives)`` random images of each
      kind, so its pool is exactly 50% positive.  No image is in two pools.
    """
    n_tasks = len(digits)
    task_of_digit = {d: t for t, d in enumerate(digits)}
    positives: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * n_tasks
    negatives: list[list[np.ndarray]] = [[] for _ in range(n_tasks)]
    for d in range(10):
        images = rng.permutation(np.flatnonzero(target == d))
        if d in task_of_digit:
            n_pos = len(images) if n_tasks == 1 else len(images) // 2
            positives[task_of_digit[d]] = images[:n_pos]
            rest = images[n_pos:]
            receivers = [t for t in range(n_tasks) if t != task_of_digit[d]]
        else:
            rest = images
            receivers = list(range(n_tasks))
        if not receivers or len(rest) == 0:
            continue
        order = rng.permutation(len(receivers))
        for chunk, r in zip(np.array_split(rest, len(receivers)), order):
            negatives[receivers[r]].append(chunk)
    pools = []
    for t in range(n_tasks):
        neg = np.concatenate(negatives[t]) if negatives[t] else np.empty(0, dtype=np.int64)
        m = min(len(positives[t]), len(neg))
        pools.append((rng.permutation(positives[t])[:m], rng.permutation(neg)[:m]))
    return pools


def digits_tasks(
    n_train: int | Sequence[int] = 20,
    n_test: int | Sequence[int] | None = None,
    digits: Sequence[int] = tuple(range(10)),
    seed: int | None = 0,
    n_components: int | None = None,
) -> TaskSet:
    """Related binary tasks from scikit-learn's handwritten digits: "is it a k?".

    The 1797 8x8 images of ``sklearn.datasets.load_digits`` (bundled with
    scikit-learn, no download) give one task per entry of ``digits``: task ``t``
    asks whether an image shows digit ``digits[t]`` (label 1) or any other digit
    (label 0).

    **Disjoint, balanced pools.**  Tasks never share an image.  With two or more
    tasks, a random half of the images of each task digit are that task's
    positives; the other half, plus all images of digits without a task, are dealt
    out as negatives to the tasks of the *other* digits (near-equal random chunks,
    so each task's negatives mix the other digits).  Each task then keeps as many
    negatives as positives, so every pool is exactly 50% positive (about 175-180
    images per task with all ten digits; a single task keeps all images of its
    digit).  The pool sizes are in ``settings["pool_sizes"]``.

    **Why the tasks are related.**  All tasks are read from the same pen-stroke
    pixels: "is it a 3?" and "is it an 8?" weigh overlapping pixels (the right-hand
    curves), and which pixels carry information at all (the centre, not the empty
    border) is shared by every task.  So a model can borrow strength across tasks,
    while each task still needs its own decision rule.  The true weights and the
    Bayes accuracy are unknown: ``true_coef``, ``true_intercept``,
    ``bayes_accuracy`` and ``true_score`` are None.

    Parameters
    ----------
    n_train : int or sequence of int
        Training images per task (one value for all tasks, or one per task);
        at least 4 and at most the task's pool size minus 2 (so the test set keeps
        both classes).  The train/test split is stratified and seeded.
    n_test : int, sequence of int or None
        Test images per task; None (default) uses the rest of the task's pool.
    digits : sequence of int
        The digits (0-9, no repeats) that get a task, in task order.
    seed : int or None
        Seed of everything random (pools and splits): the same seed gives
        bit-for-bit the same task set.
    n_components : int or None
        If given, project the features onto this many top principal components,
        fitted (numpy SVD) on the union of the training sets only, to keep the
        number of features small (e.g. 16).  The scores are not rescaled (PC1 has
        the largest variance).

    Returns
    -------
    TaskSet
        Features: the 64 pixels scaled to [0, 1], then standardized with the mean
        and std of the union of the training sets (a constant pixel gets std 1),
        then optionally projected.  Labels int64 in {0, 1}.  ``task_names`` like
        "3 vs rest", ``feature_names`` "pixel r,c" (row and column of the 8x8
        image, from 0) or "PC1", "PC2", ...  ``settings`` holds the arguments,
        ``"source": "digits"``, ``"pool_sizes"``, the standardization
        ``"feature_mean"``/``"feature_std"`` (per pixel, in [0, 1] units),
        ``"pca_components"`` (n_components x 64, or None) and ``"train_rows"``/
        ``"test_rows"``: for each task, the indices of its images in
        ``sklearn.datasets.load_digits()`` in the order of X_train/X_test (to show
        the images).

    Raises
    ------
    ValueError
        On bad arguments, e.g. an ``n_train`` too large for a task's pool (the
        message gives the maximum) or below 4.
    """
    # --- arguments --------------------------------------------------------------
    try:
        digit_list = [d for d in digits]
    except TypeError:
        raise ValueError(f"digits must be a sequence of digits 0-9, got {digits!r}.") from None
    if not digit_list:
        raise ValueError("digits must name at least one digit (0-9).")
    for d in digit_list:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)) or not 0 <= d <= 9:
            raise ValueError(f"digits must contain integers from 0 to 9, got {d!r}.")
    digit_list = [int(d) for d in digit_list]
    if len(set(digit_list)) != len(digit_list):
        raise ValueError(f"digits must not repeat a digit, got {digit_list}.")
    n_tasks = len(digit_list)
    n_train_list = _as_count_list(n_train, n_tasks, "n_train")
    n_test_list = None if n_test is None else _as_count_list(n_test, n_tasks, "n_test")
    if n_components is not None and (
        isinstance(n_components, (bool, np.bool_)) or not isinstance(n_components, (int, np.integer))
    ):
        raise ValueError(f"n_components must be a positive integer or None, got {n_components!r}.")
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"seed must be an integer or None, got {seed!r}.")

    task_names = [f"{d} vs rest" for d in digit_list]
    pixels, target = _load_digits()
    rng = np.random.default_rng(seed)
    pools = _digit_pools(target, digit_list, rng)
    pool_sizes = [2 * len(pos) for pos, _ in pools]

    for t in range(n_tasks):
        max_train = pool_sizes[t] - 2
        if n_train_list[t] < MIN_TASK_ROWS:
            raise ValueError(
                f'n_train for task "{task_names[t]}" must be at least {MIN_TASK_ROWS}, got {n_train_list[t]}.'
            )
        if n_train_list[t] > max_train:
            raise ValueError(
                f'n_train for task "{task_names[t]}" is {n_train_list[t]}, but its pool has {pool_sizes[t]} '
                f"images: n_train can be at most {max_train} (2 images stay for testing)."
            )
        if n_test_list is not None:
            rest = pool_sizes[t] - n_train_list[t]
            if not 1 <= n_test_list[t] <= rest:
                raise ValueError(
                    f'n_test for task "{task_names[t]}" must be between 1 and {rest} '
                    f"(its pool of {pool_sizes[t]} images minus n_train), got {n_test_list[t]}."
                )

    # --- stratified, seeded splits ---------------------------------------------
    train_rows, test_rows, y_train, y_test = [], [], [], []
    for t, (pos, neg) in enumerate(pools):
        by_class = (neg, pos)  # index = label
        m = len(pos)
        k_train = _allocate((m, m), n_train_list[t], lo=(1, 1), hi=(m - 1, m - 1))
        left = [by_class[c][k_train[c]:] for c in (0, 1)]
        if n_test_list is None:
            k_test = (len(left[0]), len(left[1]))
        else:
            k = n_test_list[t]
            sizes = (len(left[0]), len(left[1]))
            lo = (1, 1) if k >= 2 else (0, 0)
            k_test = _allocate(sizes, k, lo=lo, hi=sizes)
        tr = np.concatenate([by_class[0][: k_train[0]], by_class[1][: k_train[1]]])
        tr_y = np.repeat(np.array([0, 1], dtype=np.int64), k_train)
        te = np.concatenate([left[0][: k_test[0]], left[1][: k_test[1]]])
        te_y = np.repeat(np.array([0, 1], dtype=np.int64), k_test)
        p_tr, p_te = rng.permutation(len(tr)), rng.permutation(len(te))
        train_rows.append(tr[p_tr])
        y_train.append(tr_y[p_tr])
        test_rows.append(te[p_te])
        y_test.append(te_y[p_te])

    # --- features: scale, standardize on training data, optional PCA --------
    all_train = np.concatenate(train_rows)
    mean, std = _standardize_stats(pixels[all_train])
    X_train = [(pixels[rows] - mean) / std for rows in train_rows]
    X_test = [(pixels[rows] - mean) / std for rows in test_rows]
    feature_names = [f"pixel {j // 8},{j % 8}" for j in range(64)]
    components = None
    if n_components is not None:
        n_fit = len(all_train)
        max_components = min(64, n_fit)
        if not 1 <= n_components <= max_components:
            raise ValueError(
                f"n_components must be between 1 and {max_components} (64 pixels, {n_fit} training images), "
                f"got {n_components}."
            )
        Z = np.concatenate(X_train)
        Z = Z - Z.mean(axis=0)
        _, _, vt = np.linalg.svd(Z, full_matrices=False)
        components = vt[: int(n_components)]
        # fix the arbitrary sign of each component: its largest loading is positive
        lead = components[np.arange(len(components)), np.argmax(np.abs(components), axis=1)]
        components = components * np.where(lead < 0, -1.0, 1.0)[:, None]
        X_train = [X @ components.T for X in X_train]
        X_test = [X @ components.T for X in X_test]
        feature_names = [f"PC{j + 1}" for j in range(int(n_components))]

    settings: dict[str, Any] = {
        "source": "digits",
        "n_train": n_train_list,
        "n_test": [len(y) for y in y_test] if n_test_list is None else n_test_list,
        "digits": digit_list,
        "seed": seed,
        "n_components": None if n_components is None else int(n_components),
        "pool_sizes": pool_sizes,
        "feature_mean": mean.tolist(),
        "feature_std": std.tolist(),
        "pca_components": None if components is None else components.tolist(),
        "train_rows": [r.tolist() for r in train_rows],
        "test_rows": [r.tolist() for r in test_rows],
    }
    return TaskSet(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        true_coef=None,
        true_intercept=None,
        bayes_accuracy=None,
        related=np.ones(n_tasks, dtype=bool),
        task_names=task_names,
        feature_names=feature_names,
        settings=settings,
        true_score=None,
    )


# ----------------------------------------------------------------------------------
# CSV files
# ----------------------------------------------------------------------------------


def _read_bytes(file: Any, max_bytes: int) -> tuple[bytes | str, str | None]:
    """The raw content (bytes, or str for a text file-like) and the file's name."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
        if len(data) > max_bytes:
            raise DataFileError(KIND_TOO_LARGE, msg_too_large(len(data), max_bytes))
        return data, None
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        name = os.path.basename(path)
        try:
            size = os.path.getsize(path)
            if size > max_bytes:
                raise DataFileError(KIND_TOO_LARGE, msg_too_large(size, max_bytes))
            with open(path, "rb") as fh:
                return fh.read(max_bytes + 1), name
        except OSError as exc:
            raise DataFileError(KIND_UNREADABLE, msg_unreadable(exc.strerror or str(exc))) from None
    if hasattr(file, "read"):
        name = getattr(file, "name", None)
        name = os.path.basename(name) if isinstance(name, str) else None
        size = getattr(file, "size", None)
        if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size > max_bytes:
            raise DataFileError(KIND_TOO_LARGE, msg_too_large(int(size), max_bytes))
        # Streamlit re-runs the script with the same UploadedFile: read from the start
        try:
            if getattr(file, "seekable", lambda: False)():
                file.seek(0)
        except (OSError, ValueError):
            pass
        try:
            data = file.read(max_bytes + 1)
        except UnicodeDecodeError:
            raise DataFileError(KIND_ENCODING, msg_encoding()) from None
        except (OSError, ValueError) as exc:
            raise DataFileError(KIND_UNREADABLE, msg_unreadable(str(exc))) from None
        if isinstance(data, str):
            n = len(data.encode("utf-8", errors="surrogatepass"))
            if n > max_bytes:
                raise DataFileError(KIND_TOO_LARGE, msg_too_large(n, max_bytes))
            return data, name
        if not isinstance(data, (bytes, bytearray)):
            raise DataFileError(KIND_ARGUMENT, f"file.read() must return bytes or str, got {type(data).__name__}.")
        data = bytes(data)
        if len(data) > max_bytes:
            raise DataFileError(KIND_TOO_LARGE, msg_too_large(len(data), max_bytes))
        return data, name
    raise DataFileError(
        KIND_ARGUMENT, f"file must be a path, bytes or a file-like object, got {type(file).__name__}."
    )


def _decode(raw: bytes | str) -> str:
    """UTF-8 text (a byte-order mark is removed); anything else is rejected."""
    if isinstance(raw, str):
        text = raw[1:] if raw.startswith("\ufeff") else raw
    else:
        try:
            text = raw.decode("utf-8-sig")  # plain UTF-8, with or without a BOM
        except UnicodeDecodeError:
            raise DataFileError(KIND_ENCODING, msg_encoding()) from None
    # NUL characters never occur in CSV text, but fill UTF-16 files and binaries
    if "\x00" in text:
        raise DataFileError(KIND_ENCODING, msg_encoding())
    return text


def _to_float(value: Any) -> float | None:
    """A cell as float (NaN for a missing cell), or None if it is not a number."""
    if not isinstance(value, str):  # already missing (NaN)
        return math.nan
    s = value.strip()
    if s in _NA_TOKENS:
        return math.nan
    try:
        return float(s)  # correctly rounded: CSV values round-trip exactly
    except ValueError:
        return None


def _column_to_float(values: np.ndarray) -> tuple[np.ndarray, str | None]:
    """A column of str/NaN cells as floats, and the first non-numeric cell (or None)."""
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        f = _to_float(v)
        if f is None:
            return out, str(v).strip()
        out[i] = f
    return out, None


def _fmt_number(v: float) -> str:
    if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


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
        accepted; comma separated, first row the header.  Column names and cells
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
        With one plain-text message from the message catalogue of this module for
        every problem with the file; ``error.kind`` names the case.
    """
    # --- arguments (programming errors) -------------------------------------
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
    max_bytes = int(max_bytes)

    # --- read and decode -----------------------------------------------------
    raw, file_name = _read_bytes(file, max_bytes)
    text = _decode(raw)
    if not text.strip():
        raise DataFileError(KIND_EMPTY, msg_empty(header_only=False))

    # --- header and table ------------------------------------------------------
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\r\n"), newline=None)))
    except (csv.Error, StopIteration) as exc:
        raise DataFileError(KIND_PARSE, msg_parse(str(exc))) from None
    header = [h.strip() for h in header]
    seen, dupes = set(), []
    for h in header:
        if h in seen and h not in dupes and h != "":
            dupes.append(h)
        seen.add(h)
    if dupes:
        raise DataFileError(KIND_DUPLICATE_COLUMNS, msg_duplicate_columns(dupes))
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=True,
            header=0,
        )
    except pd.errors.EmptyDataError:
        raise DataFileError(KIND_EMPTY, msg_empty(header_only=False)) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DataFileError(KIND_PARSE, msg_parse(detail)) from None
    if len(df.columns) != len(header):  # cannot happen with the C parser; be safe
        raise DataFileError(KIND_PARSE, msg_parse("the header could not be read."))
    df.columns = header
    if len(df) == 0:
        raise DataFileError(KIND_EMPTY, msg_empty(header_only=True))
    named = [h for h in header if h != ""]

    # --- column roles ------------------------------------------------------------
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

    def cells(col: str) -> np.ndarray:
        return df[col].to_numpy(dtype=object, na_value=np.nan)

    # --- features: numeric? ------------------------------------------------------
    X_all = np.empty((len(df), len(feature_columns)), dtype=np.float64)
    bad_examples: dict[str, str] = {}
    for j, col in enumerate(feature_columns):
        values, bad = _column_to_float(cells(col))
        if bad is not None:
            bad_examples[col] = bad
        else:
            X_all[:, j] = values
    if bad_examples:
        raise DataFileError(KIND_NON_NUMERIC, msg_non_numeric(bad_examples))

    # --- task and label cells -----------------------------------------------------
    task_cells = np.array(
        [v.strip() if isinstance(v, str) else "" for v in cells(task_column)], dtype=object
    )
    label_raw = np.array(
        [v.strip() if isinstance(v, str) else "" for v in cells(label_column)], dtype=object
    )
    label_missing = np.array([v in _NA_TOKENS for v in label_raw], dtype=bool)
    label_num = np.array([_to_float(v) for v in label_raw], dtype=object)
    label_is_numeric = all(v is not None for v in label_num)
    if label_is_numeric:
        label_float = label_num.astype(np.float64)
        label_invalid = ~np.isfinite(label_float)
    else:
        label_float = None
        label_invalid = label_missing

    # --- missing / infinite values ------------------------------------------------
    invalid_by_col: dict[str, np.ndarray] = {
        task_column: task_cells == "",
        label_column: label_invalid,
    }
    for j, col in enumerate(feature_columns):
        invalid_by_col[col] = ~np.isfinite(X_all[:, j])
    invalid_row = np.zeros(len(df), dtype=bool)
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
        if n_dropped == len(df):
            raise DataFileError(KIND_EMPTY, msg_all_rows_dropped(n_dropped))
    keep = np.flatnonzero(~invalid_row)  # 0-based data-row numbers in the file
    X_all = X_all[keep]
    task_cells = task_cells[keep]

    # --- labels: exactly two values -> 0/1 ----------------------------------------
    if label_is_numeric:
        values_f = label_float[keep]
        distinct = np.unique(values_f)
        shown = [_fmt_number(v) for v in distinct]
        if len(distinct) != 2:
            raise DataFileError(KIND_LABEL_NOT_BINARY, msg_label_not_binary(label_column, shown))
        y_all = (values_f == distinct[1]).astype(np.int64)
        label_mapping = {shown[0]: 0, shown[1]: 1}
    else:
        values_s = label_raw[keep]
        distinct_s = sorted(set(values_s.tolist()), key=lambda s: (s.lower(), s))
        if len(distinct_s) != 2:
            raise DataFileError(KIND_LABEL_NOT_BINARY, msg_label_not_binary(label_column, distinct_s))
        y_all = (values_s == distinct_s[1]).astype(np.int64)
        label_mapping = {distinct_s[0]: 0, distinct_s[1]: 1}
    class_text = {v: k for k, v in label_mapping.items()}

    # --- tasks ----------------------------------------------------------------------
    task_names = list(dict.fromkeys(task_cells.tolist()))
    if len(task_names) > MAX_TASKS:
        raise DataFileError(KIND_TOO_MANY_TASKS, msg_too_many_tasks(len(task_names)))
    task_rows = [np.flatnonzero(task_cells == name) for name in task_names]  # positions in keep
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

    # --- stratified, seeded split per task ----------------------------------------
    rng = np.random.default_rng(seed)
    train_pos, test_pos = [], []
    for rows in task_rows:
        by_class = [rows[y_all[rows] == c] for c in (0, 1)]
        sizes = (len(by_class[0]), len(by_class[1]))
        n = len(rows)
        k = min(max(_round_half_up(test_fraction * n), 1), n - 2)
        lo = tuple(1 if (k >= 2 and s >= 2) else 0 for s in sizes)
        k_test = _allocate(sizes, k, lo=lo, hi=(sizes[0] - 1, sizes[1] - 1))
        test_parts, train_parts = [], []
        for c in (0, 1):
            perm = rng.permutation(by_class[c])
            test_parts.append(perm[: k_test[c]])
            train_parts.append(perm[k_test[c]:])
        train_pos.append(np.sort(np.concatenate(train_parts)))
        test_pos.append(np.sort(np.concatenate(test_parts)))

    # --- standardization on the pooled training rows -------------------------------
    fit_rows = np.concatenate(train_pos)
    mean, std = _standardize_stats(X_all[fit_rows])
    overflow = ~(np.isfinite(mean) & np.isfinite(std))
    if overflow.any():
        raise DataFileError(
            KIND_VALUES_TOO_LARGE, msg_values_too_large([feature_columns[j] for j in np.flatnonzero(overflow)])
        )
    with np.errstate(over="ignore", invalid="ignore"):
        Z = (X_all - mean) / std
    if not np.all(np.isfinite(Z)):
        cols = [feature_columns[j] for j in np.flatnonzero(~np.all(np.isfinite(Z), axis=0))]
        raise DataFileError(KIND_VALUES_TOO_LARGE, msg_values_too_large(cols))

    settings: dict[str, Any] = {
        "source": "csv",
        "file_name": file_name,
        "task_column": task_column,
        "label_column": label_column,
        "feature_columns": list(feature_columns),
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
        feature_names=list(feature_columns),
        settings=settings,
        true_score=None,
    )


# ----------------------------------------------------------------------------------
# Example file
# ----------------------------------------------------------------------------------


def example_csv() -> str:
    """The text of a small valid CSV: 3 related tasks x 40 rows, columns task,label,x1,x2,x3.

    Each task's label follows a logistic model whose weights are a shared vector
    plus a small task-specific change, so the tasks are related.  Generated with a
    fixed seed; ``examples/tasks_example.csv`` holds the same text.
    """
    rng = np.random.default_rng(20240601)
    shared = np.array([1.5, -1.0, 0.5])
    lines = ["task,label,x1,x2,x3"]
    for name in ("A", "B", "C"):
        w = shared + 0.5 * rng.standard_normal(3)
        X = np.round(rng.standard_normal((40, 3)), 3)
        p = 1.0 / (1.0 + np.exp(-2.0 * (X @ w)))
        y = (rng.random(40) < p).astype(int)
        y[:2] = (0, 1)  # both classes for sure
        for xi, yi in zip(X, y):
            lines.append(f"{name},{yi}," + ",".join(f"{v:.3f}" for v in xi))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------
# Repeated splits of a loaded task set (learning curves and intervals on real data)
# ----------------------------------------------------------------------------------


def resample_tasks(taskset: TaskSet, n_train: int | Sequence[int], seed: int = 0) -> TaskSet:
    """A new stratified train/test split of every task, with ``n_train`` training rows each.

    Each task's training and test rows are pooled and split again (seeded, at
    least one sample of each class in training, proportional to the class
    sizes), and the features are standardized again on the new training rows
    only. Standardization is affine, so re-standardizing the already
    standardized pool equals standardizing the original values. Use it for
    repeated splits (intervals) and learning curves on real data.

    Parameters
    ----------
    taskset : TaskSet
        Real-data tasks, e.g. from `tasks_from_csv` or `digits_tasks`.
    n_train : int or list of int
        Training rows per task (at least 2; at most the task's rows minus 1).
    seed : int

    Returns
    -------
    TaskSet
    """
    T = taskset.n_tasks
    sizes = _as_count_list(n_train, T, "n_train")
    rng = np.random.default_rng(seed)
    pools = []
    for t in range(T):
        X = np.concatenate([taskset.X_train[t], taskset.X_test[t]])
        y = np.concatenate([taskset.y_train[t], taskset.y_test[t]])
        counts = (int(np.sum(y == 0)), int(np.sum(y == 1)))
        max_train = len(y) - 1
        if not 2 <= sizes[t] <= max_train:
            raise ValueError(
                f'n_train for task "{taskset.task_names[t]}" must be between 2 and {max_train} '
                f"(its {len(y)} rows minus one for testing), got {sizes[t]}."
            )
        if min(counts) < 1:
            raise ValueError(f'Task "{taskset.task_names[t]}" has only one class.')
        k = _allocate(counts, sizes[t], lo=(1, 1), hi=(max(counts[0] - (counts[0] > 1), 1), max(counts[1] - (counts[1] > 1), 1)))
        train_idx, test_idx = [], []
        for c in (0, 1):
            idx = rng.permutation(np.flatnonzero(y == c))
            train_idx.append(idx[: k[c]])
            test_idx.append(idx[k[c]:])
        tr = rng.permutation(np.concatenate(train_idx))
        te = rng.permutation(np.concatenate(test_idx))
        pools.append((X[tr], y[tr], X[te], y[te]))
    mean, std = _standardize_stats(np.concatenate([p[0] for p in pools]))
    settings = dict(taskset.settings)
    settings.update({"n_train": [len(p[1]) for p in pools], "n_test": [len(p[3]) for p in pools], "resample_seed": int(seed)})
    for key in ("train_rows", "test_rows"):
        settings.pop(key, None)
    return TaskSet(
        X_train=[(p[0] - mean) / std for p in pools],
        y_train=[p[1] for p in pools],
        X_test=[(p[2] - mean) / std for p in pools],
        y_test=[p[3] for p in pools],
        related=np.asarray(taskset.related, dtype=bool).copy(),
        task_names=list(taskset.task_names),
        feature_names=list(taskset.feature_names),
        settings=settings,
    )
