"""Streamlit AppTest: every page runs at defaults, at every preset, at slider extremes, in presenter mode.

The expected charts are read from the figure JSON each chart sends to the browser.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.presets import PRESETS
from dashboard.scenario import Scenario

pytestmark = pytest.mark.app

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SWEEP = "pages/sweep_page.py"
MODELS = "pages/models_page.py"
COMPARE = "pages/compare_page.py"

COMPARE_TITLES = ["Decision boundaries", "Test accuracy per task", "loss per epoch", "Replay", "similar"]
#: The Compare page's lazy tabs and the charts each one draws (only the open tab's charts are sent).
COMPARE_TABS = {
    "Boundaries & accuracy": ["Decision boundaries", "Test accuracy per task"],
    "Training replay": ["loss per epoch", "Replay"],
    "Task weights": ["similar"],
}
SWEEP_TITLES = ["Test-accuracy gap vs STL", "Learning curves", "Sharing strength"]
MODEL_TITLES = ["mean-regularized", "low-rank", "joint feature", "shared-subspace", "shared-hidden", "clustered"]


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if query:
        at.query_params.update(query)
    return at


def query(at: AppTest) -> dict[str, str]:
    """The app's URL query parameters (one string each)."""
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    return [s["layout"]["title"]["text"] for s in specs(at)]


def assert_ok(at: AppTest, expected_titles: list[str] = ()) -> None:
    assert not at.exception, [e.value for e in at.exception]
    found = titles(at)
    for t in expected_titles:
        assert any(t.lower() in f.lower() for f in found), (t, found)
    for spec in specs(at):
        assert isinstance(spec["layout"]["template"], dict), "figures must carry an explicit template"


def open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state["compare_tab"] = label
    return at.run()


def assert_compare_complete(at: AppTest) -> None:
    """Every tab of the Compare page draws its charts; leaves the first tab open."""
    for label, expected in COMPARE_TABS.items():
        assert_ok(open_tab(at, label), expected)
    open_tab(at, "Boundaries & accuracy")


def test_compare_at_defaults():
    at = new_app().run()
    assert [t.label for t in at.tabs] == list(COMPARE_TABS) + ["Table & export"]
    # lazy tabs: only the open tab's charts are built and sent
    assert_ok(at, COMPARE_TABS["Boundaries & accuracy"])
    assert len(at.get("plotly_chart")) == 2
    assert len(at.get("download_button")) == 0  # the sidebar's "Share & save" box is built only while open
    open_tab(at, "Training replay")
    assert_ok(at, COMPARE_TABS["Training replay"])
    assert len(at.get("plotly_chart")) == 2
    open_tab(at, "Task weights")
    assert_ok(at, ["Task weights", "similar"])
    open_tab(at, "Table & export")
    assert_ok(at)
    assert len(at.get("plotly_chart")) == 0 and len(at.dataframe) == 1
    assert len(at.get("download_button")) >= 4
    open_tab(at, "Boundaries & accuracy")
    assert any("What to notice" in m.value for m in at.markdown)
    assert [m.label for m in at.metric][:3] == ["STL", "MTL (mean-regularized)", "Pooled"]
    assert query(at)["rel"] == "0.8" and query(at)["strength"] == "auto"
    # every chart has a named image download in its own toolbar
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert config["toImageButtonOptions"]["filename"].startswith(f"mtl-compare-boundaries-{Scenario().slug()[:14]}")
    assert config["toImageButtonOptions"]["scale"] >= 2


def test_sweep_and_models_at_defaults():
    at = new_app().run()
    at.switch_page(SWEEP).run()
    assert_ok(at, SWEEP_TITLES)
    heat = specs(at)[0]["data"][0]
    assert heat["zmin"] == -heat["zmax"] and heat["text"]
    assert any("not the pooled model" in c.value for c in at.caption)  # the λ path's right end, said in words
    at.switch_page(MODELS).run()
    assert_ok(at, MODEL_TITLES)
    assert len(at.get("plotly_chart")) == 6
    assert len([e for e in at.get("latex")]) >= 8  # the loss, STL, pooled and every formulation
    at.switch_page(COMPARE).run()
    assert_compare_complete(at)


