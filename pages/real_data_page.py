"""Real data: STL vs pooled vs MTL on two bundled digit cases (sharing helps; sharing cannot help) or the teacher's own file.

The uploaded file's bytes are copied into ``st.session_state["rd_file"]`` as
``(name, bytes)`` by the uploader's callback, and everything below reads them
from there: the file survives page switches, caches key on the bytes' SHA-256
(never on the UploadedFile object), and tests can inject a file either with
AppTest's ``at.file_uploader(key="rd_upload").set_value((name, data, "text/csv"))``
or by setting ``at.session_state["rd_file"] = (name, data)`` directly.
"""

from __future__ import annotations

import dataclasses
import json

import streamlit as st

from dashboard import real_data as rd
from dashboard_ui import st_cache, ui
from dashboard.export import chart_config, csv_text
from dashboard.figures.real_data import accuracy_figure, gap_figure, learning_curve_figure, report_html
from mtl_core import datasets as ds

PAGE = "real-data"
AUTO_RUN_SECONDS = 10.0
TTL = 60 * 60
SOURCES = {
    "scanned": "Digits from six scanners: sharing helps (built in)",
    "digits": "Digits “k vs rest”: sharing cannot help (built in)",
    "csv": "My own CSV file (or MATLAB .mat)",
}
ss = st.session_state


# ----------------------------------------------------------------------------- caches (bounded; keyed on text)


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def cached_header(digest: str, _data: bytes) -> tuple[list[str] | None, str | None, str | None]:
    try:
        return rd.read_header(_data), None, None
    except ds.DataFileError as exc:
        return None, exc.kind, str(exc)


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def cached_load(digest: str, task: str, label: str, features: tuple[str, ...], drop_invalid: bool, _data: bytes) -> rd.LoadResult:
    return rd.load_csv(_data, task, label, features, drop_invalid)


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def cached_mat_variables(digest: str, _data: bytes) -> tuple[list[str] | None, str | None, str | None]:
    return rd.mat_variables(_data)


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def cached_load_mat(digest: str, feature_variable: str, label_variable: str, drop_invalid: bool, _data: bytes) -> rd.LoadResult:
    return rd.load_mat(_data, feature_variable, label_variable, drop_invalid)


@st.cache_data(max_entries=12, ttl=TTL, show_spinner=False)
def cached_run(spec_key: str, _spec: rd.RealSpec, _data: bytes | None, _progress=None) -> rd.RealResult:
    base = None
    if _spec.source == "csv":
        loaded = cached_load(_spec.digest, _spec.task_column, _spec.label_column, _spec.feature_columns, _spec.drop_invalid, _data)
        base = loaded.taskset
    elif _spec.source == "mat":
        base = cached_load_mat(_spec.digest, _spec.feature_variable, _spec.label_column, _spec.drop_invalid, _data).taskset
    return rd.run_experiment(_spec, base, progress=_progress)


# ----------------------------------------------------------------------------- helpers


def _store_upload() -> None:
    """Uploader callback: keep the file's bytes (a cleared uploader forgets the file)."""
    upload = ss.get("rd_upload")
    if upload is None:
        ss.pop("rd_file", None)
    else:
        ss["rd_file"] = (upload.name, upload.getvalue())


def _forget_file() -> None:
    ss.pop("rd_file", None)


def _keep(key: str, default) -> None:
    """Restore a widget's value after a page switch (Streamlit drops the state of widgets not drawn)."""
    saved = ss.setdefault("rd_saved", {})
    if key not in ss:
        ss[key] = saved.get(key, default)


def _save(*keys: str) -> None:
    saved = ss.setdefault("rd_saved", {})
    for k in keys:
        if k in ss:
            saved[k] = ss[k]


def show_error(message: str) -> None:
    """The file's problem as one error box; user text (column names, cells) is escaped, never rendered."""
    st.error(rd.escape_markdown(message), icon=":material/error:")


def chart(fig, name: str, spec: rd.RealSpec) -> None:
    fmt = ss.get("img_format", "png")
    st.plotly_chart(fig, theme=None, width="stretch", config=chart_config(f"mtl-{PAGE}-{name}-{spec.slug()}", fmt),
                    key=f"chart_{PAGE}_{name}")


def loaded_taskset(loaded, k: str, drop: bool):
    """The file's task set, or its problem shown (with the offer to drop invalid rows) and the page stopped."""
    if not loaded.ok and loaded.kind == ds.KIND_INVALID_VALUES:
        show_error(loaded.message)
        st.checkbox("Drop those rows and continue", key=f"rd_drop_{k}")
        st.stop()
    if drop:
        st.checkbox("Drop those rows and continue", key=f"rd_drop_{k}")
    if not loaded.ok:
        show_error(loaded.message)
        st.stop()
    return loaded.taskset


