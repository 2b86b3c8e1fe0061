"""Compare (landing page): STL vs the chosen MTL model (and pooled) on one scenario."""

import streamlit as st

from dashboard import figures as F
from dashboard import st_cache, ui

PAGE = "compare"
scenario = ui.current_scenario()

st.header("Compare: one model per task, or learn the tasks together?")
st.caption(f"{scenario.summary()} · {scenario.model_summary()}")
ui.show_messages()
ui.preset_banner(scenario)

try:
    with st.spinner("Fitting the models…"):
        summary = st_cache.compare_summary(scenario)  # shared by every session with this scenario
    data = summary.data
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
sentences = list(summary.sentences)
if sentences:
    st.markdown("##### What to notice\n" + "\n".join(f"- {s}" for s in sentences))

cols = st.columns(len(summary.metrics) + 1)
for col, (name, value, delta) in zip(cols, summary.metrics):
    col.metric(name, value, delta, help="Mean test accuracy over the tasks (1000 test points each).")
cols[-1].metric("Best possible (Bayes)", summary.bayes,
                help="The accuracy of the true boundary: label noise makes anything higher impossible.")

# ---------------------------------------------------------------- figures
T = data.taskset.n_tasks
tasks = None
if T > F.MAX_BOUNDARY_TASKS:
    names = data.taskset.task_names
    default = F.default_tasks(T, F.MAX_BOUNDARY_TASKS, data.taskset.related)
    tasks = st.multiselect(
        f"Tasks to draw (up to {F.MAX_BOUNDARY_TASKS}; the replay shows the first {F.MAX_REPLAY_TASKS})",
        list(range(T)), default=default, format_func=lambda t: names[t], max_selections=F.MAX_BOUNDARY_TASKS,
        key="compare_tasks",
    )

# every figure of the page, built once per scenario and task choice for all sessions
figs = st_cache.compare_figures(scenario, tasks)
sections = []

st.subheader("Decision boundaries")
boundaries = figs["boundaries"]
ui.chart(boundaries, PAGE, "boundaries", scenario)
plane = F.plane_for(data)
if not plane.is_full:
    st.caption(plane.caption() + " Change the plane in the sidebar.")
sections.append(("boundaries", "Decision boundaries", boundaries, ""))

st.subheader("Accuracy per task")
accuracy = figs["accuracy"]
ui.chart(accuracy, PAGE, "accuracy", scenario)
sections.append(("accuracy", "Test accuracy per task", accuracy, ""))

st.subheader("Training by gradient descent")
for role, outcome in data.gd.items():
    if outcome.error:
        st.warning(outcome.error)
loss = figs["loss"]
ui.chart(loss, PAGE, "loss", scenario)
sections.append(("loss", "Loss per epoch", loss, ""))
replay = figs.get("replay")
if replay is not None:
    ui.chart(replay, PAGE, "replay", scenario)
    sections.append(("replay", "Replay of training", replay, "Press Play or drag the epoch slider."))

st.subheader("Task weights")
arrows = figs.get("weights")
if arrows is not None:
    ui.chart(arrows, PAGE, "weights", scenario)
    sections.append(("weights", "Task weight directions", arrows, ""))
similarity = figs["similarity"]
ui.chart(similarity, PAGE, "similarity", scenario)
sections.append(("similarity", "Similarity of the task weights", similarity, ""))

if st.toggle("Show the results table (one row per model and task)", key="compare_show_table"):
    st.dataframe(data.table, hide_index=True, width="stretch")

if not ui.presenter():
    ui.export_section(PAGE, "MTL vs STL: Compare", scenario, sections, data.table, sentences, st_cache.kaleido_lock(),
                      csv=summary.csv)
