"""Real data sources for the engine: handwritten-digit tasks and a user's CSV file.

Both functions return a :class:`~mtl_core.taskset.TaskSet`, like the synthetic
generator, so models and pages never need to know where the tasks came from.

* :func:`digits_tasks` builds related binary tasks ("is it a 3?", "is it an 8?", ...)
  from scikit-learn's bundled handwritten digits (no download).
* :func:`scanned_digits_tasks` asks one question ("8 or 3?") of disjoint digit images
  through six constructed "scanners" (rotated, thick, blurred, noisy): related tasks
  where sharing helps.
* :func:`tasks_from_csv` reads one long-form CSV (a task column, a binary label
  column, numeric feature columns).  Every problem with the file is reported as a
  :class:`DataFileError` (a ``ValueError``) whose text is one plain-text sentence or
  two meant to be shown to the user as is.  All those texts are built by the
  ``msg_*`` functions of the *message catalogue* (:mod:`.messages`), so pages and
  tests can reuse them.
* :func:`tasks_from_mat` reads a MATLAB .mat file with one cell per task (MALSAR's
  ``X``/``Y``, the Landmine data's ``feature``/``label``) through the same steps and
  messages as the CSV loader.
* :func:`example_csv` is the text of a small valid CSV (also shipped as
  ``examples/tasks_example.csv``).
* :func:`resample_tasks` draws a new train/test split of loaded tasks (intervals
  and learning curves on real data).

Real data has no ground truth: ``true_coef``, ``true_intercept``, ``bayes_accuracy``
and ``true_score`` are None.

The package, one module per responsibility (this module only re-exports):

* :mod:`.limits` -- size limits (tasks, features, rows, bytes);
* :mod:`.messages` -- ``DataFileError``, its ``KIND_*`` cases and the ``msg_*`` texts;
* :mod:`.digits` -- the digits tasks;
* :mod:`.scanned_digits` -- the scanned-digits tasks;
* :mod:`.csv_reading` -- file -> text -> table of text cells;
* :mod:`.csv_files` -- table -> tasks (:func:`tasks_from_csv`) and the example file;
* :mod:`.mat_files` -- .mat cells -> tasks (:func:`tasks_from_mat`);
* :mod:`.splits` -- stratified splits and standardization shared by both sources,
  and :func:`resample_tasks`.
"""

from __future__ import annotations

from .csv_files import EXAMPLE_CSV_DESCRIPTION, example_csv, tasks_from_csv
from .digits import digits_tasks
from .mat_files import KNOWN_VARIABLE_PAIRS, mat_cell_variables, tasks_from_mat
from .scanned_digits import SCANNERS, scanned_digits_tasks
from .limits import DEFAULT_MAX_BYTES, MAX_FEATURES, MAX_TASKS, MIN_TASK_ROWS
from .messages import *  # noqa: F403  DataFileError, KIND_* and msg_*: pages and tests use them
from .splits import resample_tasks

# The star-import surface of the module this package replaced; the message
# catalogue's names are importable by name, as before.
__all__ = [
    "DataFileError",
    "EXAMPLE_CSV_DESCRIPTION",
    "KNOWN_VARIABLE_PAIRS",
    "MAX_FEATURES",
    "MAX_TASKS",
    "MIN_TASK_ROWS",
    "SCANNERS",
    "digits_tasks",
    "example_csv",
    "mat_cell_variables",
    "scanned_digits_tasks",
    "tasks_from_csv",
    "tasks_from_mat",
]
