"""The message catalogue: every user-facing text about a data file, and the error that carries it.

A problem with a file is raised as a :class:`DataFileError` (a ``ValueError``)
whose text is one plain-text sentence or two meant to be shown to the user as is,
and whose ``kind`` is one of the ``KIND_*`` constants below.  The texts are built
by the ``msg_*`` functions here, in one place, so the loaders, the pages and the
tests all use the same words.
"""

from __future__ import annotations

import difflib
from typing import Any, Sequence

from .limits import MAX_FEATURES, MAX_TASKS, MIN_TASK_ROWS

_ELLIPSIS = "\u2026"  # ends a list that was cut short


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
# Message catalogue: every user-facing text of the datasets package is built here.
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
KIND_MAT_V73 = "mat_v73"              # a MATLAB v7.3 (HDF5) file, which scipy cannot read
KIND_MAT_VARIABLES = "mat_variables"  # no cell arrays, or which ones hold the features and labels is unclear
KIND_MAT_CELLS = "mat_cells"          # features and labels have different numbers of cells
KIND_MAT_SHAPES = "mat_shapes"        # a task's features and labels do not match, or tasks differ in features


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
        f"(a dot as decimal mark, or a comma in a semicolon-separated file); remove {'that column' if len(cols) == 1 else 'those columns'} "
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
        f"in {'column' if len(per_column) == 1 else 'the columns'} {cols}. Fix the file, or drop "
        f"{'this row' if n_rows == 1 else f'these {n_rows} rows'} and continue without "
        f"{'it' if n_rows == 1 else 'them'}."
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


def msg_mat_unreadable() -> str:
    return (
        "The file could not be read as a MATLAB .mat file. Save the data in MATLAB or GNU Octave with "
        "save('tasks.mat', 'X', 'Y', '-v7') and upload that file."
    )


def msg_mat_v73() -> str:
    return (
        "The file is a MATLAB v7.3 (HDF5) .mat file, which cannot be read here. Open it in MATLAB or GNU Octave "
        "and save it again in the v7 format, e.g. save('tasks.mat', 'X', 'Y', '-v7')."
    )


_MAT_LAYOUT = (
    "one cell per task: a cell array of feature matrices (one row per example) and a cell array of label "
    "vectors, e.g. X and Y as in MALSAR, or feature and label as in the Landmine data"
)


def msg_mat_no_cells(variables: Sequence[str]) -> str:
    found = f"it holds {_qlist(variables)}, none a cell array" if variables else "it holds no variables"
    return f"The file has no cell arrays ({found}). The .mat file needs {_MAT_LAYOUT}."


def msg_mat_ambiguous(cell_variables: Sequence[str]) -> str:
    return (
        f"Which cell arrays hold the features and the labels is not clear: the file has {_qlist(cell_variables)}. "
        "Choose the feature variable and the label variable."
    )


def msg_mat_missing_variable(name: str, cell_variables: Sequence[str]) -> str:
    return (
        f"The file has no cell array {_q(name)}; its cell arrays are {_qlist(cell_variables) or 'none'}."
    )


def msg_mat_cell_counts(feature_variable: str, n_features: int, label_variable: str, n_labels: int) -> str:
    return (
        f"{_q(feature_variable)} has {n_features} {'cell' if n_features == 1 else 'cells'} but {_q(label_variable)} "
        f"has {n_labels}: both need one cell per task."
    )


def msg_mat_non_numeric(variable: str, task: int) -> str:
    return (
        f"Cell {task + 1} of {_q(variable)} is not a numeric matrix: every cell must hold numbers "
        "(features: one row per example; labels: one value per example)."
    )


def msg_mat_rows_mismatch(feature_variable: str, label_variable: str, task: int, shape: tuple[int, int], n_labels: int) -> str:
    text = (
        f"Task {task + 1}: cell {task + 1} of {_q(feature_variable)} is {shape[0]} x {shape[1]} but cell {task + 1} of "
        f"{_q(label_variable)} has {n_labels} labels; the features need one row per label."
    )
    if shape[1] == n_labels:
        text += " The matrix looks transposed (one column per example): transpose it."
    return text


def msg_mat_feature_width(feature_variable: str, task: int, width: int, expected: int) -> str:
    return (
        f"Task {task + 1} has {width} feature {'column' if width == 1 else 'columns'} in {_q(feature_variable)} but "
        f"task 1 has {expected}: every task needs the same features."
    )


# Everything the catalogue defines is exported (and re-exported by the package),
# so a new case needs only its KIND_* constant and its msg_* function above.
__all__ = ["DataFileError", *(name for name in list(globals()) if name.startswith(("KIND_", "msg_")))]
