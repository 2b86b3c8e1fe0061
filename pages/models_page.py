"""Models: each formulation's objective, a plain explanation, and what it shares on the current scenario."""

import streamlit as st

from dashboard import budget
from dashboard_ui import st_cache, ui
from dashboard.compute import chosen_strength
from dashboard.figures.models import structure_figure
from dashboard.model_info import LOSS_LATEX, mtl_objective, nothing_to_exploit, shown_strength
from dashboard.scenario import STRENGTH_SYMBOL, fmt_strength
from mtl_core.models.registry import BASELINES, MTL_MODELS

PAGE = "models"
scenario = ui.current_scenario()

st.header("Models: what does each formulation share?")
st.caption(scenario.summary())
ui.show_messages()
st.markdown(
    "Every model minimizes the tasks' average logistic loss plus a penalty that decides what the tasks share. "
    "Task *t* has its own data and loss"
)
st.latex(LOSS_LATEX)

c1, c2 = st.columns(2)
for col, (key, spec) in zip((c1, c2), BASELINES.items()):
    with col:
        st.markdown(f"#### {spec.label}")
        st.latex(mtl_objective(key))
        st.markdown(spec.explanation)

# STL's fit comes with the Compare page's fits (the sidebar's MTL model included): the same budget.
if not ui.compare_fits_within_budget(scenario):
    st.stop()

try:
    ts = st_cache.taskset(scenario.task_spec())
    stl = st_cache.stl_fit(scenario).model
except (ValueError, RuntimeError) as exc:
    st.error(f"These settings cannot be used: {exc}")
    st.stop()

sections = []
for key, info in MTL_MODELS.items():
    selected = key == scenario.model
    st.divider()
    st.markdown(f"### {info.label}" + ("  ·  *selected in the sidebar*" if selected else ""))
    st.latex(mtl_objective(key))
    st.markdown(info.explanation)
    strength = shown_strength(key, scenario)
    sym = STRENGTH_SYMBOL[info.strength]
    cost = budget.scenario_fit_seconds(scenario, key, strength)
    if not ui.within_budget(cost, scenario, f"models_{key}", f"Fitting {info.label}"):
        continue
    with st.spinner(f"Fitting {info.label}…"):
        outcome = st_cache.structure_fit(scenario, key, strength)
    if not outcome.ok:
        st.warning(outcome.error)
        continue
    value = chosen_strength(outcome.model)
    if selected and scenario.strength is None:
        strength_text = f"{sym} = {fmt_strength(value)} ({info.auto_rule})"
    elif selected:
        strength_text = f"{sym} = {fmt_strength(value)} (set in the sidebar)"
    else:
        strength_text = f"{sym} fixed at {fmt_strength(value)} for this view (select the model in the sidebar to change it)"
    fig = structure_figure(key, outcome.model, stl, ts, scenario, strength_text)
    st.caption(info.structure)
    if why_not := nothing_to_exploit(key, scenario):
        st.caption(why_not)
    ui.chart(fig, PAGE, f"structure-{key}", scenario)
    sections.append((f"structure-{key}", info.label, fig, info.structure))

if not ui.presenter() and sections:
    ui.export_section(PAGE, "MTL vs STL: Models", scenario, sections, None, [])
