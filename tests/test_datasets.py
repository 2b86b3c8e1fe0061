"""Tests of mtl_core.datasets: digits tasks, CSV and .mat loading, error messages, example file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io
from sklearn.datasets import load_digits

from mtl_core import datasets as ds
from mtl_core.datasets import (
    MAX_FEATURES,
    MAX_TASKS,
    DataFileError,
    digits_tasks,
    example_csv,
    tasks_from_csv,
)
from mtl_core.datasets.scanned_digits import SCANNERS
from mtl_core.taskset import TaskSet

EXAMPLE_FILE = Path(__file__).resolve().parents[1] / "examples" / "tasks_example.csv"


@pytest.fixture(scope="module")
def digits_default() -> TaskSet:
    return digits_tasks()


@pytest.fixture(scope="module")
def raw_digits() -> tuple[np.ndarray, np.ndarray]:
    bunch = load_digits()
    return bunch.data / 16.0, bunch.target


def _all_arrays(ts: TaskSet) -> list[np.ndarray]:
    return [*ts.X_train, *ts.y_train, *ts.X_test, *ts.y_test]


# ----------------------------------------------------------------------------------
# Digits
# ----------------------------------------------------------------------------------


def test_digits_shapes_and_classes(digits_default):
    ts = digits_default
    assert isinstance(ts, TaskSet)
    assert ts.n_tasks == 10 and ts.n_features == 64
    assert ts.task_names == [f"{d} vs rest" for d in range(10)]
    assert ts.feature_names[0] == "pixel 0,0" and ts.feature_names[63] == "pixel 7,7"
    assert ts.n_train == [20] * 10
    pools = ts.settings["pool_sizes"]
    assert ts.n_test == [p - 20 for p in pools]
    assert all(170 <= p <= 184 for p in pools)
    for t in range(10):
        assert ts.X_train[t].shape == (20, 64) and ts.X_test[t].shape == (pools[t] - 20, 64)
        assert ts.y_train[t].dtype == np.int64
        assert set(np.unique(ts.y_train[t])) == {0, 1}
        assert set(np.unique(ts.y_test[t])) == {0, 1}
        # stratified split of an exactly balanced pool
        assert ts.y_train[t].sum() == 10
        assert ts.y_test[t].sum() * 2 == len(ts.y_test[t])
    assert ts.true_coef is None and ts.true_intercept is None
    assert ts.bayes_accuracy is None and ts.true_score is None
    assert ts.related.dtype == bool and ts.related.all()
    assert ts.settings["source"] == "digits"
    assert ts.settings["digits"] == list(range(10)) and ts.settings["seed"] == 0


def test_digits_reproducible_bit_for_bit_and_seed_matters():
    a = digits_tasks(n_train=12, seed=3, n_components=8)
    b = digits_tasks(n_train=12, seed=3, n_components=8)
    for x, y in zip(_all_arrays(a), _all_arrays(b)):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    assert a.settings == b.settings
    c = digits_tasks(n_train=12, seed=4, n_components=8)
    assert a.settings["train_rows"] != c.settings["train_rows"]
    assert not all(np.array_equal(x, y) for x, y in zip(a.X_train, c.X_train))


def test_digits_pools_disjoint_and_labels_correct(digits_default, raw_digits):
    pixels, target = raw_digits
    ts = digits_default
    used = []
    for t, digit in enumerate(ts.settings["digits"]):
        tr = np.array(ts.settings["train_rows"][t])
        te = np.array(ts.settings["test_rows"][t])
        used.extend(tr.tolist() + te.tolist())
        np.testing.assert_array_equal(ts.y_train[t], (target[tr] == digit).astype(int))
        np.testing.assert_array_equal(ts.y_test[t], (target[te] == digit).astype(int))
        # negatives mix several other digits, never the task's own digit
        neg_digits = set(target[np.concatenate([tr, te])][np.concatenate([ts.y_train[t], ts.y_test[t]]) == 0])
        assert digit not in neg_digits and len(neg_digits) >= 5
        # the features are the standardized pixels of exactly these images
        mean = np.array(ts.settings["feature_mean"])
        std = np.array(ts.settings["feature_std"])
        np.testing.assert_allclose(ts.X_train[t] * std + mean, pixels[tr], atol=1e-12)
        np.testing.assert_allclose(ts.X_test[t] * std + mean, pixels[te], atol=1e-12)
    assert len(used) == len(set(used))  # no image in two tasks (or twice in one)


def test_digits_standardized_on_training_data_only(digits_default, raw_digits):
    pixels, _ = raw_digits
    ts = digits_default
    Xtr = np.concatenate(ts.X_train)
    np.testing.assert_allclose(Xtr.mean(axis=0), 0.0, atol=1e-12)
    std = Xtr.std(axis=0)
    rows = np.concatenate([np.array(r) for r in ts.settings["train_rows"]])
    constant = pixels[rows].std(axis=0) == 0
    assert constant.any()  # some border pixels are always blank
    np.testing.assert_allclose(std[~constant], 1.0, rtol=1e-10)
    np.testing.assert_array_equal(np.array(ts.settings["feature_std"])[constant], 1.0)
    np.testing.assert_allclose(ts.settings["feature_mean"], pixels[rows].mean(axis=0), atol=1e-15)
    # the test data did not enter the statistics: its mean is not zero
    assert np.abs(np.concatenate(ts.X_test).mean(axis=0)).max() > 0.05


def test_digits_pca_fitted_on_training_data():
    ts = digits_tasks(n_train=30, digits=(3, 5, 8), n_components=16, seed=1)
    assert ts.n_features == 16 and ts.feature_names == [f"PC{j}" for j in range(1, 17)]
    Xtr = np.concatenate(ts.X_train)
    np.testing.assert_allclose(Xtr.mean(axis=0), 0.0, atol=1e-10)
    var = Xtr.var(axis=0)
    assert np.all(np.diff(var) <= 1e-9)  # PC1 has the largest variance
    comps = np.array(ts.settings["pca_components"])
    np.testing.assert_allclose(comps @ comps.T, np.eye(16), atol=1e-10)
    cov = np.cov(Xtr, rowvar=False)
    np.testing.assert_allclose(cov - np.diag(np.diag(cov)), 0.0, atol=1e-9)  # uncorrelated scores


def test_digits_subset_per_task_sizes_and_n_test():
    ts = digits_tasks(n_train=[10, 30], n_test=[15, 40], digits=(3, 8), seed=2)
    assert ts.task_names == ["3 vs rest", "8 vs rest"]
    assert ts.n_train == [10, 30] and ts.n_test == [15, 40]
    for t in range(2):
        assert set(np.unique(ts.y_test[t])) == {0, 1}
    single = digits_tasks(digits=[7], n_train=50)
    assert single.settings["pool_sizes"][0] == 2 * 179  # all 179 sevens + as many others


def test_digits_tasks_are_related(raw_digits):
    """The tasks are related because they draw on overlapping pixels.

    For each task, |mean pixel value of positives - mean of negatives| measures how
    much each pixel tells "k" from "not k".  If the tasks were unrelated, these 64-pixel
    profiles would be uncorrelated across tasks; instead every pair of tasks is
    positively correlated (the central pen-stroke pixels matter for every digit,
    e.g. the right-hand curve for both 3 and 8).  As a control, shuffling the pixel
    order within each profile removes the correlation.
    """
    pixels, _ = raw_digits
    ts = digits_tasks(n_train=20, seed=5)
    profiles = []
    for t in range(ts.n_tasks):
        rows = np.array(ts.settings["train_rows"][t] + ts.settings["test_rows"][t])
        y = np.concatenate([ts.y_train[t], ts.y_test[t]])
        X = pixels[rows]
        profiles.append(np.abs(X[y == 1].mean(axis=0) - X[y == 0].mean(axis=0)))
    profiles = np.array(profiles)[:, pixels.std(axis=0) > 0]  # drop never-inked pixels
    upper = np.triu_indices(ts.n_tasks, 1)
    corr = np.corrcoef(profiles)[upper]
    assert corr.min() > 0 and corr.mean() > 0.25
    rng = np.random.default_rng(0)
    shuffled = np.corrcoef(np.array([rng.permutation(p) for p in profiles]))[upper]
    assert abs(shuffled.mean()) < 0.1


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(n_train=3), ["at least 4", "0 vs rest"]),
        (dict(n_train=500), ["at most", "pool"]),
        (dict(n_train=[20, 20]), ["one entry per task"]),
        (dict(digits=(3, 3)), ["repeat"]),
        (dict(digits=(10,)), ["0 to 9"]),
        (dict(digits=()), ["at least one digit"]),
        (dict(n_components=65), ["n_components", "64"]),
        (dict(n_test=0), ["n_test", "between 1"]),
    ],
)
def test_digits_bad_arguments(kwargs, words):
    with pytest.raises(ValueError) as err:
        digits_tasks(**kwargs)
    for w in words:
        assert w in str(err.value)


def test_digits_n_train_too_large_gives_the_maximum():
    pools = digits_tasks(digits=(1, 2), seed=0).settings["pool_sizes"]
    with pytest.raises(ValueError, match=f"at most {pools[0] - 2}"):
        digits_tasks(digits=(1, 2), seed=0, n_train=pools[0] - 1)
    ts = digits_tasks(digits=(1, 2), seed=0, n_train=min(pools) - 2)  # the maximum works
    assert ts.n_test == [p - (min(pools) - 2) for p in pools]


# ----------------------------------------------------------------------------------
# CSV: round trip
# ----------------------------------------------------------------------------------


def _known_frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = {"north": 23, "south": 40, "east": 11}
    frames = []
    for name, n in sizes.items():
        y = np.array(["no", "yes"] * (n // 2) + ["yes"] * (n % 2))
        rng.shuffle(y)
        frames.append(
            pd.DataFrame(
                {
                    "x1": rng.standard_normal(n) * 3 + 10,  # full-precision floats
                    "region": name,
                    "x2": rng.exponential(size=n),
                    "outcome": y,
                    "x3": rng.integers(-5, 5, size=n).astype(float),
                }
            )
        )
    # interleave the tasks' rows: order of first appearance must still hold
    df = pd.concat(frames, ignore_index=True)
    return df.iloc[rng.permutation(len(df))].reset_index(drop=True)


def test_csv_round_trip():
    df = _known_frame()
    data = df.to_csv(index=False).encode("utf-8")
    ts = tasks_from_csv(data, task_column="region", label_column="outcome", test_fraction=0.25, seed=7)

    assert ts.task_names == list(dict.fromkeys(df["region"]))
    assert ts.feature_names == ["x1", "x2", "x3"]
    assert ts.settings["label_mapping"] == {"no": 0, "yes": 1}
    assert ts.settings["dropped_rows"] == 0 and ts.settings["source"] == "csv"
    assert ts.true_coef is None and ts.bayes_accuracy is None

    raw = df[["x1", "x2", "x3"]].to_numpy()
    mean = np.array(ts.settings["feature_mean"])
    std = np.array(ts.settings["feature_std"])
    train_all = np.concatenate([np.array(r) for r in ts.settings["train_rows"]])
    # the file's numbers are parsed exactly: the recorded statistics are the exact
    # mean/std of the original training rows (the test rows are not used)
    np.testing.assert_array_equal(mean, raw[train_all].mean(axis=0))
    np.testing.assert_array_equal(std, raw[train_all].std(axis=0))
    np.testing.assert_allclose(np.concatenate(ts.X_train).mean(axis=0), 0.0, atol=1e-12)

    seen = []
    for t, name in enumerate(ts.task_names):
        tr, te = np.array(ts.settings["train_rows"][t]), np.array(ts.settings["test_rows"][t])
        seen.extend(tr.tolist() + te.tolist())
        assert (df.loc[tr, "region"] == name).all() and (df.loc[te, "region"] == name).all()
        assert np.all(np.diff(tr) > 0) and np.all(np.diff(te) > 0)  # file order
        # undoing the standardization gives the original rows back
        np.testing.assert_allclose(ts.X_train[t] * std + mean, raw[tr], rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(ts.X_test[t] * std + mean, raw[te], rtol=1e-13, atol=1e-13)
        np.testing.assert_array_equal(ts.y_train[t], (df.loc[tr, "outcome"] == "yes").to_numpy().astype(int))
        np.testing.assert_array_equal(ts.y_test[t], (df.loc[te, "outcome"] == "yes").to_numpy().astype(int))
        # stratified: each class contributes round(test_fraction * its size), +-1
        n = len(tr) + len(te)
        assert len(te) == round(0.25 * n)
        for c in (0, 1):
            n_c = int((df.loc[np.concatenate([tr, te]), "outcome"] == ["no", "yes"][c]).sum())
            assert abs((ts.y_test[t] == c).sum() - 0.25 * n_c) <= 1
            assert (ts.y_train[t] == c).sum() >= 1 and (ts.y_test[t] == c).sum() >= 1
    assert sorted(seen) == list(range(len(df)))

    # seeded: same seed, same split; another seed, another split
    again = tasks_from_csv(data, "region", "outcome", test_fraction=0.25, seed=7)
    assert again.settings["train_rows"] == ts.settings["train_rows"]
    for x, y in zip(_all_arrays(ts), _all_arrays(again)):
        assert np.array_equal(x, y)
    other = tasks_from_csv(data, "region", "outcome", test_fraction=0.25, seed=8)
    assert other.settings["train_rows"] != ts.settings["train_rows"]


def test_csv_input_kinds_give_the_same_result(tmp_path):
    text = example_csv()
    path = tmp_path / "tasks.csv"
    path.write_text(text, encoding="utf-8")

    class Uploaded(io.BytesIO):  # like Streamlit's UploadedFile
        def __init__(self, data: bytes, name: str):
            super().__init__(data)
            self.name = name
            self.size = len(data)

    upload = Uploaded(text.encode(), "my tasks.csv")
    results = [
        tasks_from_csv(path, "task", "label"),
        tasks_from_csv(text.replace("\n", "\r\n").encode(), "task", "label"),  # Windows line ends
        tasks_from_csv(text.replace("\n", "\r").encode(), "task", "label"),  # old Mac line ends
        tasks_from_csv(str(path), "task", "label"),
        tasks_from_csv(text.encode(), "task", "label"),
        tasks_from_csv(("\ufeff" + text).encode("utf-8"), "task", "label"),  # utf-8-sig
        tasks_from_csv(io.StringIO(text), "task", "label"),
        tasks_from_csv(upload, "task", "label"),
        tasks_from_csv(upload, "task", "label"),  # a rerun reads the same upload again
    ]
    assert results[0].settings["file_name"] == "tasks.csv"
    assert results[-1].settings["file_name"] == "my tasks.csv"
    for ts in results[1:]:
        assert ts.task_names == results[0].task_names
        for x, y in zip(_all_arrays(ts), _all_arrays(results[0])):
            assert np.array_equal(x, y)


def test_csv_labels_mapping_and_explicit_features():
    rows = ["t,y,a,b,c"] + [f"{'P' if i < 6 else 'Q'},{[-1, 1][i % 2]},{i},{i * i},{7}" for i in range(12)]
    ts = tasks_from_csv("\n".join(rows).encode(), "t", "y", feature_columns=["b", "a"], test_fraction=0.5)
    assert ts.settings["label_mapping"] == {"-1": 0, "1": 1}
    assert ts.feature_names == ["b", "a"] and ts.n_features == 2
    assert ts.n_train == [3, 3] and ts.n_test == [3, 3]
    # numeric labels compare as numbers; text labels sort ignoring case
    text = "t,y,a\n" + "\n".join(f"T,{v},{i}" for i, v in enumerate(["1", "0.0", "1.0", "0", "1"]))
    assert tasks_from_csv(text.encode(), "t", "y").settings["label_mapping"] == {"0": 0, "1": 1}
    text = "t,y,a\n" + "\n".join(f"T,{v},{i}" for i, v in enumerate(["Yes", "no", "Yes", "no"]))
    assert tasks_from_csv(text.encode(), "t", "y").settings["label_mapping"] == {"no": 0, "Yes": 1}
    # a constant feature gets std 1 instead of a division by zero
    assert tasks_from_csv("\n".join(rows).encode(), "t", "y").settings["feature_std"][2] == 1.0


# ----------------------------------------------------------------------------------
# CSV: bad files, one test per case
# ----------------------------------------------------------------------------------


def _csv(n_per_task: int = 6, tasks=("A", "B")) -> str:
    lines = ["task,label,x1,x2"]
    for t in tasks:
        for i in range(n_per_task):
            lines.append(f"{t},{i % 2},{i * 0.5},{(i * 7) % 5}")
    return "\n".join(lines) + "\n"


def _error(data, *args, kind: str, **kwargs) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    args = args or ("task", "label")
    with pytest.raises(ValueError) as err:
        tasks_from_csv(data, *args, **kwargs)
    assert isinstance(err.value, DataFileError)
    assert err.value.kind == kind, str(err.value)
    message = str(err.value)
    assert "\n" not in message and "<" not in message  # one plain-text message
    return message


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",  # a PNG image
        _csv().encode("utf-16"),  # UTF-16 with byte-order mark
        _csv().encode("utf-16-le"),  # UTF-16 without byte-order mark: full of NULs
        "task,label,x1\ncaf\u00e9,0,1\n".encode("latin-1"),  # latin-1 is not accepted
        bytes(range(256)) * 4,  # random binary
    ],
)
def test_bad_file_not_utf8_csv(data):
    message = _error(data, kind=ds.KIND_ENCODING)
    assert "could not be read as a UTF-8 CSV" in message
    assert message == ds.msg_encoding()


@pytest.mark.parametrize("data, header_only", [(b"", False), (b"  \n\n", False), (b"task,label,x1\n", True)])
def test_bad_file_empty(data, header_only):
    message = _error(data, kind=ds.KIND_EMPTY)
    assert message == ds.msg_empty(header_only)
    assert ("no data rows" in message) if header_only else ("empty" in message)


def test_bad_file_too_large():
    data = _csv(n_per_task=50)
    message = _error(data, kind=ds.KIND_TOO_LARGE, max_bytes=1_000)
    assert "too large" in message and "0.001 MB" in message
    # an upload is rejected by its declared size, before reading it
    upload = io.BytesIO(b"")
    upload.size = 6_000_000
    with pytest.raises(DataFileError, match="the limit is 5 MB"):
        tasks_from_csv(upload, "task", "label")


def test_bad_file_missing_column():
    message = _error(_csv(), "task", "lable", kind=ds.KIND_MISSING_COLUMN)
    assert '"lable"' in message and 'Did you mean "label"?' in message
    assert 'Available columns: "task", "label", "x1", "x2".' in message
    message = _error(_csv(), "Task", "label", kind=ds.KIND_MISSING_COLUMN)
    assert 'Did you mean "task"?' in message
    message = _error(_csv(), "task", "label", kind=ds.KIND_MISSING_COLUMN, feature_columns=["x1", "x_3"])
    assert '"x_3"' in message


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_spreadsheet_csv_with_decimal_commas_loads_like_the_comma_file(delimiter):
    """What a European spreadsheet saves: semicolons between cells, commas as decimal marks."""
    plain = _csv(n_per_task=8)
    spreadsheet = plain.replace(",", delimiter).replace(".", ",")
    assert "0,5" in spreadsheet  # the file really has decimal commas
    expected = tasks_from_csv(plain.encode(), "task", "label")
    got = tasks_from_csv(spreadsheet.encode(), "task", "label")
    assert got.settings["delimiter"] == delimiter and got.settings["decimal_mark"] == ","
    assert expected.settings["delimiter"] == "," and expected.settings["decimal_mark"] == "."
    assert got.feature_names == ["x1", "x2"] and got.task_names == ["A", "B"]
    for a, b in zip(expected.X_train + expected.X_test, got.X_train + got.X_test):
        np.testing.assert_array_equal(a, b)


def test_semicolon_csv_with_decimal_dots_keeps_the_dots():
    data = "task;label;x1\n" + "\n".join(f"{t};{i % 2};{i}.25" for t in "AB" for i in range(6))
    ts = tasks_from_csv(data.encode(), "task", "label")
    assert ts.settings["decimal_mark"] == "."
    raw = np.concatenate(ts.X_train) * ts.settings["feature_std"][0] + ts.settings["feature_mean"][0]
    assert np.allclose(np.sort(raw) % 1, 0.25)


def test_comma_csv_whose_names_contain_semicolons_stays_comma_separated():
    data = "task,label,x;1,x;2\n" + "\n".join(f"{t},{i % 2},{i},{i * i}" for t in "AB" for i in range(6))
    ts = tasks_from_csv(data.encode(), "task", "label")
    assert ts.feature_names == ["x;1", "x;2"] and ts.settings["delimiter"] == ","


def test_bad_file_label_not_binary():
    data = "task,label,x1\n" + "\n".join(f"A,{v},{i}" for i, v in enumerate(["a", "b", "c", "b"]))
    message = _error(data, kind=ds.KIND_LABEL_NOT_BINARY)
    assert '"label"' in message and 'has 3: "a", "b", "c"' in message
    data = "task,label,x1\n" + "\n".join(f"A,{i},{i}" for i in range(14))
    message = _error(data, kind=ds.KIND_LABEL_NOT_BINARY)
    assert "has 14" in message and '"9", \u2026' in message and '"10"' not in message
    data = "task,label,x1\n" + "\n".join(f"A,1,{i}" for i in range(5))
    assert "only has one" in _error(data, kind=ds.KIND_LABEL_NOT_BINARY)


def test_bad_file_non_numeric_features():
    data = _csv().replace("A,1,0.5,", "A,1,half,")
    message = _error(data, kind=ds.KIND_NON_NUMERIC)
    assert '"x1"' in message and '"half"' in message and '"x2"' not in message


def test_bad_file_nan_inf_values_and_drop_option():
    lines = _csv(n_per_task=8).splitlines()
    lines[2] = "A,1,,3"  # empty cell
    lines[5] = "A,0,inf,1"
    lines[11] = "B,0,1,NaN"
    data = "\n".join(lines) + "\n"
    message = _error(data, kind=ds.KIND_INVALID_VALUES)
    assert "Found 3 missing or infinite values" in message and "in 3 rows" in message
    assert '"x1" (2)' in message and '"x2" (1)' in message
    assert "drop these 3 rows" in message
    assert "drop_invalid_rows" not in message and "=" not in message  # no Python argument names
    ts = tasks_from_csv(data.encode(), "task", "label", drop_invalid_rows=True)
    assert ts.settings["dropped_rows"] == 3
    assert sum(ts.n_train) + sum(ts.n_test) == 16 - 3
    used = sorted(sum(ts.settings["train_rows"], []) + sum(ts.settings["test_rows"], []))
    assert not {1, 4, 10} & set(used)  # the 0-based data rows of the bad lines
    for X in ts.X_train + ts.X_test:
        assert np.all(np.isfinite(X))


def test_bad_file_task_too_small_or_one_class():
    data = _csv() + "C,0,1,1\nC,1,2,2\nC,1,3,3\n"
    message = _error(data, kind=ds.KIND_TASK_TOO_SMALL)
    assert 'Task "C" (3 rows)' in message and "at least 4" in message
    data = _csv() + "C,1,1,1\nC,1,2,2\nC,1,3,3\nC,1,4,4\n"
    message = _error(data, kind=ds.KIND_TASK_ONE_CLASS)
    assert 'Task "C"' in message and 'label "1"' in message and "4 rows" in message


def test_bad_file_too_many_tasks_or_features():
    data = _csv(n_per_task=4, tasks=[f"t{i}" for i in range(MAX_TASKS + 1)])
    message = _error(data, kind=ds.KIND_TOO_MANY_TASKS)
    assert f"{MAX_TASKS + 1}" in message and f"limit is {MAX_TASKS}" in message
    n_feat = MAX_FEATURES + 1
    header = "task,label," + ",".join(f"f{j}" for j in range(n_feat))
    rows = [f"A,{i % 2}," + ",".join("1" for _ in range(n_feat)) for i in range(4)]
    message = _error("\n".join([header, *rows]), kind=ds.KIND_TOO_MANY_FEATURES)
    assert f"{n_feat}" in message and f"limit is {MAX_FEATURES}" in message


def test_bad_file_same_column_roles():
    message = _error(_csv(), "task", "task", kind=ds.KIND_SAME_COLUMN)
    assert 'both are "task"' in message
    message = _error(_csv(), kind=ds.KIND_SAME_COLUMN, feature_columns=["x1", "label"])
    assert '"label" is the label column' in message
    message = _error(_csv(), kind=ds.KIND_SAME_COLUMN, feature_columns=["task", "x1"])
    assert '"task" is the task column' in message


def test_bad_file_other_cases():
    # duplicated header names
    assert '"x1"' in _error("task,label,x1,x1\nA,0,1,2\n", kind=ds.KIND_DUPLICATE_COLUMNS)
    # a saved row index (unnamed first column) would silently become a feature
    data = pd.read_csv(io.StringIO(_csv())).to_csv()  # with index
    assert "Column 1" in _error(data, kind=ds.KIND_UNNAMED_COLUMN)
    # only task and label columns
    _error("task,label\nA,0\nA,1\n", kind=ds.KIND_NO_FEATURES)
    # values so large that their mean overflows
    data = _csv().replace("A,0,0.0,0", "A,0,1e308,0").replace("A,0,1.0,4", "A,0,1e308,4")
    assert '"x1"' in _error(data, kind=ds.KIND_VALUES_TOO_LARGE)
    # a row with too many fields
    assert "could not be read as a CSV table" in _error(_csv() + "A,1,2,3,4,5\n", kind=ds.KIND_PARSE)


def test_bad_arguments_are_value_errors():
    with pytest.raises(ValueError, match="test_fraction"):
        tasks_from_csv(_csv().encode(), "task", "label", test_fraction=1.0)
    with pytest.raises(ValueError, match="could not be opened"):
        tasks_from_csv("/nonexistent/dir/file.csv", "task", "label")


# ----------------------------------------------------------------------------------
# Example file
# ----------------------------------------------------------------------------------


def test_example_csv_loads_and_file_matches():
    text = example_csv()
    assert EXAMPLE_FILE.read_bytes().decode("utf-8") == text
    assert text.splitlines()[0] == "task,label," + ",".join(f"x{j}" for j in range(1, 9))
    ts = tasks_from_csv(EXAMPLE_FILE, "task", "label")
    assert ts.task_names == list("ABCDEF") and ts.n_features == 8
    assert [a + b for a, b in zip(ts.n_train, ts.n_test)] == [24] * 6
    assert "synthetic" in ds.EXAMPLE_CSV_DESCRIPTION
    for t in range(6):
        assert set(np.unique(ts.y_train[t])) == {0, 1} and set(np.unique(ts.y_test[t])) == {0, 1}


# ---------------------------------------------------------------- resample_tasks
def test_resample_tasks_sizes_classes_and_standardization():
    from mtl_core.datasets import resample_tasks

    base = tasks_from_csv(io.BytesIO(example_csv().encode()), "task", "label")
    new = resample_tasks(base, n_train=6, seed=3)
    assert new.n_train == [6] * base.n_tasks
    for t in range(base.n_tasks):
        assert set(np.unique(new.y_train[t])) == {0, 1}
        # every row of the task is used exactly once, in train or test
        assert len(new.y_train[t]) + len(new.y_test[t]) == len(base.y_train[t]) + len(base.y_test[t])
    train = np.concatenate(new.X_train)
    np.testing.assert_allclose(train.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(train.std(0), 1.0, atol=1e-12)
    again = resample_tasks(base, n_train=6, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(new.X_train, again.X_train))
    other = resample_tasks(base, n_train=6, seed=4)
    assert not all(np.array_equal(a, b) for a, b in zip(new.X_train, other.X_train))


def test_resample_tasks_rejects_too_many_training_rows():
    from mtl_core.datasets import resample_tasks

    base = tasks_from_csv(io.BytesIO(example_csv().encode()), "task", "label")
    total = len(base.y_train[0]) + len(base.y_test[0])
    with pytest.raises(ValueError, match=f"between 2 and {total - 1}"):
        resample_tasks(base, n_train=total, seed=0)


# ----------------------------------------------------------------------------------
# MATLAB .mat files: one cell per task
# ----------------------------------------------------------------------------------


def _cells(arrays, shape=None) -> np.ndarray:
    """A MATLAB cell array (1 x T unless ``shape``) holding ``arrays``."""
    out = np.empty(shape or (1, len(arrays)), dtype=object)
    for i, a in enumerate(arrays):
        out.flat[i] = a
    return out


def _mat_tasks(n_tasks=3, n=12, d=4, labels=(-1, 1), seed=0):
    rng = np.random.default_rng(seed)
    Xs = [np.round(rng.standard_normal((n, d)), 3) for _ in range(n_tasks)]
    ys = [np.where(np.arange(n) % 3 == 0, labels[1], labels[0]).reshape(-1, 1).astype(float) for _ in range(n_tasks)]
    return Xs, ys


def _mat_bytes(variables: dict) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, variables)
    return buffer.getvalue()


def _mat_error(data: bytes, kind: str, **kwargs) -> str:
    with pytest.raises(DataFileError) as err:
        ds.tasks_from_mat(data, **kwargs)
    assert err.value.kind == kind, str(err.value)
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_mat_malsar_layout_loads_like_the_same_rows_in_a_csv():
    """MALSAR's X/Y (labels -1/+1): the same split and standardization as the same rows written as a CSV."""
    Xs, ys = _mat_tasks()
    ts = ds.tasks_from_mat(_mat_bytes({"X": _cells(Xs), "Y": _cells(ys)}), seed=3)
    assert ts.n_tasks == 3 and ts.n_features == 4 and ts.task_names == ["task 1", "task 2", "task 3"]
    assert ts.settings["label_mapping"] == {"-1": 0, "1": 1}
    assert (ts.settings["feature_variable"], ts.settings["label_variable"]) == ("X", "Y")
    lines = ["task,Y,x1,x2,x3,x4"]
    for t, (X, y) in enumerate(zip(Xs, ys)):
        lines += [f"task {t + 1},{int(v)}," + ",".join(map(str, row)) for row, v in zip(X, y.ravel())]
    expected = tasks_from_csv("\n".join(lines).encode(), "task", "Y", seed=3)
    for a, b in zip(expected.X_train + expected.X_test + expected.y_train + expected.y_test,
                    ts.X_train + ts.X_test + ts.y_train + ts.y_test):
        np.testing.assert_array_equal(a, b)
    # the rows are the file's: undoing the standardization gives the cells back
    rows = np.concatenate(Xs)
    back = ts.X_train[1] * np.array(ts.settings["feature_std"]) + np.array(ts.settings["feature_mean"])
    np.testing.assert_allclose(back, rows[ts.settings["train_rows"][1]], atol=1e-12)


