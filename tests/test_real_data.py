"""The Real data page's pure logic (`dashboard.real_data`, `dashboard.figures.real_data`).

The page itself, through AppTest, is tested in test_app_real_data.py (which shares this file's CSV helpers).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from dashboard import real_data as rd
from dashboard.figures.real_data import accuracy_figure, gap_figure, learning_curve_figure, report_html
from mtl_core import datasets as ds

INJECT = "**bold** <b>x</b> [link](http://x)"


def csv_bytes(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def small_csv(n_tasks: int = 3, rows: int = 12, extra: str = "", extra_cell=None, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    head = "task,label,x1,x2" + (f",{extra}" if extra else "")
    out = [head]
    for t in range(n_tasks):
        for i in range(rows):
            x = rng.standard_normal(2)
            cells = [f"T{t}", str(i % 2), f"{x[0]:.3f}", f"{x[1]:.3f}"]
            if extra:
                cells.append(str(extra_cell(t, i)) if extra_cell else "1.0")
            out.append(",".join(cells))
    return out


def unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


@pytest.mark.parametrize("text", [INJECT, "a_b*c`d`$x$:red[y]#h", "plain words 123", "<script>alert(1)</script>", "x\\y"])
def test_escape_markdown_keeps_the_literal_text(text):
    out = rd.escape_markdown(text)
    assert unescape(out) == text
    # every Markdown/HTML-active character is escaped
    for ch in "*_`[]<>$#:!|~()":
        assert not re.search(r"(?<!\\)" + re.escape(ch), out.replace("\\\\", "")), (ch, out)


def test_plotly_text_escapes_html():
    assert rd.plotly_text("<b>x</b> & <a href='y'>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href=&#x27;y&#x27;&gt;"


def test_read_header_and_guess_columns():
    assert rd.read_header(b"\xef\xbb\xbf task , label,x1\n1,0,2\n") == ["task", "label", "x1"]
    assert rd.guess_columns(["Site", "f1", "f2", "Outcome"]) == ("Site", "Outcome", ["f1", "f2"])
    assert rd.guess_columns(["a", "b", "c"]) == ("a", "c", ["b"])
    assert rd.guess_columns(["id", "", "y"]) == ("id", "y", [])
    with pytest.raises(ds.DataFileError) as e:
        rd.read_header("task,label\n".encode("utf-16"))
    assert e.value.kind == ds.KIND_ENCODING
    with pytest.raises(ds.DataFileError) as e:
        rd.read_header(b"  \n")
    assert e.value.kind == ds.KIND_EMPTY
    with pytest.raises(ds.DataFileError) as e:
        rd.read_header(b"x" * (rd.MAX_BYTES + 1))
    assert e.value.kind == ds.KIND_TOO_LARGE and "5" in str(e.value)


def test_load_csv_returns_errors_as_data():
    bad = rd.load_csv(csv_bytes(["task,label,x1", "A,0,1", "A,1,2"]), "task", "label", ["x1"])
    assert not bad.ok and bad.kind == ds.KIND_TASK_TOO_SMALL and "A" in bad.message
    good = rd.load_csv(ds.example_csv().encode(), "task", "label", ["x1", "x2", "x3"])
    assert good.ok and good.taskset.n_tasks == 6


def test_grids_fit_the_smallest_task():
    ts = ds.tasks_from_csv(ds.example_csv().encode(), "task", "label")
    assert rd.task_rows(ts) == [24] * 6
    assert rd.csv_grid(ts) == (5, 10, 19)  # 80% of 24 rows: 19
    assert rd.csv_compare_sizes(ts) == [17] * 6  # 70% of 24 rows
    tiny = ds.tasks_from_csv(csv_bytes(small_csv(2, 4)), "task", "label")
    assert rd.csv_grid(tiny) == (3,)
    spec = rd.digits_spec([3, 8], 120, 3)
    assert spec.grid == (5, 10, 20, 40, 80, 120) and spec.n_components == 10  # PCA needs 2 x 5 training images
    assert rd.digits_spec(range(10), 10).n_components == rd.N_COMPONENTS
    with pytest.raises(ValueError):
        rd.digits_spec([3], 10)
    choices = json.loads(spec.to_json())
    assert choices["digits"] == [3, 8] and "digest" not in choices


@pytest.fixture(scope="module")
def csv_result():
    data = ds.example_csv().encode()
    ts = rd.load_csv(data, "task", "label", ["x1", "x2", "x3"]).taskset
    spec = rd.csv_spec(ts, rd.file_digest(data), "tasks_example.csv", "task", "label", ["x1", "x2", "x3"], False, repeats=3)
    calls = []
    result = rd.run_experiment(spec, ts, progress=lambda d, t: calls.append((d, t)))
    return spec, result, calls


def test_run_experiment_on_a_csv(csv_result):
    spec, result, calls = csv_result
    assert calls and calls[-1][0] == calls[-1][1] == 3 * 3 * (1 + len(spec.grid))
    assert set(result.overall["model"]) == {rd.STL_LABEL, rd.MTL_LABEL, rd.POOLED_LABEL}
    assert len(result.per_task) == 3 * 6
    stl = result.overall.set_index("model").loc[rd.STL_LABEL]
    assert stl.gap_mean == 0 and 0.5 < stl.mean_accuracy <= 1
    assert sorted(result.curve["n_train"].unique()) == list(spec.grid)
    table = rd.results_table(result)
    assert set(table["part"]) == {"comparison", "learning curve"}
    notes = rd.notice(result, spec)
    assert notes[0].startswith("With 70% of each task's rows") and "points vs STL" in notes[0]
    for build in (accuracy_figure, gap_figure, learning_curve_figure):
        fig = build(result, spec)
        fig.validated()  # plotly accepts every property
        assert isinstance(fig.spec["layout"]["template"], dict) and fig.spec["layout"]["title"]["subtitle"]["text"]
        for metric, word in (("roc_auc", "ROC AUC"), ("balanced_accuracy", "balanced accuracy")):
            assert word.lower() in build(result, spec, metric).spec["layout"]["title"]["text"].lower()
    html = report_html("Real data", spec.to_json(), [("Gap", gap_figure(result, spec), "")], table, notes)
    assert html.count("Plotly.newPlot") == 1 and "What to notice" in html and "tasks_example.csv" in html


def test_notice_explains_conflicting_digit_tasks():
    """Synthetic numbers shaped like the digits' measured ones: MTL ≈ STL, pooling collapses."""
    spec = rd.digits_spec([3, 8], 10, 5)
    overall = pd.DataFrame([
        dict(model=rd.STL_LABEL, mean_accuracy=0.84, accuracy_low=0.83, accuracy_high=0.85, gap_mean=0, gap_low=0, gap_high=0,
             median_strength=0.01),
        dict(model=rd.MTL_LABEL, mean_accuracy=0.837, accuracy_low=0.82, accuracy_high=0.85, gap_mean=-0.003, gap_low=-0.011,
             gap_high=0.005, median_strength=1e-4),
        dict(model=rd.POOLED_LABEL, mean_accuracy=0.5, accuracy_low=0.48, accuracy_high=0.52, gap_mean=-0.34, gap_low=-0.36,
             gap_high=-0.32, median_strength=0.01),
    ])
    curve = pd.DataFrame([dict(model=rd.MTL_LABEL, n_train=n, gap_mean=g, gap_low=g - 0.01, gap_high=g + 0.01)
                          for n, g in ((5, 0.0), (80, 0.001))])
    result = rd.RealResult(pd.DataFrame(), overall, curve, ["3 vs rest", "8 vs rest"], 10, "10 training images per task")
    text = " ".join(rd.notice(result, spec))
    assert "no better and no worse than STL" in text and "−0.3 points" in text
    assert "costs 34 points" in text and "positive" in text and "negative" in text
    assert "STL end" in text and "does **not** appear" in text