# ----------------------------------------------------------------------------- page

st.header("Real data: does sharing help outside the simulator?")
st.caption(
    "The synthetic pages show the mechanism; here the same comparison runs on real tasks. Each task's data is split "
    "into training and test rows at random, again and again (the same splits for every model), so every number "
    "comes with a 95% interval. STL and pooled use logistic regression with cross-validated ridge α; MTL is "
    "mean-regularized with λ chosen by the evidence, checked by cross-validation. Two built-in cases show both sides: "
    "one where sharing helps and one where it cannot."
)
ui.show_messages()

_keep("rd_source", "scanned")
_keep("rd_repeats", rd.DEFAULT_REPEATS)
_keep("rd_metric", "accuracy")
c_src, c_rep = st.columns([3, 2])
c_src.radio("Data", list(SOURCES), format_func=SOURCES.get, key="rd_source", horizontal=True)
c_rep.select_slider("Random splits (more: tighter intervals, slower)", options=rd.REPEAT_OPTIONS, key="rd_repeats")
st.radio("Metric", list(rd.METRIC_LABELS), format_func=rd.METRIC_LABELS.get, key="rd_metric", horizontal=True,
         help="Accuracy: share of right answers. On imbalanced tasks it says little (always answering the larger class "
              "scores its share); balanced accuracy (the mean of the two classes' recalls) and ROC AUC (the chance "
              "that a random positive scores above a random negative) score that rule 50%.")
_save("rd_metric")
metric = ss["rd_metric"]
_keep("rd_scoring_by_metric", False)
st.checkbox("Choose the strengths by this metric too", key="rd_scoring_by_metric", disabled=metric == "accuracy",
            help="The automatic strengths (α, λ) are chosen by cross-validation. By default it maximizes accuracy; "
                 "on imbalanced tasks, choosing by balanced accuracy or ROC AUC can pick better strengths (the "
                 "comparison then runs again).")
_save("rd_scoring_by_metric")
scoring = metric if ss["rd_scoring_by_metric"] else "accuracy"
source = ss["rd_source"]
data: bytes | None = None

if source == "scanned":
    _keep("rd_scanned_n", rd.DEFAULT_SCANNED_N)
    st.select_slider("Training images per task", options=rd.SCANNED_N_OPTIONS, key="rd_scanned_n")
    _save("rd_source", "rd_scanned_n", "rd_repeats")
    spec = rd.scanned_spec(int(ss["rd_scanned_n"]), int(ss["rd_repeats"]))
    n_features = spec.n_components
    with st.expander("How are the scanned-digit tasks built? (what is real, what is constructed)", expanded=True):
        scanners = "; ".join(f"*{rd.escape_markdown(s.name)}*: {rd.escape_markdown(s.description)}" for s in ds.SCANNERS)
        st.markdown(
            "**Real:** the images and their labels, the 3s and 8s of scikit-learn's bundled handwritten digits "
            "(no download). Every task asks the same question, “is it an 8 or a 3?”, of its own images (no image is "
            "in two tasks; half 8s, half 3s). **Constructed:** each task's images pass through a different, stated "
            f"change, as if scanned by a different machine: {scanners}. So the tasks are related through the real "
            "images and the shared question and differ through the scanner: their best weights are close but not "
            f"equal. Pixels standardized and projected onto {spec.n_components} principal components fitted on the "
            "training images only. For the opposite case, where sharing cannot help, choose “Digits k vs rest”."
        )
elif source == "digits":
    _keep("rd_digits", list(rd.DEFAULT_DIGITS))
    _keep("rd_n_train", rd.DEFAULT_DIGIT_N)
    c1, c2 = st.columns([3, 2])
    c1.multiselect("Digits (one task “k vs rest” per digit)", list(range(10)), key="rd_digits",
                   help="scikit-learn's 1797 handwritten 8×8 digits, bundled (no download); 16 principal components.")
    c2.select_slider("Training images per task", options=rd.DIGIT_N_OPTIONS, key="rd_n_train")
    _save("rd_source", "rd_digits", "rd_n_train", "rd_repeats")
    if len(ss["rd_digits"]) < 2:
        st.warning("Choose at least two digits: multi-task learning needs two tasks or more.")
        st.stop()
    spec = rd.digits_spec(ss["rd_digits"], int(ss["rd_n_train"]), int(ss["rd_repeats"]))
    n_features = spec.n_components
    with st.expander("How are the digit tasks built?"):
        st.markdown(
            "Task *k* asks “is this image a *k*?”. Every task gets its own images (no image is in two tasks), half "
            "positives, half negatives drawn from the other digits. The pixels are standardized and projected onto "
            f"{spec.n_components} principal components fitted on the training images only. The tasks contradict each "
            "other (a 3 is a positive for “3 vs rest” and a negative for “8 vs rest”): the counter-example to the "
            "scanned digits, where sharing helps."
        )