@pytest.mark.parametrize("shape", [None, (3, 1)])
def test_mat_landmine_layout_loads(shape):
    """The Landmine file's feature/label cells (labels 0/1 as uint8), as a row or a column of cells."""
    Xs, ys = _mat_tasks(labels=(0, 1))
    data = _mat_bytes({"feature": _cells(Xs, shape), "label": _cells([y.astype(np.uint8) for y in ys], shape),
                       "note": np.array([1.0])})
    ts = ds.tasks_from_mat(data)
    assert ts.n_tasks == 3 and ts.settings["label_mapping"] == {"0": 0, "1": 1}
    assert [a + b for a, b in zip(ts.n_train, ts.n_test)] == [12, 12, 12]
    assert all(set(np.unique(y)) == {0, 1} for y in ts.y_train)


def test_mat_other_names_are_read_or_asked_for():
    Xs, ys = _mat_tasks()
    # two cell arrays: the wider cells are the features
    ts = ds.tasks_from_mat(_mat_bytes({"data": _cells(Xs), "target": _cells(ys)}))
    assert (ts.settings["feature_variable"], ts.settings["label_variable"]) == ("data", "target")
    # three cell arrays: the user names them
    data = _mat_bytes({"data": _cells(Xs), "target": _cells(ys), "other": _cells(Xs)})
    message = _mat_error(data, ds.KIND_MAT_VARIABLES)
    assert "Choose the feature variable and the label variable" in message and '"other"' in message
    assert ds.mat_cell_variables(data) == ["data", "target", "other"]
    ts = ds.tasks_from_mat(data, feature_variable="other", label_variable="target")
    assert ts.settings["feature_variable"] == "other"
    message = _mat_error(data, ds.KIND_MAT_VARIABLES, feature_variable="X")
    assert 'no cell array "X"' in message


