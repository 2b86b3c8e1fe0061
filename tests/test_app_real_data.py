"""The Real data page through Streamlit's AppTest: digits at defaults, CSV uploads, bad files, hostile column names.

Uploads go through AppTest's ``file_uploader`` accessor
(``at.file_uploader(key="rd_upload").set_value((name, bytes, mime))``); the page copies the
bytes to ``st.session_state["rd_file"]``, so ``at.session_state["rd_file"] = (name, bytes)``
injects a file as well. The page's pure logic is tested in test_real_data.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.io

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import real_data as rd
from mtl_core import datasets as ds
from tests.test_app_exports import downloads  # noqa: F401  (the fixture reading the download buttons' files)
from tests.test_real_data import INJECT, csv_bytes, small_csv, unescape

pytestmark = pytest.mark.app

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/real_data_page.py"
TITLES = ["Accuracy gap vs STL", "Test accuracy per task", "Learning curves"]
MTL = rd.MTL_LABEL


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def assert_charts(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    titles = [s["layout"]["title"]["text"] for s in specs(at)]
    for t in TITLES:
        assert any(t.lower() in f.lower() for f in titles), (t, titles)
    for s in specs(at):
        assert isinstance(s["layout"]["template"], dict)


def test_digits_k_vs_rest_show_the_comparison():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(PAGE).run()
    at.radio(key="rd_source").set_value("digits").run()
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


def test_scanned_digits_open_the_page_sharing_helps_and_the_scenario_sidebar_is_hidden(downloads):  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=120).run()
    scenario = at.session_state["scenario"]
    assert any(b.key and b.key.startswith("preset_") for b in at.button)  # Compare has the presets
    at.switch_page(PAGE).run()
    assert_charts(at)
    assert at.radio(key="rd_source").value == "scanned"
    assert not any(b.key and b.key.startswith("preset_") for b in at.button)  # nothing of the scenario sidebar here
    assert not at.sidebar.slider and any("uses its own data" in c.value for c in at.sidebar.caption)
    notice = next(m.value for m in at.markdown if "What to notice" in m.value)
    assert "MTL **helps**" in notice and "what is real" in " ".join(e.label for e in at.expander)
    gap = specs(at)[0]
    assert gap["data"][0]["name"] == f"{MTL} − STL" and len(gap["data"][0]["x"]) == 7  # all tasks + 6 scanners
    assert gap["data"][0]["x"][0] >= 3.0  # points, over all tasks
    # the metric selector: every chart and the What to notice speak ROC AUC, the CSV export holds every metric
    at.radio(key="rd_metric").set_value("roc_auc").run()
    assert not at.exception
    titles = [sp["layout"]["title"]["text"] for sp in specs(at)]
    assert all("ROC AUC" in t for t in titles), titles
    table = pd.read_csv(io.StringIO(downloads("mtl-real-data-results-", ".csv").decode()))
    overall = table[(table.part == "comparison") & (table.task_name == "(all tasks)")].set_index("model")
    auc_gap = specs(at)[0]["data"][0]["x"][0]
    assert auc_gap == pytest.approx(100 * overall.loc[MTL, "roc_auc_gap_mean"], abs=0.01)
    assert auc_gap != pytest.approx(100 * overall.loc[MTL, "gap_mean"], abs=0.01)  # not the accuracy gap
    per_task = specs(at)[1]["data"][0]["y"]  # STL's AUC per task (%), after the all-tasks bar
    rows = table[(table.part == "comparison") & (table.model == rd.STL_LABEL) & (table.task_name != "(all tasks)")]
    np.testing.assert_allclose(per_task[1:], (100 * rows["mean_roc_auc"]).round(2), atol=0.01)
    for col in ("mean_balanced_accuracy", "balanced_accuracy_gap_low", "mean_roc_auc", "roc_auc_gap_high", "majority_rate"):
        assert col in table.columns
    at.radio(key="rd_metric").set_value("balanced_accuracy").run()
    curve = specs(at)[2]
    assert "balanced accuracy" in curve["layout"]["title"]["text"]
    # back on Compare the scenario and its sidebar are as they were
    at.switch_page("pages/compare_page.py").run()
    assert not at.exception and at.session_state["scenario"] == scenario
    assert any(b.key and b.key.startswith("preset_") for b in at.button)


def _cells(arrays: list[np.ndarray]) -> np.ndarray:
    out = np.empty((1, len(arrays)), dtype=object)
    for i, a in enumerate(arrays):
        out[0, i] = a
    return out


def _mat_file(**variables) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, variables)
    return buffer.getvalue()


def test_mat_upload_gives_the_comparison(csv_app):
    at, scenario = csv_app
    rng = np.random.default_rng(0)
    Xs = [rng.standard_normal((30, 4)) for _ in range(3)]
    ys = [np.where(X[:, 0] + 0.5 * rng.standard_normal(30) > 0, 1.0, -1.0).reshape(-1, 1) for X in Xs]
    data = _mat_file(X=_cells(Xs), Y=_cells(ys))
    upload(at, data, "malsar.mat")
    assert_charts(at)
    assert at.selectbox(key=wkey("rd_fvar_", data)).value == "X"
    subtitle = specs(at)[0]["layout"]["title"]["subtitle"]["text"]
    assert "malsar.mat" in subtitle and "3 tasks" in subtitle
    assert at.session_state["scenario"] == scenario
    # a v7.3 file gets its one message
    upload(at, b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(512, b" ") + b"\x89HDF\r\n\x1a\n" + bytes(32), "new.mat")
    assert not at.exception and len(at.error) == 1 and "v7.3" in unescape(at.error[0].value)
    assert not at.get("plotly_chart")


def test_semicolon_csv_with_decimal_commas_gives_the_comparison(csv_app):
    at, _ = csv_app
    data = ds.example_csv().replace(",", ";").replace(".", ",").encode()
    upload(at, data, "excel.csv")
    assert_charts(at)
    assert at.selectbox(key=wkey("rd_task_", data)).value == "task"
    assert len(at.multiselect(key=wkey("rd_features_", data)).value) == 8
