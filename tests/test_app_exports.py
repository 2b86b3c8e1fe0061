"""Streamlit AppTest: every download produces a valid file, and scenarios load back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from mtl_core.models.registry import MTL_MODELS

from dashboard.scenario import Scenario

pytestmark = pytest.mark.app

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def downloads(monkeypatch):
    """File name -> bytes of every download button the app registers (eager or deferred)."""
    files: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name:
            files[file_name] = path_or_data
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        if file_name:
            files[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)

    def content(prefix: str, suffix: str) -> bytes:
        names = [n for n in files if n.startswith(prefix) and n.endswith(suffix)]
        assert names, (prefix, suffix, list(files))
        data = files[names[-1]]
        data = data() if callable(data) else data
        return data.encode() if isinstance(data, str) else data

    files_content = content
    files_content.files = files
    return files_content


@pytest.mark.parametrize("page,n_figures,table_columns", [
    ("pages/compare_page.py", 6, {"model", "task", "test_accuracy", "gap_vs_stl", "bayes_accuracy"}),
    ("pages/sweep_page.py", 3, {"relatedness", "n_train", "model", "gap_mean", "gap_low", "gap_high"}),
    ("pages/models_page.py", len(MTL_MODELS), None),  # one structure view per MTL model
])
def test_page_downloads_are_valid(downloads, page, n_figures, table_columns):
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page.startswith("pages/compare"):
        at.session_state["compare_tab"] = "Table & export"  # the Compare page's exports have their own tab
        at.run()
    else:
        at.switch_page(page).run()
    assert not at.exception
    name = page.split("/")[1].split("_")[0]
    scenario = at.session_state["scenario"]
    labels = [b.label for b in at.get("download_button")]
    assert "Interactive HTML report" in labels and "Scenario (JSON)" in labels

    html = downloads(f"mtl-{name}-report-{scenario.slug()}", ".html").decode()
    assert html.startswith("<!DOCTYPE html>") and html.count("Plotly.newPlot") == n_figures
    assert "<script src=" not in html  # offline: plotly.js is inlined
    assert scenario.summary() in html

    if table_columns:
        csv = downloads(f"mtl-{name}-results-", ".csv").decode()
        table = pd.read_csv(io.StringIO(csv))
        assert table_columns <= set(table.columns) and len(table) > 0

    text = downloads("mtl-scenario-", ".json").decode()
    assert Scenario.from_json(text) == (scenario, [])
    assert json.loads(text)["scenario"]["relatedness"] == scenario.relatedness


def test_compare_csv_matches_the_table(downloads):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["compare_tab"] = "Table & export"
    at.run()
    table = pd.read_csv(io.StringIO(downloads("mtl-compare-results-", ".csv").decode()))
    shown = at.dataframe[0].value
    assert list(table.columns) == list(shown.columns)
    assert table["test_accuracy"].round(6).tolist() == shown["test_accuracy"].round(6).tolist()


def test_static_image_download(downloads):
    from dashboard.export import find_chromium

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["compare_tab"] = "Table & export"
    at.run()
    if find_chromium() is None:
        assert any("needs a Chromium" in i.value for i in at.info)
        return
    at.selectbox(key="static_chart_compare").set_value("accuracy")
    at.selectbox(key="static_fmt_compare").set_value("svg").run()
    svg = downloads("mtl-compare-accuracy-", ".svg").decode()
    assert svg.lstrip().startswith("<svg") and "Test accuracy per task" in svg


def open_share_box(at: AppTest) -> AppTest:
    """Open the sidebar's "Share & save" box (built only while open), as a click on it does."""
    from dashboard_ui.ui import SHARE_BOX_KEY

    at.session_state[SHARE_BOX_KEY] = True
    return at.run()


def test_share_box_is_built_only_while_open_and_keeps_its_choices():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not any(t.key == "scenario_text" for t in at.text_area)  # closed: nothing built
    open_share_box(at)
    at.radio(key="img_format").set_value("svg")
    at.text_area(key="scenario_text").input("half-typed")
    at.run()
    from dashboard_ui.ui import SHARE_BOX_KEY

    at.session_state[SHARE_BOX_KEY] = False
    at.run()
    assert not at.exception and not any(t.key == "scenario_text" for t in at.text_area)
    at.slider(key="w_relatedness").set_value(0.3).run()  # a few reruns with the box closed
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert config["toImageButtonOptions"]["format"] == "svg"  # the camera format chosen in the box holds
    open_share_box(at)
    assert at.radio(key="img_format").value == "svg"
    assert at.text_area(key="scenario_text").value == "half-typed"


def test_scenario_loads_back_from_pasted_json_and_file():
    target = Scenario(n_tasks=3, relatedness=0.4, seed=11, model="joint_feature", strength=0.03)
    at = open_share_box(AppTest.from_file(APP, default_timeout=60).run())
    at.text_area(key="scenario_text").input(target.to_json())
    at.button(key="load_pasted").click().run()
    assert not at.exception
    assert at.session_state["scenario"] == target
    assert any("Scenario loaded" in s.value for s in at.success)
    # a broken text keeps the scenario and says why
    at.text_area(key="scenario_text").input("{not json")
    at.button(key="load_pasted").click().run()
    assert not at.exception and at.session_state["scenario"] == target
    assert any("Could not load" in e.value for e in at.error)


def test_scenario_loads_back_from_an_uploaded_file():
    target = Scenario(n_tasks=5, n_unrelated=1, relatedness=0.9, seed=21, show_pooled=False)
    at = open_share_box(AppTest.from_file(APP, default_timeout=60).run())
    at.file_uploader(key="scenario_upload").upload("scenario.json", target.to_json().encode(), "application/json").run()
    assert not at.exception
    assert at.session_state["scenario"] == target
    assert at.slider(key="w_n_tasks").value == 5 and at.toggle(key="w_show_pooled").value is False
    bad = open_share_box(AppTest.from_file(APP, default_timeout=60).run())
    bad.file_uploader(key="scenario_upload").upload("notes.json", b"\x89PNG not a scenario", "application/json").run()
    assert not bad.exception and bad.session_state["scenario"] == Scenario()
    assert any("Could not load the file notes.json" in e.value for e in bad.error)