else:
    _save("rd_source", "rd_repeats")
    example = ds.example_csv()
    up, ex = st.columns([3, 2])
    up.file_uploader(
        f"Upload a CSV (UTF-8) or a MATLAB .mat file, at most {rd.MAX_BYTES / 1e6:g} MB", type=["csv", "mat"], key="rd_upload",
        on_change=_store_upload,
        help=f"Limits: {rd.LIMIT_TEXT}. Each task needs at least {ds.MIN_TASK_ROWS} rows with both labels.",
    )
    with ex:
        st.markdown("**CSV:** one row per example; a *task* column naming the task, a *label* column with two values "
                    "(0/1, yes/no, …), and numeric feature columns; header in the first row. Comma separated, or "
                    "semicolons with decimal commas as European spreadsheets save. **MATLAB .mat:** one cell per task, "
                    "a cell array of feature matrices and one of label vectors (MALSAR's X and Y, the Landmine data's "
                    "feature and label; v7 format).")
        st.download_button("Example CSV (6 tasks × 24 rows, synthetic)", data=example, file_name="tasks_example.csv", mime="text/csv",
                           key="rd_example", on_click="ignore", icon=":material/download:")
        st.caption(ds.EXAMPLE_CSV_DESCRIPTION)
    if "rd_file" not in ss:
        st.info("Upload a file to compare STL, pooled and MTL on your own tasks (or download the example to try).")
        st.stop()
    file_name, data = ss["rd_file"]
    digest = rd.file_digest(data)
    c1, c2 = st.columns([5, 1])
    c1.caption(f"Using the file {rd.escape_markdown(file_name)} ({len(data) / 1e3:,.1f} kB).")
    c2.button("Forget this file", on_click=_forget_file, key="rd_forget", width="stretch")

    if rd.is_mat_file(file_name, data):
        variables, kind, message = cached_mat_variables(digest, data)
        if variables is None:
            show_error(message)
            st.stop()
        if len(variables) < 2:
            loaded = cached_load_mat(digest, "", "", False, data)  # its message says what the file lacks
            show_error(loaded.message or ds.msg_mat_no_cells(variables))
            st.stop()
        fvar0, lvar0 = rd.guess_mat_variables(variables)
        k = digest[:10]
        _keep(f"rd_fvar_{k}", fvar0)
        _keep(f"rd_lvar_{k}", lvar0)
        c1, c2 = st.columns(2)
        fvar = c1.selectbox("Feature cells (one n × d matrix per task)", variables, key=f"rd_fvar_{k}")
        lvar = c2.selectbox("Label cells (one label vector per task)", variables, key=f"rd_lvar_{k}")
        _save(f"rd_fvar_{k}", f"rd_lvar_{k}", "rd_repeats")
        if fvar == lvar:
            show_error(ds.msg_mat_ambiguous(variables))
            st.stop()
        drop = bool(ss.get(f"rd_drop_{k}", False))
        ts = loaded_taskset(cached_load_mat(digest, fvar, lvar, drop, data), k, drop)
        rows = rd.task_rows(ts)
        st.caption(f"{ts.n_tasks} tasks, {ts.n_features} features, {sum(rows)} rows (smallest task {min(rows)} rows)"
                   + (f"; {ts.settings['dropped_rows']} rows with missing or infinite values dropped."
                      if ts.settings.get("dropped_rows") else "."))
        if ts.n_tasks < 2:
            show_error("The file has only one task: multi-task learning needs two tasks or more.")
            st.stop()
        spec = rd.mat_spec(ts, digest, file_name, fvar, lvar, drop, int(ss["rd_repeats"]))
        n_features = ts.n_features
    else:
        header, kind, message = cached_header(digest, data)
        if header is None:
            show_error(message)
            st.stop()
        named = [h for h in dict.fromkeys(header) if h]
        if len(named) < 3:
            show_error(ds.msg_no_features() if named else ds.msg_empty(header_only=False))
            st.stop()
        task0, label0, features0 = rd.guess_columns(header)
        k = digest[:10]
        _keep(f"rd_task_{k}", task0)
        _keep(f"rd_label_{k}", label0)
        _keep(f"rd_features_{k}", features0)
        c1, c2, c3 = st.columns([1, 1, 3])
        task = c1.selectbox("Task column", named, key=f"rd_task_{k}")
        label = c2.selectbox("Label column (two values)", named, key=f"rd_label_{k}")
        feat_options = [h for h in named if h not in (task, label)]
        if any(f not in feat_options for f in ss[f"rd_features_{k}"]):
            ss[f"rd_features_{k}"] = [f for f in ss[f"rd_features_{k}"] if f in feat_options]
        features = c3.multiselect("Feature columns (numeric)", feat_options, key=f"rd_features_{k}")
        _save(f"rd_task_{k}", f"rd_label_{k}", f"rd_features_{k}", "rd_repeats")
        if task == label:
            show_error(ds.msg_same_task_label(task))
            st.stop()
        if not features:
            show_error(ds.msg_no_features())
            st.stop()
        drop = bool(ss.get(f"rd_drop_{k}", False))
        ts = loaded_taskset(cached_load(digest, task, label, tuple(features), drop, data), k, drop)
        dropped = int(ts.settings.get("dropped_rows", 0))
        rows = rd.task_rows(ts)
        st.caption(f"{ts.n_tasks} tasks, {ts.n_features} features, {sum(rows)} rows (smallest task {min(rows)} rows)"
                   + (f"; {dropped} rows with missing or infinite values dropped." if dropped else "."))
        if ts.n_tasks < 2:
            show_error("The file has only one task: multi-task learning needs two tasks or more. Check the task column.")
            st.stop()
        spec = rd.csv_spec(ts, digest, file_name, task, label, features, drop, int(ss["rd_repeats"]))
        n_features = ts.n_features