def test_a_zero_delta_is_grey_without_an_arrow():
    """500 samples per task and a tiny λ: MTL = STL to the tenth of a point, which must not read as a gain."""
    from streamlit.proto.Metric_pb2 import Metric

    at = new_app({"n": "500", "strength": "1e-05"}).run()
    assert_ok(at)
    metrics = {m.label: m for m in at.metric}
    mtl = metrics["MTL (mean-regularized)"]
    assert mtl.delta == "±0.0 points vs STL"
    assert mtl.proto.color == Metric.MetricColor.GRAY and mtl.proto.direction == Metric.MetricDirection.NONE
    pooled = metrics["Pooled"]  # a real difference keeps its colour and arrow
    assert pooled.delta.startswith("-") and pooled.proto.direction == Metric.MetricDirection.DOWN
    assert pooled.proto.color == Metric.MetricColor.RED


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_on_every_page(key):
    at = new_app().run()
    at.button(key=f"preset_{key}").click().run()
    # One banner names the preset and gives its lesson (no second "Preset loaded" message repeating it).
    named = [m.value for m in list(at.success) + list(at.info) if PRESETS[key].label in m.value]
    assert len(named) == 1, named
    assert_compare_complete(at)
    assert at.session_state["scenario"] == PRESETS[key].scenario
    assert any(PRESETS[key].label in i.value for i in at.info), "the preset's lesson is shown"
    assert query(at)["seed"] == str(PRESETS[key].scenario.seed)
    at.session_state["w_sweep_repeats"] = 3  # the quickest sweep: this test checks that the page runs
    for page, expected in ((SWEEP, SWEEP_TITLES[:1]), (MODELS, MODEL_TITLES[:1])):
        at.switch_page(page).run()
        assert_ok(at, expected)
        assert at.session_state["scenario"] == PRESETS[key].scenario.replace(sweep_repeats=3)


EXTREMES = {
    "smallest": {"w_n_tasks": 2, "w_relatedness": 0.0, "w_n_train": 4, "w_label_noise": 0.45},
    "largest-tasks": {"w_n_tasks": 20, "w_relatedness": 1.0, "w_n_train": 4, "w_n_unrelated": 20},
    "many-features": {"w_n_tasks": 3, "w_n_features": 30, "w_n_train": 500, "w_label_noise": 0.0},
    "data-poor": {"w_poor_on": True, "w_poor_task_n": 4, "w_n_train": 500},
    "nonlinear-hidden": {"w_family": "nonlinear", "w_model": "shared_hidden", "w_strength_auto": False,
                         "w_strength": 1e-5, "w_n_hidden": 2, "w_n_epochs": 20},
    "low-rank-auto": {"w_model": "low_rank", "w_strength_auto": True},
    "joint-auto-3d": {"w_model": "joint_feature", "w_strength_auto": True, "w_n_features": 3},
    "subspace": {"w_model": "shared_subspace", "w_strength_auto": False, "w_strength": 100.0, "w_n_features": 3},
    "subspace-auto": {"w_model": "shared_subspace", "w_strength_auto": True},
    "mean-reg-0": {"w_strength_auto": False, "w_strength": 1e-5, "w_show_pooled": False},
    "mean-reg-100": {"w_strength_auto": False, "w_strength": 100.0, "w_learning_rate": 5.0, "w_n_epochs": 300},
    "slow-learning": {"w_learning_rate": 0.01, "w_n_epochs": 20},
    "skewed-classes": {"w_class_balance": 0.05, "w_intercept_spread": 2.0, "w_n_train": 4, "w_n_tasks": 6},
    "big-seed": {"w_seed": 99_999, "w_label_noise": 0.45, "w_relatedness": 0.05},
}