def test_notice_says_accuracy_is_uninformative_on_imbalanced_tasks():
    """Three tasks with 5 positives in 100 rows and constant features: every model answers the majority class."""
    rows = ["task,label,x1,x2"]
    for t in "ABC":
        y = np.zeros(100, dtype=int)
        y[:5] = 1
        rows += [f"{t},{v},1,2" for v in y]
    ts = ds.tasks_from_csv(csv_bytes(rows), "task", "label")
    spec = rd.csv_spec(ts, "digest", "rare.csv", "task", "label", ["x1", "x2"], False, repeats=2)
    result = rd.run_experiment(spec, ts)
    assert result.majority_rate == pytest.approx([29 / 30] * 3)  # 30 test rows (30%), one of them positive
    assert rd.uninformative_tasks(result) == ["A", "B", "C"]
    text = " ".join(rd.notice(result, spec, "roc_auc"))
    assert "**Accuracy is uninformative** on every task" in text and "ROC AUC" in text
    # balanced tasks where the models are right: nothing to say
    assert rd.uninformative_tasks(rd.RealResult(result.per_task.assign(majority_rate=0.5), result.overall, result.curve,
                                                 result.task_names, 2, "")) == []


def test_mat_uploads_are_recognised_and_their_variables_guessed():
    assert rd.is_mat_file("Landmine.MAT", b"") and rd.is_mat_file("upload", b"MATLAB 5.0 MAT-file")
    assert not rd.is_mat_file("tasks.csv", b"task,label,x1\n")
    assert rd.guess_mat_variables(["note", "label", "feature"]) == ("feature", "label")
    assert rd.guess_mat_variables(["Y", "X"]) == ("X", "Y")
    assert rd.guess_mat_variables(["a", "b", "c"]) == ("a", "b")  # no known layout: the page asks, starting from these
    names, kind, message = rd.mat_variables(b"not a mat file")
    assert names is None and kind == ds.KIND_UNREADABLE and "MATLAB" in message


def test_strengths_can_be_chosen_by_the_metric_shown(csv_result):
    """`RealSpec.scoring` reaches every model's cross-validation, keys the cache, and the page's texts say it."""
    import dataclasses

    spec, _, _ = csv_result
    assert {m.scoring for m in rd.models()} == {"accuracy"}
    assert {m.scoring for m in rd.models("balanced_accuracy")} == {"balanced_accuracy"}
    by_auc = dataclasses.replace(spec, scoring="roc_auc")
    assert by_auc.key() != spec.key()
    data = ds.example_csv().encode()
    ts = rd.load_csv(data, "task", "label", ["x1", "x2", "x3"]).taskset
    result = rd.run_experiment(by_auc, ts)
    assert any("cross-validated ROC AUC" in n for n in rd.notice(result, by_auc))
    assert "by cross-validated ROC AUC" in json.dumps(accuracy_figure(result, by_auc).spec["layout"]["title"])
