"""Widget fuzzing: hypothesis drives the app (Streamlit AppTest) over random combinations of its controls.

Every example starts a fresh AppTest, sets a random value on every sidebar
control and on the page's own controls, runs the page, and checks that nothing
raised (``at.exception`` is empty) and that every number shown is finite
(metrics, and every number in every plotly figure's JSON).  A second group sends
what a crafted client could: URL query parameters and session_state values that
are out of range or not numbers at all; the app's own validation must clamp or
reject them with a message.

Kept quick (a few dozen examples, about a minute on 2 cores): the slowest
combinations (the neural network with cross-validation, 20 tasks x 30 features
x 500 samples with a cross-validated trace norm) are left to test_app_pages.py's
extremes; here the neural network uses a fixed strength and the sizes are
drawn so that one run stays around a second.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard.scenario import (
    EPOCHS_OPTIONS,
    LR_OPTIONS,
    MODEL_LABELS,
    N_TRAIN_OPTIONS,
    STRENGTH_OPTIONS,
    Scenario,
)

pytestmark = pytest.mark.app

APP = str(Path(__file__).resolve().parents[1] / "app.py")
MODELS = "pages/models_page.py"
FUZZ = settings(max_examples=14, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False)


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    return at


#: Start the random-control sessions from 2 features, where the plane's feature selectboxes do not exist
#: yet: AppTest serializes a session_state value through an existing selectbox before the run, and a
#: feature outside its options (a value the app itself clamps) would fail inside AppTest, not the app.
PLANE_FREE = {"features": "2"}


def _numbers(obj, path: str = ""):
    """Every number in a JSON value, with where it is."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _numbers(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _numbers(v, f"{path}[{i}]")


def _json_finite(text: str) -> list[str]:
    """Paths of non-finite numbers in a JSON text (NaN/Infinity literals included: json.loads accepts them)."""
    bad = [p for p, x in _numbers(json.loads(text)) if not math.isfinite(x)]
    return bad


def assert_shown_is_sane(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    for m in at.metric:
        value = str(m.value)
        assert "nan" not in value.lower() and "inf" not in value.lower(), (m.label, value)
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        # plotly.js reads null as a gap, which is a legitimate way to break a line
        bad = [p for p, x in _numbers(spec) if not math.isfinite(x)]
        assert not bad, (spec["layout"].get("title", {}).get("text"), bad[:5])


# ----------------------------------------------------------------------------- random controls

sidebar_values = st.fixed_dictionaries(
    {
        "w_n_tasks": st.integers(2, 12),
        "w_n_unrelated": st.integers(0, 12),  # may exceed the tasks: the app must clamp it
        "w_relatedness": st.sampled_from([round(0.05 * i, 2) for i in range(21)]),
        "w_n_train": st.sampled_from([n for n in N_TRAIN_OPTIONS if n <= 150]),
        "w_poor_on": st.booleans(),
        "w_poor_task_n": st.sampled_from([4, 5, 6, 8, 10, 12, 15, 20]),
        "w_n_features": st.integers(2, 12),
        "w_label_noise": st.sampled_from([round(0.05 * i, 2) for i in range(10)]),
        "w_family": st.sampled_from(["linear", "nonlinear"]),
        "w_seed": st.integers(0, 99_999),
        "w_class_balance": st.sampled_from([round(0.05 * i, 2) for i in range(1, 20)]),
        "w_intercept_spread": st.sampled_from([round(0.1 * i, 1) for i in range(21)]),
        "w_model": st.sampled_from(list(MODEL_LABELS)),
        "w_strength_auto": st.booleans(),
        "w_strength": st.sampled_from(list(STRENGTH_OPTIONS)),
        "w_k": st.integers(1, 12),  # may exceed min(tasks, features): clamped
        "w_n_hidden": st.integers(1, 16),
        "w_show_pooled": st.booleans(),
        "w_learning_rate": st.sampled_from(list(LR_OPTIONS)),
        "w_n_epochs": st.sampled_from([e for e in EPOCHS_OPTIONS if e <= 100]),
        "w_x_feature": st.integers(0, 11),  # may be outside the features: clamped
        "w_y_feature": st.integers(0, 11),
        "img_format": st.sampled_from(["png", "svg"]),
    }
)


def _apply(at: AppTest, values: dict) -> None:
    values = dict(values)
    if values["w_model"] == "shared_hidden":
        values["w_strength_auto"] = False  # cross-validating the network takes ~30 s (the app warns about it too)
    for key, value in values.items():
        at.session_state[key] = value


# "Table & export" does not exist in presenter mode, and a crafted client may name any tab.
COMPARE_TABS = ["Boundaries & accuracy", "Training replay", "Task weights", "Table & export", "No such tab"]


@pytest.mark.slow  # 14 examples: about 10 s
@FUZZ
@given(values=sidebar_values, tab=st.sampled_from(COMPARE_TABS), presenter=st.booleans(), n_shown=st.integers(0, 6))
def test_random_controls_compare_page(values, tab, presenter, n_shown):
    at = new_app(dict(PLANE_FREE, presenter="1") if presenter else PLANE_FREE).run()
    assert not at.exception
    _apply(at, values)
    at.session_state["compare_tab"] = tab
    at.run()
    assert_shown_is_sane(at)
    # the page's own controls: the tasks to draw (more than 6 tasks) and the open tab
    if any(m.key == "compare_tasks" for m in at.multiselect):
        at.multiselect(key="compare_tasks").set_value(list(range(min(n_shown, values["w_n_tasks"])))).run()
        assert_shown_is_sane(at)
    s = at.session_state["scenario"]
    assert s.validated()[0] == s, "the scenario in use is always a valid one"
    assert 0 <= s.n_unrelated <= s.n_tasks and 1 <= s.k <= min(s.n_tasks, s.n_features)
    assert s.x_feature != s.y_feature and max(s.x_feature, s.y_feature) < s.n_features


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=sidebar_values)
def test_random_controls_models_page(values):
    values = dict(values, w_n_tasks=min(values["w_n_tasks"], 6), w_n_features=min(values["w_n_features"], 5))
    at = new_app(PLANE_FREE).run()
    _apply(at, values)
    at.switch_page(MODELS).run()
    assert_shown_is_sane(at)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    preset=st.sampled_from(["preset_" + k for k in __import__("dashboard.presets", fromlist=["PRESETS"]).PRESETS]),
    rel=st.sampled_from([0.0, 0.35, 1.0]),
)
def test_preset_then_slider(preset, rel):
    at = new_app().run()
    at.button(key=preset).click().run()
    at.slider(key="w_relatedness").set_value(rel).run()
    assert_shown_is_sane(at)
    assert at.session_state["scenario"].relatedness == rel


