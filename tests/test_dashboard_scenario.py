"""The shared scenario: URL and JSON round trips, forgiving parsing, validation, presets' scenarios."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.scenario import (
    MODEL_LABELS,
    N_FEATURES_RANGE,
    N_TASKS_RANGE,
    Scenario,
    fmt_strength,
)

scenarios = st.builds(
    Scenario,
    n_tasks=st.integers(*N_TASKS_RANGE),
    n_features=st.integers(*N_FEATURES_RANGE),
    relatedness=st.floats(0, 1),
    n_train=st.integers(4, 500),
    poor_task_n=st.one_of(st.just(0), st.integers(4, 500)),
    n_unrelated=st.integers(0, 2),
    label_noise=st.floats(0, 0.45),
    seed=st.integers(0, 99_999),
    family=st.sampled_from(["linear", "nonlinear"]),
    model=st.sampled_from(list(MODEL_LABELS)),
    strength=st.one_of(st.none(), st.floats(0, 1000)),
    k=st.just(1),
    n_hidden=st.integers(1, 64),
    learning_rate=st.floats(0.001, 10),
    n_epochs=st.integers(5, 500),
    show_pooled=st.booleans(),
)


def test_default_round_trips():
    s = Scenario()
    assert Scenario.from_query_params(s.to_query_params()) == (s, [])
    assert Scenario.from_json(s.to_json()) == (s, [])


@settings(max_examples=60, deadline=None)
@given(scenarios)
def test_url_and_json_round_trip(s):
    s, _ = s.validated()
    params = s.to_query_params()
    assert all(isinstance(v, str) for v in params.values())
    back, notes = Scenario.from_query_params(params)
    assert back == s and notes == []
    back, notes = Scenario.from_json(s.to_json())
    assert back == s and notes == []


def test_bad_url_values_fall_back_and_are_reported():
    s, notes = Scenario.from_query_params(
        {"tasks": "five", "rel": "nan", "family": "cubic", "model": "svm", "pooled": "maybe", "n": "30", "utm": "x"}
    )
    assert s.n_tasks == Scenario().n_tasks and s.relatedness == Scenario().relatedness
    assert s.family == "linear" and s.model == "mean_regularized" and s.show_pooled is True
    assert s.n_train == 30  # the good value is kept
    assert len(notes) == 5 and all("Ignored" in n for n in notes)


def test_more_unrelated_tasks_than_tasks_is_clamped_with_a_message():
    s, notes = Scenario(n_tasks=3, n_unrelated=7).validated()
    assert s.n_unrelated == 3
    assert any("more unrelated tasks" in n for n in notes)


def test_out_of_range_values_are_clamped():
    s, notes = Scenario(n_tasks=99, n_features=2, relatedness=1.7, label_noise=0.9, n_train=1, k=9, x_feature=5,
                        y_feature=5).validated()
    assert (s.n_tasks, s.relatedness, s.label_noise, s.n_train) == (N_TASKS_RANGE[1], 1.0, 0.45, 4)
    assert s.k == 2 and s.x_feature == 0 and s.y_feature == 1
    assert len(notes) >= 6


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"hello": 1}', b"\xff\xfe\x00"])
def test_bad_json_raises_plain_value_error(text):
    with pytest.raises(ValueError):
        Scenario.from_json(text)


def test_json_with_unknown_and_bad_fields_keeps_the_rest():
    s, notes = Scenario.from_json(json.dumps({"scenario": {"n_tasks": 6, "relatedness": "high", "colour": "red"}}))
    assert s.n_tasks == 6 and s.relatedness == Scenario().relatedness
    assert len(notes) == 2


def test_make_tasks_kwargs_and_poor_task():
    s = Scenario(n_tasks=5, n_train=40, poor_task_n=5)
    assert s.n_train_list == [5, 40, 40, 40, 40]
    assert s.make_tasks_kwargs()["n_train"] == [5, 40, 40, 40, 40]
    assert Scenario(n_train=30).make_tasks_kwargs()["n_train"] == 30


def test_keys_separate_data_from_model_and_view():
    s = Scenario()
    assert s.replace(show_pooled=False, x_feature=0).task_spec() == s.task_spec()
    assert s.replace(model="low_rank").task_spec() == s.task_spec()
    assert s.replace(model="low_rank").mtl_key() != s.mtl_key()
    assert s.replace(seed=3).task_spec() != s.task_spec()


def test_from_engine_kwargs_matches_the_cli():
    kw = dict(n_tasks=4, n_features=2, n_test=1000, n_unrelated=1, label_noise=0.1, class_balance=0.5,
              intercept_spread=0.0, family="linear", n_train=[5, 20, 20, 20], relatedness=0.9, seed=3)
    s = Scenario.from_engine_kwargs(kw, model="lowrank", strength=0.1)
    assert (s.model, s.strength, s.n_train, s.poor_task_n, s.n_unrelated) == ("low_rank", 0.1, 20, 5, 1)
    assert Scenario.from_engine_kwargs({**kw, "n_train": [20]}, model="meanreg", strength="auto").strength is None
    with pytest.raises(ValueError, match="one training size"):
        Scenario.from_engine_kwargs({**kw, "n_train": [5, 10, 20, 30]})
    with pytest.raises(ValueError, match="Unknown MTL model"):
        Scenario.from_engine_kwargs(kw, model="svm")


def test_text_helpers():
    s = Scenario(n_tasks=4, n_features=2)
    assert "relatedness 0.80" in s.summary() and "seed 2" in s.summary()
    assert s.slug() == "T4-d2-rel0.80-n20-noise0.10-seed2-mean_regularized-auto"
    assert fmt_strength(None) == "auto" and fmt_strength(0.3) == "0.3" and fmt_strength(1e-4) == "1e-4"
    assert "cross-validation" in s.model_summary()
    assert math.isclose(Scenario.from_query_params({"rel": "0.65"})[0].relatedness, 0.65)


def test_field_table_covers_every_field_once():
    from dataclasses import fields as dc_fields

    from dashboard.scenario import FIELD_SPECS, URL_NAMES

    names = [f.name for f in dc_fields(Scenario)]
    assert list(FIELD_SPECS) == names  # one row per field, in the dataclass's order
    assert len(set(URL_NAMES.values())) == len(names)
    defaults = Scenario()
    for name, spec in FIELD_SPECS.items():
        assert spec.noun, name
        if spec.kind in ("int", "float", "feature") and name != "poor_task_n":  # 0: the data-poor task is off
            lo, hi = spec.bounds
            assert lo <= getattr(defaults, name) <= hi, name
        # a value at each bound survives validation and the URL round trip unchanged
        if spec.kind in ("int", "float") and name not in ("n_unrelated", "n_clusters", "k", "poor_task_n"):
            for bound in spec.bounds:
                s = Scenario(**{name: type(getattr(defaults, name))(bound)})
                back, notes = Scenario.from_query_params(s.to_query_params())
                assert notes == [] and getattr(back, name) == getattr(s, name), (name, bound, notes)


@pytest.mark.app
def test_sidebar_widgets_take_their_words_from_the_field_table():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from dashboard.scenario import FIELD_SPECS

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60).run()
    by_key = {spec.label: spec for spec in FIELD_SPECS.values() if spec.label}
    widgets = list(at.slider) + list(at.select_slider) + list(at.number_input) + list(at.radio) + list(at.selectbox)
    checked = 0
    for w in widgets:
        key = (w.key or "")
        if key.startswith("w_") and key[2:] in FIELD_SPECS and key != "w_strength":  # its label names λ or α
            spec = FIELD_SPECS[key[2:]]
            assert w.label == spec.label, (key, w.label)
            if spec.help:
                assert w.help == spec.help, key
            checked += 1
    assert checked >= 10 and len(by_key) >= 10


def test_task_groups_are_a_url_field_checked_against_the_related_tasks():
    s = Scenario(n_tasks=9, n_clusters=3)
    back, notes = Scenario.from_query_params(s.to_query_params())
    assert notes == [] and back.n_clusters == 3
    assert s.task_spec().make().task_cluster.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert "within 3 groups" in s.summary()
    fixed, notes = Scenario(n_tasks=6, n_unrelated=2, n_clusters=5).validated()
    assert fixed.n_clusters == 4
    assert notes == ["The number of task groups must be between 1 and the number of related tasks (4); 5 was changed to 4."]
    fixed, notes = Scenario(n_clusters=0).validated()
    assert fixed.n_clusters == 1 and len(notes) == 1
    # every task unrelated: one (empty) group, as the generator accepts
    assert Scenario(n_tasks=3, n_unrelated=3, n_clusters=2).validated()[0].n_clusters == 1


def test_a_caption_says_when_a_model_has_nothing_to_exploit():
    from dashboard.model_info import nothing_to_exploit

    two = Scenario(n_features=2)
    assert "2 features" in nothing_to_exploit("low_rank", two) and "drop" in nothing_to_exploit("joint_feature", two)
    assert nothing_to_exploit("low_rank", two.replace(n_features=10)) == ""
    assert nothing_to_exploit("mean_regularized", two) == ""