# ----------------------------------------------------------------------------- run

spec = dataclasses.replace(spec, scoring=scoring)
estimate = rd.estimate_seconds(spec, n_features)
if not ui.ask_before_long_work(
    estimate, AUTO_RUN_SECONDS, ("real-data", spec.key()),
    f"This comparison fits many models and may take about {estimate:.0f} s (fewer tasks, features or "
    "random splits make it faster).",
    "Run the comparison", "rd_run",
):
    st.stop()
try:
    result = st_cache.with_progress("Comparing STL, pooled and MTL on random splits", cached_run, spec.key(), spec, data)
except ValueError as exc:
    show_error(f"The comparison could not run on this data: {exc}")
    st.stop()

notes = rd.notice(result, spec, metric)
st.markdown("##### What to notice\n" + "\n".join(f"- {n}" for n in notes))

label = rd.METRIC_LABELS[metric]
heading = label[0].upper() + label[1:]
sections = []
for title, build, name in ((f"{heading} gap vs STL", gap_figure, "gap"), (f"Test {label} per task", accuracy_figure, "per-task"),
                           (f"Learning curves ({label})", learning_curve_figure, "learning-curves")):
    st.subheader(title)
    fig = build(result, spec, metric)
    chart(fig, f"{name}-{metric}", spec)
    sections.append((title, fig, ""))

table = rd.results_table(result)
if st.toggle("Show the numbers", key="rd_show_table"):
    st.dataframe(table, hide_index=True, width="stretch")

if not ui.presenter():
    st.subheader("Export")
    st.caption("Every chart's camera icon (top right of the chart) saves it as an image. Below: the page as one "
               "interactive, offline HTML report, the numbers of every metric and your choices.")
    choices = json.dumps({**json.loads(spec.to_json()), "metric": metric}, indent=2)
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Interactive HTML report", data=lambda: report_html("MTL vs STL: Real data", choices, sections, table, notes),
        file_name=f"mtl-{PAGE}-report-{spec.slug()}.html", mime="text/html", key=f"dl_report_{PAGE}", on_click="ignore",
        icon=":material/description:", width="stretch",
    )
    c2.download_button("Results (CSV)", data=csv_text(table), file_name=f"mtl-{PAGE}-results-{spec.slug()}.csv",
                       mime="text/csv", key=f"dl_csv_{PAGE}", on_click="ignore", icon=":material/table:", width="stretch")
    c3.download_button("Choices (JSON)", data=choices, file_name=f"mtl-{PAGE}-choices-{spec.slug()}.json",
                       mime="application/json", key=f"dl_json_{PAGE}", on_click="ignore", icon=":material/data_object:",
                       width="stretch")