@pytest.mark.parametrize("name", list(EXTREMES))
def test_slider_extremes_do_not_crash(name):
    at = new_app().run()
    for key, value in EXTREMES[name].items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if not at.error:  # an engine ValueError is shown as a message; otherwise the page is complete
        assert_ok(at, COMPARE_TITLES[:2])
    scenario = at.session_state["scenario"]
    assert scenario.n_unrelated <= scenario.n_tasks
    at.switch_page(MODELS).run()
    assert not at.exception, [e.value for e in at.exception]


def test_sweep_extremes_ask_before_long_runs():
    at = new_app().run()
    at.session_state["w_n_tasks"] = 20
    at.session_state["w_n_features"] = 30
    at.switch_page(SWEEP).run()
    assert not at.exception
    assert any("may take about" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 0
    assert at.button(key="run_sweep")


def test_fewer_tasks_than_unrelated_tasks_is_explained_and_keeps_the_rest():
    at = new_app().run()
    at.slider(key="w_n_tasks").set_value(6).run()
    at.slider(key="w_n_unrelated").set_value(5).run()
    at.slider(key="w_relatedness").set_value(0.35).run()
    at.slider(key="w_n_tasks").set_value(3).run()
    assert not at.exception
    assert any("Unrelated tasks reduced from 5 to 3" in w.value for w in at.sidebar.warning)
    s = at.session_state["scenario"]
    assert (s.n_tasks, s.n_unrelated, s.relatedness) == (3, 3, 0.35)


def test_url_round_trip_reproduces_the_scenario():
    s = Scenario(n_tasks=5, relatedness=0.65, n_train=30, poor_task_n=6, model="low_rank", strength=0.01,
                 show_pooled=False, seed=7, label_noise=0.2, n_epochs=50)
    at = new_app(s.to_query_params()).run()
    assert_ok(at, COMPARE_TITLES[:2])
    assert at.session_state["scenario"] == s
    assert query(at) == s.to_query_params()
    first = specs(at)[1]
    at.switch_page(SWEEP).run()
    assert query(at) == s.to_query_params()  # written back after a page switch
    # a new session opened from the link draws the same figures
    again = new_app(s.to_query_params()).run()
    assert specs(again)[1]["data"] == first["data"]


def test_bad_url_values_are_explained():
    at = new_app({"tasks": "many", "rel": "2", "unrelated": "9", "model": "svm"}).run()
    assert not at.exception
    texts = " ".join(w.value for w in at.warning)
    assert "Ignored tasks='many'" in texts and "model" in texts
    assert "Relatedness must be between 0 and 1" in texts
    s = at.session_state["scenario"]
    assert s.relatedness == 1.0 and s.n_unrelated == s.n_tasks


def test_presenter_mode_hides_controls():
    at = new_app({"presenter": "1"}).run()
    assert_compare_complete(at)
    assert [t.label for t in at.tabs] == list(COMPARE_TABS)  # no export tab
    labels = [w.label for w in at.sidebar.slider] + [w.label for w in at.sidebar.number_input]
    assert "Relatedness of the tasks" in labels and "Seed" not in labels and "Number of tasks" not in labels
    assert len(at.get("download_button")) == 0
    at.switch_page(SWEEP).run()
    assert query(at)["presenter"] == "1"
    assert not at.exception


def test_engine_errors_are_shown_as_messages(monkeypatch):
    from dashboard import compute

    def boom(spec):
        raise ValueError("n_tasks must be an integer in [1, 20], got 99")

    monkeypatch.setattr(compute, "make_taskset", boom)
    at = new_app({"seed": "4242"}).run()  # a scenario no other test has cached
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)
    at.switch_page(MODELS).run()
    assert not at.exception and at.error