# ----------------------------------------------------------------------------- crafted clients

garbage_text = st.one_of(
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e999", "-1", "0", "99999999", "", " ", "x", "1.5", "--3", "0x10",
                     "auto", "true", "[1]", "<script>", "linear", "low-rank", "１２"]),
    st.text(max_size=12),
)
URL_KEYS = list(Scenario().to_query_params())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.dictionaries(st.sampled_from(URL_KEYS + ["presenter", "unknown"]), garbage_text, min_size=1, max_size=6))
def test_garbage_url_params_are_validated(params):
    at = new_app(params).run()
    assert not at.exception, [e.value for e in at.exception]
    s = at.session_state["scenario"]
    assert s.validated() == (s, []), "the scenario from any link is already within every bound"
    assert_shown_is_sane(at)


OUT_OF_RANGE = {
    "w_n_tasks": [0, 1, 21, 10**9, -5],
    "w_relatedness": [-0.5, 1.5, 1e300],
    "w_n_train": [0, 1, 3, 501, 10**6],
    "w_n_features": [0, 1, 31, 1000],
    "w_label_noise": [-1.0, 0.5, 0.99],
    "w_seed": [-1, 100_000, 2**63],
    "w_class_balance": [0.0, 1.0, -3.0],
    "w_intercept_spread": [-0.1, 2.5],
    "w_n_epochs": [0, 4, 501, 10**7],
    "w_learning_rate": [0.0, -1.0, 11.0],
    "w_n_unrelated": [-1, 25],
    "w_k": [0, 40],
    "w_x_feature": [-1, 40],
}
GARBAGE = ["7", None, float("nan"), float("inf"), [3], True, "svm"]


def run_with_state(key: str, value) -> AppTest:
    """A session whose state holds ``value`` under ``key`` when a run starts (what a crafted client or stale
    state can deliver; AppTest itself would pass a value set on an existing widget through the widget first)."""
    at = new_app()
    at.session_state["scenario"] = Scenario()
    at.session_state[key] = value
    return at.run()


@pytest.mark.parametrize("key", list(OUT_OF_RANGE))
def test_out_of_range_session_state_is_clamped_with_a_message(key):
    from dashboard_ui.ui import NUMERIC_WIDGETS

    _, lo, hi, _ = NUMERIC_WIDGETS[key]
    for value in OUT_OF_RANGE[key]:
        at = run_with_state(key, value)
        assert not at.exception, (key, value, [e.value for e in at.exception])
        shown = at.session_state[key]
        assert lo <= shown <= hi, (key, value, shown)
        assert any("must be between" in w.value for w in at.warning), (key, value)
        s = at.session_state["scenario"]
        assert s.validated() == (s, [])
        # the same value on a widget that already exists (AppTest passes it through the widget)
        at2 = new_app(PLANE_FREE if key in ("w_x_feature", "w_y_feature") else None).run()
        at2.session_state[key] = value
        at2.run()
        assert not at2.exception, (key, value, [e.value for e in at2.exception])
        assert at2.session_state["scenario"].validated()[1] == []


@pytest.mark.parametrize("key", ["w_relatedness", "w_n_tasks", "w_model", "w_family", "w_strength", "img_format"])
def test_garbage_session_state_is_rejected_with_a_message(key):
    for value in GARBAGE:
        at = run_with_state(key, value)
        assert not at.exception, (key, value, [e.value for e in at.exception])
        assert at.session_state["scenario"] == Scenario(), (key, value)
        assert any("Ignored" in w.value for w in at.warning), (key, value)