def test_mat_bad_files_get_one_message_each():
    Xs, ys = _mat_tasks()
    message = _mat_error(_mat_bytes({"X": np.ones((3, 4)), "Y": np.ones((3, 1))}), ds.KIND_MAT_VARIABLES)
    assert "no cell arrays" in message and '"X", "Y"' in message
    message = _mat_error(_mat_bytes({"X": _cells(Xs), "Y": _cells(ys[:2])}), ds.KIND_MAT_CELLS)
    assert '"X" has 3 cells but "Y" has 2' in message
    one_class = [y.copy() for y in ys]
    one_class[1][:] = -1
    message = _mat_error(_mat_bytes({"X": _cells(Xs), "Y": _cells(one_class)}), ds.KIND_TASK_ONE_CLASS)
    assert message == ds.msg_task_one_class({"task 2": ("-1", 12)})
    message = _mat_error(_mat_bytes({"X": _cells([X.T for X in Xs]), "Y": _cells(ys)}), ds.KIND_MAT_SHAPES)
    assert "is 4 x 12" in message and "has 12 labels" in message and "transposed" in message
    wide = list(Xs)
    wide[2] = np.ones((12, 5))
    message = _mat_error(_mat_bytes({"X": _cells(wide), "Y": _cells(ys)}), ds.KIND_MAT_SHAPES)
    assert "Task 3 has 5 feature columns" in message and "task 1 has 4" in message
    message = _mat_error(_csv().encode(), ds.KIND_UNREADABLE)
    assert "could not be read as a MATLAB .mat file" in message


