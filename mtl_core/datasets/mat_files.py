"""Tasks from a MATLAB .mat file holding one cell per task (MALSAR's and the Landmine file's layout).

Multi-task benchmarks are often passed around as .mat files with two cell
arrays of the same length, one cell per task: the features (``n_t x d``) and the
labels (``n_t`` values).  MALSAR names them ``X`` and ``Y`` (labels -1/+1); the
Landmine file of Xue et al. (JMLR 2007) names them ``feature`` and ``label``
(1 x 29 cells, labels 0/1).  :func:`tasks_from_mat` reads such a file with
``scipy.io.loadmat``, gathers the cells into long-form rows and hands them to the
CSV loader's steps (valid rows, binary labels, tasks, stratified split,
standardization: :func:`~mtl_core.datasets.csv_files.tasks_from_rows`), so both
sources split, standardize and report problems the same way.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..taskset import TaskSet
from .csv_files import Columns, check_arguments, label_cells, tasks_from_rows
from .csv_reading import fmt_number, read_bytes
from .limits import DEFAULT_MAX_BYTES, MAX_FEATURES
from .messages import (
    KIND_ARGUMENT,
    KIND_EMPTY,
    KIND_MAT_CELLS,
    KIND_MAT_SHAPES,
    KIND_MAT_V73,
    KIND_MAT_VARIABLES,
    KIND_NON_NUMERIC,
    KIND_NO_FEATURES,
    KIND_TOO_MANY_FEATURES,
    KIND_UNREADABLE,
    DataFileError,
    msg_mat_ambiguous,
    msg_mat_cell_counts,
    msg_mat_feature_width,
    msg_mat_missing_variable,
    msg_mat_no_cells,
    msg_mat_non_numeric,
    msg_mat_rows_mismatch,
    msg_mat_unreadable,
    msg_mat_v73,
    msg_empty,
    msg_no_features,
    msg_too_many_features,
)

__all__ = ["KNOWN_VARIABLE_PAIRS", "mat_cell_variables", "tasks_from_mat"]

#: (features, labels) variable names of the layouts in use, tried in this order when none are named.
KNOWN_VARIABLE_PAIRS = (("X", "Y"), ("feature", "label"), ("x", "y"), ("features", "labels"))
# Every MATLAB v7.3 file is an HDF5 file whose 128-byte text header says so.
_V73_HEADER = b"MATLAB 7.3 MAT-file"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
TASK_COLUMN = "task"


def tasks_from_mat(
    file: Any,
    feature_variable: str | None = None,
    label_variable: str | None = None,
    test_fraction: float = 0.3,
    seed: int | None = 0,
    drop_invalid_rows: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> TaskSet:
    """Tasks from a MATLAB .mat file with one cell per task: a features cell array and a labels cell array.

    Parameters
    ----------
    file : path (str or os.PathLike), bytes, or a binary file-like
        The .mat file (MATLAB v4-v7.2, as ``scipy.io.loadmat`` reads; a v7.3
        (HDF5) file is refused with a message saying how to save it again).
    feature_variable, label_variable : str or None
        The names of the two cell arrays.  Cell ``t`` of the features is task
        ``t``'s ``n_t x d`` matrix (every task has the same ``d`` columns); cell
        ``t`` of the labels its ``n_t`` labels (a row or a column vector) with
        exactly two distinct values over the file (-1/+1, 0/1, 1/2, ...; mapped to
        0/1 in sorted order).  None: the first pair of `KNOWN_VARIABLE_PAIRS`
        present in the file (MALSAR's ``X``/``Y``, Landmine's ``feature``/``label``),
        else, when the file holds exactly two cell arrays, the one with the wider
        cells as features.  Otherwise the names must be given (the message lists
        the file's cell arrays; `mat_cell_variables` lists them too).
    test_fraction, seed, drop_invalid_rows, max_bytes
        As in `tasks_from_csv`: the same stratified, seeded split per task, the
        same handling of NaN/inf values, the same size limit.

    Returns
    -------
    TaskSet
        Tasks "task 1", "task 2", ... in cell order; features "x1" ... "xd",
        standardized with the mean and std of the pooled training rows.
        ``settings`` as in `tasks_from_csv` (``"source": "mat"``, the variable
        names, ``label_mapping``, ``feature_mean``/``feature_std``, the split);
        ``train_rows``/``test_rows`` number the examples in cell order, from 0
        (task 1's rows first).

    Raises
    ------
    DataFileError (a ValueError)
        With one plain-text message for every problem with the file (not a .mat
        file, v7.3, no cell arrays, ambiguous or missing variables, different cell
        counts, rows of features and labels that do not match, a one-class task,
        and every problem `tasks_from_csv` reports); ``error.kind`` names the case.
    """
    for name, value in (("feature_variable", feature_variable), ("label_variable", label_variable)):
        if value is not None and not isinstance(value, str):
            raise DataFileError(KIND_ARGUMENT, f"{name} must be a variable name (text) or None, got {value!r}.")
    _, test_fraction, max_bytes = check_arguments(TASK_COLUMN, "label", None, test_fraction, max_bytes)
    contents, file_name = _load(file, max_bytes)
    cells = _cell_arrays(contents)
    feature_variable, label_variable = _choose_variables(cells, feature_variable, label_variable)
    features, labels = cells[feature_variable], cells[label_variable]
    if len(features) != len(labels):
        raise DataFileError(KIND_MAT_CELLS, msg_mat_cell_counts(feature_variable, len(features), label_variable, len(labels)))
    X_all, label_text, task_cells = _long_form(features, labels, feature_variable, label_variable)
    feature_names = [f"x{j + 1}" for j in range(X_all.shape[1])]
    columns = Columns(task=TASK_COLUMN, label=label_variable, features=feature_names)
    settings: dict[str, Any] = {
        "source": "mat",
        "file_name": file_name,
        "feature_variable": feature_variable,
        "label_variable": label_variable,
        "task_column": TASK_COLUMN,
        "label_column": label_variable,
        "feature_columns": feature_names,
    }
    return tasks_from_rows(X_all, task_cells, label_cells(label_text), columns, test_fraction, seed, drop_invalid_rows,
                           max_bytes, settings)


def mat_cell_variables(file: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """The names of the file's cell arrays (candidates for the features and the labels), in file order."""
    contents, _ = _load(file, max_bytes)
    return list(_cell_arrays(contents, require=False))


# ----------------------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------------------


def _load(file: Any, max_bytes: int) -> tuple[dict[str, Any], str | None]:
    """The file's variables (``scipy.io.loadmat``) and its name; v7.3 and non-.mat files get one message each."""
    import scipy.io  # here: only this source needs it

    raw, file_name = read_bytes(file, max_bytes)
    if isinstance(raw, str):
        raise DataFileError(KIND_UNREADABLE, msg_mat_unreadable())
    if not raw:
        raise DataFileError(KIND_EMPTY, msg_empty(header_only=False))
    if raw.startswith(_V73_HEADER) or raw[512:520] == _HDF5_SIGNATURE or raw.startswith(_HDF5_SIGNATURE):
        raise DataFileError(KIND_MAT_V73, msg_mat_v73())
    try:
        contents = scipy.io.loadmat(io.BytesIO(raw))
    except NotImplementedError:  # scipy's own v7.3 check
        raise DataFileError(KIND_MAT_V73, msg_mat_v73()) from None
    except Exception:  # noqa: BLE001 - scipy raises many types for a file that is not a .mat file
        raise DataFileError(KIND_UNREADABLE, msg_mat_unreadable()) from None
    return contents, file_name


def _cell_arrays(contents: dict[str, Any], require: bool = True) -> dict[str, list[Any]]:
    """The file's cell arrays (loadmat's object arrays) as flat lists of cells, by variable name."""
    cells = {
        name: list(value.ravel(order="F"))
        for name, value in contents.items()
        if not name.startswith("__") and isinstance(value, np.ndarray) and value.dtype == object
    }
    if require and not cells:
        others = [name for name in contents if not name.startswith("__")]
        raise DataFileError(KIND_MAT_VARIABLES, msg_mat_no_cells(others))
    return cells


def _choose_variables(
    cells: dict[str, list[Any]], feature_variable: str | None, label_variable: str | None
) -> tuple[str, str]:
    """The (features, labels) variable names: the given ones, a known layout, or the only two cell arrays."""
    names = list(cells)
    for given in (feature_variable, label_variable):
        if given is not None and given not in cells:
            raise DataFileError(KIND_MAT_VARIABLES, msg_mat_missing_variable(given, names))
    if feature_variable is not None and label_variable is not None:
        if feature_variable == label_variable:
            raise DataFileError(KIND_MAT_VARIABLES, msg_mat_ambiguous(names))
        return feature_variable, label_variable
    for f, y in KNOWN_VARIABLE_PAIRS:
        if f in cells and y in cells and feature_variable in (None, f) and label_variable in (None, y):
            return f, y
    others = [n for n in names if n not in (feature_variable, label_variable)]
    if feature_variable is not None and len(others) == 1:
        return feature_variable, others[0]
    if label_variable is not None and len(others) == 1:
        return others[0], label_variable
    if feature_variable is None and label_variable is None and len(names) == 2:
        # labels are vectors (width 1): the wider cells are the features
        widths = [max((_width(c) for c in cells[n]), default=0) for n in names]
        if min(widths) == 1 and max(widths) > 1:
            wide = int(np.argmax(widths))
            return names[wide], names[1 - wide]
    raise DataFileError(KIND_MAT_VARIABLES, msg_mat_ambiguous(names))


def _width(cell: Any) -> int:
    """Columns of a cell's matrix (1 for a vector or a non-array)."""
    shape = np.shape(cell)
    return int(shape[1]) if len(shape) == 2 else 1


def _numeric(cell: Any) -> np.ndarray | None:
    """A cell's content as a float array, or None if it is not numeric (text, a nested cell, a struct)."""
    if hasattr(cell, "toarray"):  # a sparse matrix
        cell = cell.toarray()
    array = np.asarray(cell)
    if array.dtype.kind not in "biuf":
        return None
    return array.astype(np.float64)


def _long_form(
    features: list[Any], labels: list[Any], feature_variable: str, label_variable: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X_all, label_text, task_cells)``: every task's rows stacked, its labels as text, its name per row."""
    if not features:
        raise DataFileError(KIND_MAT_VARIABLES, msg_mat_no_cells([]))
    blocks, label_parts, task_parts, width = [], [], [], None
    for t, (x_cell, y_cell) in enumerate(zip(features, labels)):
        X, y = _numeric(x_cell), _numeric(y_cell)
        if X is None or X.ndim != 2:
            raise DataFileError(KIND_NON_NUMERIC, msg_mat_non_numeric(feature_variable, t))
        if y is None or y.ndim > 2 or (y.ndim == 2 and min(y.shape) > 1):
            raise DataFileError(KIND_NON_NUMERIC, msg_mat_non_numeric(label_variable, t))
        y = y.ravel()
        if X.shape[0] != len(y):
            raise DataFileError(KIND_MAT_SHAPES, msg_mat_rows_mismatch(feature_variable, label_variable, t, X.shape, len(y)))
        if width is None:
            width = X.shape[1]
            if width == 0:
                raise DataFileError(KIND_NO_FEATURES, msg_no_features())
            if width > MAX_FEATURES:
                raise DataFileError(KIND_TOO_MANY_FEATURES, msg_too_many_features(width))
        elif X.shape[1] != width:
            raise DataFileError(KIND_MAT_SHAPES, msg_mat_feature_width(feature_variable, t, X.shape[1], width))
        blocks.append(X)
        label_parts.append(np.array([fmt_number(v) if np.isfinite(v) else "" for v in y], dtype=object))
        task_parts.append(np.full(len(y), f"task {t + 1}", dtype=object))
    return np.concatenate(blocks), np.concatenate(label_parts), np.concatenate(task_parts)