def test_models_page_reuses_the_compare_fits(monkeypatch):
    """The Models page takes STL's and the selected model's fits from the Compare page's summary."""
    from dashboard import compute
    from mtl_core.models.registry import MTL_MODELS

    calls = []
    real = compute.fit_exact

    def counting(taskset, role, mtl_key):
        calls.append((role, mtl_key))
        return real(taskset, role, mtl_key)

    monkeypatch.setattr(compute, "fit_exact", counting)
    at = new_app({"seed": "31337", "tasks": "3", "features": "2", "n": "12"}).run()  # a scenario no other test uses
    assert not at.exception
    scenario = at.session_state["scenario"]
    on_compare = len(calls)
    assert ("stl", None) in calls and ("mtl", scenario.mtl_key()) in calls
    at.switch_page(MODELS).run()
    assert not at.exception
    later = calls[on_compare:]
    assert ("stl", None) not in later and ("mtl", scenario.mtl_key()) not in later, later
    assert len(later) == len(MTL_MODELS) - 1  # only the other formulations' structure views


def test_presenter_mode_keeps_the_controls_the_banners_name():
    """The negative-transfer banner tells the class to switch the strength to auto: presenter mode keeps it."""
    at = new_app({"presenter": "1"}).run()
    at.button(key="preset_negative_transfer").click().run()
    assert not at.exception
    toggles = {t.key: t for t in at.sidebar.toggle}
    assert "w_strength_auto" in toggles and not toggles["w_strength_auto"].value
    assert any(w.key == "w_strength" for w in at.sidebar.select_slider)
    assert not any(w.key == "w_model" for w in at.sidebar.selectbox)  # the model menu stays hidden
    toggles["w_strength_auto"].set_value(True).run()
    assert not at.exception and at.session_state["scenario"].strength is None


def test_clustered_model_on_compare_sweep_and_models():
    """Tasks in 3 groups with the clustered model: every page answers, the Models page draws the grouping."""
    at = new_app({"model": "clustered", "groups": "3", "tasks": "6", "n": "10"}).run()
    assert_ok(at)
    assert at.session_state["scenario"].n_clusters == 3 and at.session_state["scenario"].model == "clustered"
    at.switch_page(MODELS).run()
    assert_ok(at, ["clustered"])
    at.switch_page(SWEEP).run()
    assert_ok(at, SWEEP_TITLES)


def test_a_scenario_over_the_time_budget_asks_before_fitting():
    """The neural network with auto strength at the sliders' largest sizes would take minutes: the
    Compare and Models pages show the estimate and a Run button instead of computing."""
    from dashboard import budget

    heavy = Scenario(n_tasks=20, n_features=30, n_train=500, model="shared_hidden", strength=None)
    assert budget.compare_seconds(heavy) > budget.FIT_BUDGET_SECONDS
    for page in (None, MODELS):
        at = new_app(heavy.to_query_params()).run()
        if page:
            at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert not at.get("plotly_chart")  # nothing was fitted
        assert any("would take about" in w.value for w in at.warning), [w.value for w in at.warning]
        assert any(b.label == "Run it anyway" for b in at.button)
    # under the budget, the same page draws at once
    light = heavy.replace(n_tasks=4, n_features=2, n_train=20)
    assert budget.compare_seconds(light) <= budget.FIT_BUDGET_SECONDS
    at = new_app(light.to_query_params()).run()
    assert_ok(at, COMPARE_TABS["Boundaries & accuracy"])
    assert not any(b.label == "Run it anyway" for b in at.button)


def test_the_lesson_banner_stays_when_the_class_switches_to_auto():
    """The negative-transfer lesson asks the class to switch the strength to auto: its banner stays."""
    preset = PRESETS["negative_transfer"]
    at = new_app().run()
    at.button(key="preset_negative_transfer").click().run()
    at.toggle(key="w_strength_auto").set_value(True).run()
    assert not at.exception and at.session_state["scenario"].strength is None
    assert any(preset.label in i.value for i in at.info)
    at.slider(key="w_relatedness").set_value(0.5).run()  # another scenario: the lesson is over
    assert not any(preset.label in i.value for i in at.info)