def test_mat_v73_file_is_refused_with_how_to_save_it():
    # a v7.3 file: a 128-byte MATLAB text header, then HDF5 from byte 512
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    data = header.ljust(512, b" ") + b"\x89HDF\r\n\x1a\n" + bytes(64)
    message = _mat_error(data, ds.KIND_MAT_V73)
    assert "v7.3 (HDF5)" in message and "'-v7'" in message


def test_mat_invalid_values_reuse_the_csv_messages():
    Xs, ys = _mat_tasks()
    Xs[0][2, 1] = np.nan
    data = _mat_bytes({"X": _cells(Xs), "Y": _cells(ys)})
    message = _mat_error(data, ds.KIND_INVALID_VALUES)
    assert '"x2" (1)' in message
    ts = ds.tasks_from_mat(data, drop_invalid_rows=True)
    assert ts.settings["dropped_rows"] == 1 and ts.n_train[0] + ts.n_test[0] == 11


# ----------------------------------------------------------------------------------
# Scanned digits: one question, six scanners
# ----------------------------------------------------------------------------------


def test_scanned_digits_tasks_are_the_real_images_through_their_scanner():
    ts = ds.scanned_digits_tasks(n_train=10, seed=5, n_components=None)
    again = ds.scanned_digits_tasks(n_train=10, seed=5, n_components=None)
    for a, b in zip(ts.X_train + ts.X_test, again.X_train + again.X_test):
        np.testing.assert_array_equal(a, b)
    bunch = load_digits()
    pixels, target = bunch.data / 16.0, bunch.target
    rows = [tr + te for tr, te in zip(ts.settings["train_rows"], ts.settings["test_rows"])]
    used = sum(rows, [])
    assert len(used) == len(set(used))  # no image in two tasks
    assert set(target[used]) == {3, 8}
    mean, std = np.array(ts.settings["feature_mean"]), np.array(ts.settings["feature_std"])
    for t, name in enumerate(ts.task_names):
        np.testing.assert_array_equal(ts.y_train[t], target[ts.settings["train_rows"][t]] == 8)
        assert ts.n_train[t] == 10 and ts.y_train[t].sum() == 5
        raw = ts.X_train[t] * std + mean
        original = pixels[ts.settings["train_rows"][t]]
        if name == "as scanned":
            np.testing.assert_allclose(raw, original, atol=1e-12)
        else:  # every other scanner changes the images, but keeps them close to the originals
            assert np.abs(raw - original).max() > 0.2, name
            assert np.corrcoef(raw.ravel(), original.ravel())[0, 1] > 0.5, name
    assert ts.task_names == [s.name for s in SCANNERS]
    with pytest.raises(ValueError, match='n_train for task "as scanned" is 500, but its pool has'):
        ds.scanned_digits_tasks(n_train=500)
    with pytest.raises(ValueError, match='n_train for task "as scanned" must be at least 4'):
        ds.scanned_digits_tasks(n_train=3)
