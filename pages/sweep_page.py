"""Sweep: the accuracy gap over relatedness x training samples, learning curves, and the lambda path."""

import streamlit as st

from dashboard import sweeps
from dashboard_ui import st_cache, ui
from dashboard.figures.sweep import gap_heatmap_figure, lambda_path_figure, learning_curve_figure

PAGE = "sweep"
AUTO_RUN_SECONDS = 8.0
scenario = ui.current_scenario()

st.header("Sweep: when does sharing help?")
(st.expander("How the sweep is made") if ui.presenter() else st.container()).caption(
    "Every cell repeats the experiment on fresh task draws (the same draws for every model) and averages. "
    "The sweep uses STL and pooled with cross-validated ridge and the mean-regularized MTL model, its λ "
    "chosen by the evidence, checked by cross-validation (3 folds here, to keep it quick)."
)
ui.show_messages()

if not ui.presenter():
    st.select_slider(
        "Task draws per cell (more: smoother, slower)",
        options=sorted(set(sweeps.REPEAT_OPTIONS) | {int(st.session_state["w_sweep_repeats"])}), key="w_sweep_repeats",
    )
repeats = int(st.session_state["w_sweep_repeats"])
scenario = ui.current_scenario().replace(sweep_repeats=repeats)
spec = sweeps.sweep_spec(scenario, repeats)
if scenario.model != "mean_regularized":
    st.info(
        f"The sweep shows the mean-regularized MTL model (it is batched and fast); the sidebar's "
        f"{scenario.mtl_name} is compared on the Compare page."
    )
if scenario.poor_task_n:
    st.info("The sweep gives every task the same number of training samples (the data-poor task is ignored here).")

estimate = sweeps.estimate_seconds(spec)
run = ui.ask_before_long_work(
    estimate, AUTO_RUN_SECONDS, ("sweep", spec),
    f"This sweep fits {spec.n_problems} task sets × 3 models and may take about {estimate:.0f} s "
    "(fewer tasks, features or task draws make it faster).",
    "Run the sweep", "run_sweep",
)

if run:
    try:
        summary = st_cache.with_progress("Sweeping relatedness × training samples", st_cache.sweep_summary, spec)
        path = st_cache.with_progress("Computing the λ path", st_cache.lambda_path, scenario.task_spec(), repeats)
    except (ValueError, RuntimeError) as exc:
        st.error(f"The sweep could not run with these settings: {exc}")
        st.stop()

    notes = sweeps.sweep_notice(summary, scenario)
    notice = "##### What to notice\n" + "\n".join(f"- {s}" for s in notes)
    if not ui.presenter():  # on a projector the charts come first, the words after them
        st.markdown(notice)

    sections = []
    if not ui.presenter():  # the chart's own title says it
        st.subheader("Accuracy gap vs STL")
    heat = gap_heatmap_figure(summary, scenario, spec)
    ui.chart(heat, PAGE, "gap-heatmap", scenario)
    sections.append(("gap-heatmap", "Accuracy gap vs STL", heat, ""))

    st.subheader("Learning curves")
    curve = learning_curve_figure(sweeps.learning_curve(summary, scenario.relatedness), scenario, spec)
    ui.chart(curve, PAGE, "learning-curves", scenario)
    sections.append(("learning-curves", "Learning curves", curve, ""))

    st.subheader("From STL towards pooling: the sharing strength λ")
    lam_fig = lambda_path_figure(path, scenario, repeats)
    ui.chart(lam_fig, PAGE, "lambda-path", scenario)
    lam_caption = sweeps.lambda_path_caption(path)
    st.caption(lam_caption)
    sections.append(("lambda-path", "Sharing strength λ", lam_fig, lam_caption))

    if ui.presenter():
        st.markdown(notice)
    if st.toggle("Show the sweep summary table", key="sweep_show_table"):
        st.dataframe(summary, hide_index=True, width="stretch")
    if not ui.presenter():
        ui.export_section(PAGE, "MTL vs STL: Sweep", scenario, sections, summary, notes)
