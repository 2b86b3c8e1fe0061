"""Compare (landing page): STL vs the chosen MTL model (and pooled) on one scenario.

The charts sit in tabs that run lazily: only the open tab's figures are built and
sent, and the gradient-descent runs are trained only when their tab is open, so a
slider move with a class on one server costs the exact fits and one tab.
"""

import streamlit as st

from dashboard.model_info import nothing_to_exploit
from dashboard import figures as F
from dashboard_ui import st_cache, ui

PAGE = "compare"
TAB_KEY = "compare_tab"
scenario = ui.current_scenario()

st.header("Compare: one model per task, or learn the tasks together?")
st.caption(f"{scenario.summary()} · {scenario.model_summary()}")
if why_not := nothing_to_exploit(scenario.model, scenario):
    st.caption(why_not)
ui.show_messages()
ui.preset_banner(scenario)

# Every slider combination must answer in bounded time: above the budget, ask first.
if not ui.compare_fits_within_budget(scenario):
    st.stop()

try:
    with st.spinner("Fitting the models…"):
        summary = st_cache.compare_summary(scenario)  # shared by every session with this scenario
    data = st_cache.view_data(scenario)
except (ValueError, RuntimeError) as exc:
    st.error(f"These settings cannot be used: {exc} Change a setting in the sidebar.")
    st.stop()

failed = [o.error for role, o in data.exact.items() if o.error and (role != "pooled" or scenario.show_pooled)]
for message in failed:
    st.error(message)
if not (data.exact["stl"].ok and data.exact["mtl"].ok):
    st.stop()
for message in dict.fromkeys(data.notes):
    st.warning(message)

# ---------------------------------------------------------------- what to notice
# On a projector the charts come first (the class sees them without scrolling), the words after.
sentences = list(summary.sentences)


def what_to_notice() -> None:
    if sentences:
        st.markdown("##### What to notice\n" + "\n".join(f"- {s}" for s in sentences))
    cols = st.columns(len(summary.metrics) + 1)
    for col, metric in zip(cols, summary.metrics):  # a ±0.0 delta is grey, without an arrow
        col.metric(**metric._asdict(), help="Mean test accuracy over the tasks (1000 test points each).")
    cols[-1].metric("Best possible (Bayes)", summary.bayes,
                    help="The accuracy of the true boundary: label noise makes anything higher impossible.")


if not ui.presenter():
    what_to_notice()

# ---------------------------------------------------------------- figures
T = data.taskset.n_tasks
tasks = None
if T > F.MAX_BOUNDARY_TASKS:
    names = data.taskset.task_names
    default = F.default_tasks(T, F.MAX_BOUNDARY_TASKS, data.taskset.related)
    tasks = st.multiselect(
        f"Tasks to draw (up to {F.MAX_BOUNDARY_TASKS})",
        list(range(T)), default=default, format_func=lambda t: names[t], max_selections=F.MAX_BOUNDARY_TASKS,
        key="compare_tasks",
    )

TABS = ["Boundaries & accuracy", "Training replay", "Task weights"] + ([] if ui.presenter() else ["Table & export"])
boundaries_tab, training_tab, weights_tab, *export_tab = st.tabs(TABS, key=TAB_KEY, on_change="rerun")


def chart(name: str) -> None:
    fig = st_cache.compare_figure(scenario, name, tasks)
    if fig is not None:
        ui.chart(fig, PAGE, name, scenario)


with boundaries_tab:
    if boundaries_tab.open:
        chart("boundaries")
        plane = F.plane_for(data)
        if not plane.is_full:
            st.caption(plane.caption() + " Change the plane in the sidebar.")
        chart("accuracy")

with training_tab:
    if training_tab.open:
        with st.spinner("Training by gradient descent…"):
            trained = st_cache.view_data(scenario, training=True)
        for outcome in trained.gd.values():
            if outcome.error:
                st.warning(outcome.error)
        st.caption("Learning rate and epochs: *Training replay* in the sidebar.")
        chart("loss")
        replay_tasks = tasks
        if T > F.MAX_REPLAY_TASKS:  # the animation carries every frame of every panel: a few tasks only
            names = data.taskset.task_names
            replay_tasks = st.multiselect(
                f"Tasks in the replay (up to {F.MAX_REPLAY_TASKS} of {T})", list(range(T)),
                default=F.default_tasks(T, F.MAX_REPLAY_TASKS, data.taskset.related), format_func=lambda t: names[t],
                max_selections=F.MAX_REPLAY_TASKS, key="replay_tasks",
            )
        fig = st_cache.compare_figure(scenario, "replay", replay_tasks)
        if fig is not None:
            ui.chart(fig, PAGE, "replay", scenario)

with weights_tab:
    if weights_tab.open:
        chart("weights")
        chart("similarity")

if ui.presenter():
    what_to_notice()

if export_tab and export_tab[0].open:
    with export_tab[0]:
        st.dataframe(data.table, hide_index=True, width="stretch")
        with st.spinner("Preparing the report…"):
            figs = st_cache.compare_figures(scenario, tasks)
        headings = {
            "boundaries": ("Decision boundaries", ""),
            "accuracy": ("Test accuracy per task", ""),
            "loss": ("Loss per epoch", ""),
            "replay": ("Replay of training", "Press Play or drag the epoch slider."),
            "weights": ("Task weight directions", ""),
            "similarity": ("Similarity of the task weights", ""),
        }
        sections = [(name, *headings[name][:1], fig, headings[name][1]) for name, fig in figs.items()]
        ui.export_section(PAGE, "MTL vs STL: Compare", scenario, sections, data.table, sentences, csv=summary.csv)
