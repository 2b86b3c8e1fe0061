"""The Real data page: its pure logic (dashboard/real_data.py, figures/real_data.py) and the page through AppTest.

Uploads go through AppTest's ``file_uploader`` accessor
(``at.file_uploader(key="rd_upload").set_value((name, bytes, mime))``); the page copies the
bytes to ``st.session_state["rd_file"]``, so ``at.session_state["rd_file"] = (name, bytes)``
injects a file as well.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import real_data as rd
from dashboard.figures.real_data import accuracy_figure, gap_figure, learning_curve_figure, report_html
from mtl_core import datasets as ds

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/real_data_page.py"
TITLES = ["Accuracy gap vs STL", "Test accuracy per task", "Learning curves"]
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


# ----------------------------------------------------------------------------- unit tests


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
    assert good.ok and good.taskset.n_tasks == 3


def test_grids_fit_the_smallest_task():
    ts = ds.tasks_from_csv(ds.example_csv().encode(), "task", "label")
    assert rd.task_rows(ts) == [40, 40, 40]
    assert rd.csv_grid(ts) == (5, 10, 20, 32)
    assert rd.csv_compare_sizes(ts) == [28, 28, 28]
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
    assert len(result.per_task) == 3 * 3
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


# ----------------------------------------------------------------------------- AppTest


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def assert_charts(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    titles = [s["layout"]["title"]["text"] for s in specs(at)]
    for t in TITLES:
        assert any(t.lower() in f.lower() for f in titles), (t, titles)
    for s in specs(at):
        assert isinstance(s["layout"]["template"], dict)


def test_digits_defaults_show_the_comparison():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert_charts(at)
    notice = next(m.value for m in at.markdown if "What to notice" in m.value)
    assert "Pooling" in notice and "points vs STL" in notice
    gap = specs(at)[0]
    assert gap["data"][0]["name"].startswith("MTL") and len(gap["data"][0]["x"]) == 11  # all tasks + 10 digits
    labels = [b.label for b in at.get("download_button")]
    assert {"Interactive HTML report", "Results (CSV)", "Choices (JSON)"} <= set(labels)


@pytest.fixture(scope="module")
def csv_app():
    """One app on the CSV source, with a changed sidebar scenario that must survive every bad file."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.session_state["w_show_pooled"] = False  # a sidebar change that reuses the cached Compare fits
    at.run()
    scenario = at.session_state["scenario"]
    assert scenario.show_pooled is False
    at.switch_page(PAGE).run()
    at.radio(key="rd_source").set_value("csv").run()
    assert not at.exception
    return at, scenario


def wkey(prefix: str, data: bytes) -> str:
    """The page keys its column widgets by the file's hash (a new file starts from fresh defaults)."""
    return prefix + rd.file_digest(data)[:10]


def upload(at: AppTest, data: bytes, name: str = "data.csv") -> AppTest:
    return at.file_uploader(key="rd_upload").set_value((name, data, "text/csv")).run()


def test_valid_csv_upload_gives_the_comparison(csv_app):
    at, scenario = csv_app
    upload(at, ds.example_csv().encode(), "tasks_example.csv")
    assert_charts(at)
    assert not at.error
    assert at.selectbox(key=wkey("rd_task_", ds.example_csv().encode())).value == "task"
    assert "tasks_example.csv" in specs(at)[0]["layout"]["title"]["subtitle"]["text"]
    assert at.session_state["scenario"] == scenario
    # injecting the bytes through session state works as well, and survives a page switch
    at.switch_page("pages/compare_page.py").run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert at.session_state["rd_file"][0] == "tasks_example.csv"
    assert_charts(at)
    assert at.session_state["scenario"] == scenario


def _many_tasks() -> list[str]:
    rows = ["task,label,x1"]
    for t in range(51):
        rows += [f"t{t},{i % 2},{i}" for i in range(4)]
    return rows


def _many_features() -> list[str]:
    head = "task,label," + ",".join(f"f{j}" for j in range(501))
    rows = [head]
    for t in range(2):
        rows += [f"t{t},{i % 2}," + ",".join("1" for _ in range(501)) for i in range(4)]
    return rows


BAD_FILES = {
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "UTF-8"),
    "utf16": ("task,label,x1\nA,0,1\n".encode("utf-16"), "UTF-8"),
    "empty": (b"", "empty"),
    "header-only": (b"task,label,x1,x2\n", "no data rows"),
    "two-columns": (b"task,label\nA,1\n", "feature"),
    "label-not-binary": (csv_bytes([r.replace(",0,", ",2,", 1) if i == 3 else r for i, r in enumerate(small_csv())]), "two"),
    "non-numeric": (csv_bytes(small_csv(extra="x3", extra_cell=lambda t, i: "abc" if i == 5 else 1)), "abc"),
    "task-too-small": (csv_bytes(small_csv() + ["T9,0,1,1", "T9,1,1,1", "T9,0,2,2"]), "T9"),
    "one-class": (csv_bytes(small_csv() + [f"T9,0,{i},1" for i in range(5)]), "T9"),
    "too-many-tasks": (csv_bytes(_many_tasks()), "51"),
    "too-many-features": (csv_bytes(_many_features()), "501"),
    "too-large": (b"task,label,x1\n" + b"A,0,1\n" * 900_000, "5 MB"),
    "duplicate-columns": (b"task,label,x1,x1\nA,0,1,1\n", "x1"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_shows_one_message_and_keeps_state(csv_app, case):
    at, scenario = csv_app
    data, phrase = BAD_FILES[case]
    upload(at, data, f"{case}.csv")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1, [e.value for e in at.error]
    assert phrase.lower() in unescape(at.error[0].value).lower(), at.error[0].value
    assert not at.get("plotly_chart")
    assert at.session_state["scenario"] == scenario


def test_invalid_values_offer_to_drop_rows(csv_app):
    at, scenario = csv_app
    rows = small_csv(rows=12)
    rows[3] = rows[3].rsplit(",", 1)[0] + ",inf"
    rows[7] = rows[7].rsplit(",", 1)[0] + ","
    upload(at, csv_bytes(rows), "holes.csv")
    assert not at.exception and len(at.error) == 1
    assert "2 rows" in unescape(at.error[0].value) or "2 " in unescape(at.error[0].value)
    box = at.checkbox(key=wkey("rd_drop_", csv_bytes(rows)))
    box.check().run()
    assert_charts(at)
    assert not at.error
    assert any("2 rows with missing or infinite values dropped" in c.value for c in at.caption)
    assert at.session_state["scenario"] == scenario


def test_column_names_are_never_rendered_as_markdown(csv_app):
    at, _ = csv_app
    rows = small_csv(extra=f'"{INJECT}"', extra_cell=lambda t, i: "<i>no</i>" if i == 2 else 1)
    upload(at, csv_bytes(rows), "inject.csv")
    assert not at.exception and len(at.error) == 1
    shown = at.error[0].value
    assert shown == rd.escape_markdown(ds.msg_non_numeric({INJECT: "<i>no</i>"}))
    assert INJECT in unescape(shown) and "<i>no</i>" in unescape(shown)
    assert INJECT not in shown and "<b>" not in shown and "**" not in shown
    # the column is offered as a feature by its literal name
    feats = at.multiselect(key=wkey("rd_features_", csv_bytes(rows)))
    assert INJECT in feats.value
