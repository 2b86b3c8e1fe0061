"""Streamlit side of the dashboard: shared scenario state, the sidebar, charts and export buttons.

State model
-----------
``st.session_state["scenario"]`` is the one source of truth, shared by every
page.  Sidebar widgets have keys ``w_<field>``; they are created in ``app.py``
on every run, so they survive page switches.  A widget that is not drawn in a
run (presenter mode, or a model option that does not apply) loses its state at
the end of that run; `init_state` restores it from the scenario at the start of
the next.  Presets and loaded scenario files write the widget keys from
callbacks (which run before the widgets are created).

The URL holds the whole scenario (`sync_url`), written back on every run
because Streamlit drops query parameters on page switches.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import asdict, fields
from typing import Any, Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mtl_core import MODELS

from dashboard import budget
from dashboard.figures.projector import for_projector, subtitle_text
from dashboard.export import NO_CHROMIUM_MESSAGE, chart_config, csv_text, file_stem, find_chromium, html_report, static_image
from dashboard.presets import PRESETS, matching_preset
from dashboard.scenario import (
    FIELD_SPECS,
    BALANCE_RANGE,
    EPOCHS_OPTIONS,
    EPOCHS_RANGE,
    FAMILIES,
    LR_OPTIONS,
    LR_RANGE,
    MODEL_LABELS,
    N_FEATURES_RANGE,
    N_HIDDEN_RANGE,
    N_TASKS_RANGE,
    N_TRAIN_OPTIONS,
    NOISE_RANGE,
    N_TRAIN_RANGE,
    POOR_RANGE,
    REPEATS_RANGE,
    SEED_RANGE,
    SPREAD_RANGE,
    STRENGTH_OPTIONS,
    STRENGTH_RANGE,
    STRENGTH_SYMBOL,
    Scenario,
    fmt_strength,
    options_with,
)

W = "w_"
POOR_OPTIONS = (4, 5, 6, 8, 10, 12, 15, 20)
FIELDS = [f.name for f in fields(Scenario)]


# ----------------------------------------------------------------------------- state


def _widget_values(s: Scenario) -> dict[str, Any]:
    values = {W + name: getattr(s, name) for name in FIELDS}
    values[W + "strength_auto"] = s.strength is None
    values[W + "strength"] = s.strength if s.strength is not None else MODELS[s.model].view_strength
    values[W + "poor_on"] = s.poor_task_n > 0
    values[W + "poor_task_n"] = s.poor_task_n if s.poor_task_n else 5
    return values


def load_scenario(scenario: Scenario) -> None:
    """Make ``scenario`` current: store it and set every sidebar widget to it (call from callbacks)."""
    st.session_state.update(_widget_values(scenario))
    st.session_state["scenario"] = scenario


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


#: Every numeric widget key: (label, lowest, highest, int?), from the scenario's field table.  Values that
#: reach session_state from a crafted client (or code) are checked against these before any widget is drawn.
NUMERIC_WIDGETS: dict[str, tuple[str, float, float, bool]] = {
    W + name: (spec.label, *spec.bounds, spec.kind in ("int", "feature"))
    for name, spec in FIELD_SPECS.items()
    if spec.kind in ("int", "float", "strength", "feature") and spec.label
}
CHOICE_WIDGETS: dict[str, tuple[str, tuple]] = {
    W + "family": (FIELD_SPECS["family"].label, FAMILIES),
    W + "model": (FIELD_SPECS["model"].label, tuple(MODEL_LABELS)),
    "img_format": ("Chart camera button saves", ("png", "svg")),
}
BOOL_WIDGETS = (W + "poor_on", W + "strength_auto", W + "show_pooled")


def sanitize_widgets() -> None:
    """Clamp out-of-range widget values and replace unusable ones, before any widget is drawn.

    A browser only sends values the widgets offer, but a crafted client (or a
    stale session) can send anything: a number outside a slider's range is
    clamped, a value of the wrong kind (text, NaN, infinity, an unknown option)
    is replaced by the current scenario's value.  Each change is explained.
    """
    import math

    ss = st.session_state
    fallback = _widget_values(ss["scenario"]) if "scenario" in ss else _widget_values(Scenario())
    for key, (label, lo, hi, is_int) in NUMERIC_WIDGETS.items():
        if key not in ss:
            continue
        value = ss[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            ss[key] = fallback.get(key, lo)
            add_message("warning", f"Ignored an invalid value for “{label}” ({str(value)[:40]!r}); kept {ss[key]}.")
            continue
        new = min(max(value, lo), hi)
        new = int(round(new)) if is_int else float(new)
        if new != value:
            add_message("warning", f"{label} must be between {lo:g} and {hi:g}; {value:g} was changed to {new:g}.")
        if new != value or type(new) is not type(value):
            ss[key] = new
    for key, (label, options) in CHOICE_WIDGETS.items():
        if key in ss and ss[key] not in options:
            value = ss[key]
            ss[key] = fallback.get(key, options[0])
            add_message("warning", f"Ignored an unknown choice for “{label}” ({str(value)[:40]!r}).")
    for key in BOOL_WIDGETS:
        if key in ss and not isinstance(ss[key], bool):
            ss[key] = bool(fallback.get(key, False))


def init_state() -> None:
    """First run of a session: scenario from the URL. Later runs: restore widget keys that were dropped."""
    ss = st.session_state
    if "scenario" not in ss:
        params = st.query_params.to_dict()
        scenario, notes = Scenario.from_query_params(params)
        ss["presenter"] = _flag(params.get("presenter", "0"))
        ss["messages"] = [("warning", n) for n in notes]
        load_scenario(scenario)
    else:
        for key, value in _widget_values(ss["scenario"]).items():
            if key not in ss:
                ss[key] = value
        keep_widget_values()
    sanitize_widgets()


def current_scenario() -> Scenario:
    return st.session_state["scenario"]


def presenter() -> bool:
    return bool(st.session_state.get("presenter", False))


#: Presenter mode's page: less padding above the first chart (a projector's 720 rows are precious).
PROJECTOR_CSS = "<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}</style>"


def presenter_requested() -> bool:
    """Presenter mode, known before `init_state` (for the page config): the session's or the URL's flag."""
    if "presenter" in st.session_state:
        return presenter()
    return _flag(st.query_params.get("presenter", "0"))


def add_message(kind: str, text: str) -> None:
    st.session_state.setdefault("messages", []).append((kind, text))


def show_messages() -> None:
    """Show (once) the messages queued by the URL parser, presets and loaders."""
    for kind, text in st.session_state.pop("messages", []):
        getattr(st, kind if kind in ("warning", "error", "info", "success") else "info")(text)


def share_link(scenario: Scenario, presenter_view: bool = False) -> str:
    """The full link that reopens ``scenario`` (this page, the scenario in the query string)."""
    from urllib.parse import urlencode

    params = scenario.to_query_params()
    if presenter_view:
        params["presenter"] = "1"
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 - no browser context (e.g. tests)
        base = ""
    return f"{base}?{urlencode(params)}"


def sync_url(scenario: Scenario) -> None:
    """Write the whole scenario (and the presenter flag) into the URL."""
    params = scenario.to_query_params()
    if presenter():
        params["presenter"] = "1"
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


# ----------------------------------------------------------------------------- callbacks


def _apply_preset(key: str) -> None:
    load_scenario(PRESETS[key].scenario)  # the page's lesson banner names it: no second message


def _load_uploaded() -> None:
    upload = st.session_state.get("scenario_upload")
    if upload is None:
        return
    _load_text(upload.getvalue(), f"the file {upload.name}")


def _load_pasted() -> None:
    _load_text(st.session_state.get("scenario_text", ""), "the pasted text")


def _load_text(text: str | bytes, what: str) -> None:
    try:
        scenario, notes = Scenario.from_json(text)
    except ValueError as exc:
        add_message("error", f"Could not load {what}: {exc} Your current scenario is unchanged.")
        return
    load_scenario(scenario)
    add_message("success", f"Scenario loaded from {what}.")
    for n in notes:
        add_message("warning", n)


def _model_changed() -> None:
    """A new formulation: its own typical strength; the slow-to-cross-validate neural net starts fixed."""
    ss = st.session_state
    model = ss[W + "model"]
    ss[W + "strength"] = MODELS[model].view_strength
    if model == "shared_hidden":
        ss[W + "strength_auto"] = False


def _reset() -> None:
    load_scenario(Scenario())
    add_message("info", "Scenario reset to the defaults.")


# ----------------------------------------------------------------------------- sidebar


def _clamp_key(key: str, lo: Any, hi: Any, message: Callable[[Any, Any], str] | None = None) -> None:
    ss = st.session_state
    value = ss[key]
    if value < lo or value > hi:
        new = min(max(value, lo), hi)
        ss[key] = new
        if message:
            st.warning(message(value, new))


def _slider(name: str, hi: float | None = None, **kwargs: Any) -> None:
    """The sidebar slider of scenario field ``name``: label, bounds and help from its row of the field table."""
    spec = FIELD_SPECS[name]
    lo, top = spec.bounds
    st.slider(spec.label, type(lo)(lo), type(lo)(top if hi is None else hi), key=W + name, help=spec.help or None, **kwargs)


def _select_slider(name: str, options: list) -> None:
    """The sidebar select slider of scenario field ``name`` over ``options``."""
    spec = FIELD_SPECS[name]
    st.select_slider(spec.label, options=options, key=W + name, help=spec.help or None)


#: Pages with their own data: the synthetic scenario's sidebar (presets included) does not apply there.
OWN_DATA_PAGES = ("real-data",)


def sidebar(page: str = "") -> Scenario:
    """Draw the sidebar (presets, scenario, model, training, view, share) and return the scenario.

    On a page of `OWN_DATA_PAGES` only a note is drawn: its controls would change
    nothing there.  The scenario stays as it was (`init_state` restores the widgets
    on the next page that draws them).
    """
    ss = st.session_state
    if page in OWN_DATA_PAGES:
        st.sidebar.caption("This page uses its own data: the scenario and its presets apply to Compare, Sweep and "
                           "Models, and are kept for them.")
        return ss["scenario"]
    pres = presenter()
    with st.sidebar:
        if pres:
            st.caption("Presenter view: only the lesson controls are shown. Remove `presenter=1` from the address for all of them.")
        st.markdown("#### Classroom presets")
        active = matching_preset(ss["scenario"])
        for p in PRESETS.values():
            st.button(
                p.label, key=f"preset_{p.key}", on_click=_apply_preset, args=(p.key,), width="stretch",
                type="primary" if active is not None and active.key == p.key else "secondary",
                # A short tip: the whole lesson, shown on hover after the click, would cover the lesson's banner.
                help="Loads this scenario (seed included); its lesson appears above the charts.",
            )

        st.markdown("#### Tasks")
        if not pres:
            _slider("n_tasks")
        _clamp_key(
            W + "n_unrelated", 0, ss[W + "n_tasks"],
            lambda old, new: f"Unrelated tasks reduced from {old} to {new}: there are only {new} tasks.",
        )
        _slider("n_unrelated", hi=int(ss[W + "n_tasks"]))
        n_grouped = int(ss[W + "n_tasks"]) - int(ss[W + "n_unrelated"])
        _clamp_key(W + "n_clusters", 1, max(1, n_grouped),
                   lambda old, new: f"Task groups reduced from {old} to {new}: there are only {new} related tasks.")
        if n_grouped >= 2:  # a slider needs two values
            _slider("n_clusters", hi=n_grouped)
        _slider("relatedness", step=0.05)
        _select_slider("n_train", options_with(N_TRAIN_OPTIONS, int(ss[W + "n_train"])))
        if not pres:
            st.checkbox("Make task 1 data-poor", key=W + "poor_on", help="Task 1 gets fewer training samples than the others.")
            if ss[W + "poor_on"]:
                _select_slider("poor_task_n", options_with(POOR_OPTIONS, int(ss[W + "poor_task_n"])))
            _slider("n_features")
            _slider("label_noise", step=0.05, format="%.2f")
            st.radio(FIELD_SPECS["family"].label, list(FAMILIES), key=W + "family", horizontal=True,
                     help=FIELD_SPECS["family"].help)
            st.number_input(FIELD_SPECS["seed"].label, *SEED_RANGE, step=1, key=W + "seed", help=FIELD_SPECS["seed"].help)
            with st.expander("More data settings"):
                _slider("class_balance", step=0.05, format="%.2f")
                _slider("intercept_spread", step=0.1, format="%.1f")

        st.markdown("#### Model")
        if not pres:
            st.selectbox("MTL model", list(MODEL_LABELS), format_func=MODEL_LABELS.get, key=W + "model",
                         on_change=_model_changed)
        model = ss[W + "model"]
        sym = STRENGTH_SYMBOL[MODELS[model].strength]
        # In presenter mode too: the presets' banners tell the class to switch these.
        st.toggle(f"Choose {sym} automatically (auto)", key=W + "strength_auto",
                  help=f"{sym} {MODELS[model].auto_rule}." + (
                      " The evidence (marginal likelihood of the model w_t = w0 + v_t) places λ between STL and "
                      "pooling using every training sample; cross-validation vetoes a λ that predicts worse."
                      if model == "mean_regularized" else ""))
        st.select_slider(
            f"Sharing strength {sym}" if MODELS[model].strength == "lam" else f"Regularization strength {sym}",
            options=options_with(STRENGTH_OPTIONS, float(ss[W + "strength"])), key=W + "strength",
            format_func=fmt_strength, disabled=bool(ss[W + "strength_auto"]),
        )
        if not pres:
            if model == "shared_subspace":
                k_max = min(int(ss[W + "n_tasks"]), int(ss[W + "n_features"]))
                _clamp_key(W + "k", 1, k_max)
                if k_max > 1:
                    st.slider("Subspace dimension k", 1, k_max, key=W + "k")
                else:
                    st.caption("Subspace dimension k = 1.")
            if model == "shared_hidden":
                st.slider("Hidden units", *N_HIDDEN_RANGE, key=W + "n_hidden")
            if model == "shared_hidden" and ss[W + "strength_auto"]:
                st.caption("Cross-validating the neural network can take half a minute the first time; a fixed α is instant.")
        st.toggle("Also show pooled (one model for all tasks)", key=W + "show_pooled")

        if not pres:
            with st.expander("Training replay (gradient descent)"):
                st.select_slider("Learning rate", options=options_with(LR_OPTIONS, float(ss[W + "learning_rate"])),
                                 key=W + "learning_rate")
                st.select_slider("Epochs", options=options_with(EPOCHS_OPTIONS, int(ss[W + "n_epochs"])), key=W + "n_epochs")
            d = int(ss[W + "n_features"])
            if d > 2:
                with st.expander("Plane of the boundary plots", expanded=True):
                    _clamp_key(W + "x_feature", 0, d - 1)
                    _clamp_key(W + "y_feature", 0, d - 1)
                    st.selectbox("Horizontal axis", list(range(d)), format_func=lambda j: f"x{j + 1}", key=W + "x_feature")
                    others = [j for j in range(d) if j != ss[W + "x_feature"]]
                    if ss[W + "y_feature"] not in others:
                        ss[W + "y_feature"] = others[0]
                    st.selectbox("Vertical axis", others, format_func=lambda j: f"x{j + 1}", key=W + "y_feature")
                    st.caption("The other features are fixed at their mean.")

    values = asdict(ss["scenario"])
    for name in FIELDS:
        if W + name in ss:
            values[name] = ss[W + name]
    values["strength"] = None if ss[W + "strength_auto"] else float(ss[W + "strength"])
    values["poor_task_n"] = int(ss[W + "poor_task_n"]) if ss[W + "poor_on"] else 0
    for name in ("n_tasks", "n_features", "n_train", "n_unrelated", "n_clusters", "seed", "k", "n_hidden", "n_epochs", "x_feature",
                 "y_feature", "sweep_repeats", "n_test"):
        values[name] = int(values[name])
    for name in ("relatedness", "label_noise", "learning_rate", "class_balance", "intercept_spread"):
        values[name] = float(values[name])
    scenario, notes = Scenario(**values).validated()
    for n in notes:
        st.sidebar.warning(n)
    ss["scenario"] = scenario
    if not pres:
        share_box(scenario)
    return scenario


#: Session-state key of the "Share & save" box's open state.
SHARE_BOX_KEY = "share_box"
#: Values of the box's widgets that outlive it while it is closed (its widgets are then not drawn).
KEPT_WHILE_CLOSED = ("img_format", "scenario_text")


def keep_widget_values() -> None:
    """Keep the camera format and the pasted text while their (lazily drawn) widgets are not drawn.

    Streamlit drops a widget's value from the session when a run does not draw
    the widget; assigned back, the value becomes the session's own and stays.
    """
    ss = st.session_state
    for key in KEPT_WHILE_CLOSED:
        if key in ss:
            ss[key] = ss[key]


def share_box(scenario: Scenario) -> None:
    # Built only while open: about a dozen elements that a class's slider reruns need not rebuild.
    box = st.sidebar.expander("Share & save", key=SHARE_BOX_KEY, on_change="rerun")
    if not box.open:
        return
    with box:
        st.markdown("**Share:** this link (also in the address bar) reopens exactly these pictures.")
        st.code(share_link(scenario), language=None, wrap_lines=True)
        st.markdown("For the class on a projector, with fewer controls:")
        st.code(share_link(scenario, presenter_view=True), language=None, wrap_lines=True)
        st.download_button(
            "Download this scenario (JSON)", data=scenario.to_json(), file_name=f"mtl-scenario-{scenario.slug()}.json",
            mime="application/json", key="dl_scenario_sidebar", on_click="ignore", width="stretch",
        )
        st.file_uploader("Load a scenario file", type=["json"], key="scenario_upload", on_change=_load_uploaded,
                         help="A JSON file saved with the button above (at most 5 MB).")
        st.text_area("…or paste scenario JSON", key="scenario_text", height=90)
        st.button("Load pasted scenario", on_click=_load_pasted, key="load_pasted", width="stretch")
        st.button("Reset to defaults", on_click=_reset, key="reset_defaults", width="stretch")
        st.radio("Chart camera button saves", ["png", "svg"], key="img_format", horizontal=True,
                 format_func=lambda f: "PNG (3×)" if f == "png" else "SVG (vector)")


# ----------------------------------------------------------------------------- charts and exports


_PROJECTED: dict[int, tuple[weakref.ref, go.Figure]] = {}
_PROJECTED_LOCK = threading.Lock()


def _projected(fig: go.Figure) -> go.Figure:
    """`for_projector` of a figure, made once per (shared, cached) figure object."""
    with _PROJECTED_LOCK:
        hit = _PROJECTED.get(id(fig))
        if hit is not None and hit[0]() is fig:
            return hit[1]
        for k in [k for k, (ref, _) in _PROJECTED.items() if ref() is None]:
            del _PROJECTED[k]
    big = for_projector(fig)
    try:
        with _PROJECTED_LOCK:
            _PROJECTED[id(fig)] = (weakref.ref(fig), big)
    except TypeError:  # not weak-referenceable: just not remembered
        pass
    return big


def chart(fig: go.Figure, page: str, name: str, scenario: Scenario, key: str | None = None) -> None:
    """A chart with the app's config: explicit template (theme=None), full width, named image download.

    In presenter mode the chart is drawn for a projector (`for_projector`: text of at least
    18 px, thicker lines, bigger points), and its camera button saves it that way.
    """
    projector = presenter()
    shown = _projected(fig) if projector else fig
    fmt = st.session_state.get("img_format", "png")
    st.plotly_chart(
        shown, theme=None, width="stretch", config=chart_config(file_stem(page, name, scenario), fmt),
        key=key or f"chart_{page}_{name}",
    )
    if projector and (text := subtitle_text(fig)):
        st.markdown(text.replace("\n", "  \n"))


def export_section(
    page: str,
    title: str,
    scenario: Scenario,
    sections: list[tuple[str, str, go.Figure, str]],
    table: pd.DataFrame | None,
    notes: list[str],
    intro: str = "",
    csv: str | None = None,
) -> None:
    """Per-page downloads: interactive HTML report, results CSV, scenario JSON, and a server-rendered image.

    ``sections`` are (key, heading, figure, caption); ``csv`` is the table's CSV if already made.
    """
    st.subheader("Export")
    st.caption(
        "Every chart's camera icon (top right of the chart) saves it as an image from your browser. "
        "Below: the whole page as one interactive, offline HTML report, the numbers, and the scenario."
    )
    figs = [(h, f, c) for _, h, f, c in sections]
    link = share_link(scenario)
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Interactive HTML report", data=lambda: html_report(title, scenario, figs, table, notes, intro, link),
        file_name=f"{file_stem(page, 'report', scenario)}.html", mime="text/html", key=f"dl_report_{page}",
        on_click="ignore", icon=":material/description:", width="stretch",
    )
    if table is not None and not table.empty:
        c2.download_button(
            "Results (CSV)", data=csv if csv is not None else csv_text(table), file_name=f"{file_stem(page, 'results', scenario)}.csv",
            mime="text/csv", key=f"dl_csv_{page}", on_click="ignore", icon=":material/table:", width="stretch",
        )
    c3.download_button(
        "Scenario (JSON)", data=scenario.to_json(), file_name=f"mtl-scenario-{scenario.slug()}.json",
        mime="application/json", key=f"dl_json_{page}", on_click="ignore", icon=":material/data_object:", width="stretch",
    )
    with st.expander("Image made on the server (PNG / SVG / PDF)"):
        if find_chromium() is None:
            st.info(NO_CHROMIUM_MESSAGE)
            return
        keys = {k: h for k, h, _, _ in sections}
        a, b = st.columns([3, 1])
        which = a.selectbox("Chart", list(keys), format_func=keys.get, key=f"static_chart_{page}")
        fmt = b.selectbox("Format", ["png", "svg", "pdf"], key=f"static_fmt_{page}", format_func=str.upper)
        fig = next(f for k, _, f, _ in sections if k == which)
        mime = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}[fmt]
        st.download_button(
            f"Make and download {fmt.upper()}", data=lambda: static_image(fig, fmt),
            file_name=f"{file_stem(page, which, scenario)}.{fmt}", mime=mime, key=f"dl_static_{page}",
            on_click="ignore", icon=":material/image:",
        )
        st.caption("PNG at 3× resolution, 1400 px wide; rendered with kaleido. The first image takes a few seconds.")


def ask_before_long_work(seconds: float, limit: float, token: Any, warning: str, button: str, key: str) -> bool:
    """Whether to compute now: an estimate of at most ``limit`` seconds, or work the user approved.

    Above the limit the page shows ``warning`` (the estimate) and a Run button labelled
    ``button`` instead of computing; a click approves ``token`` (what the work is) for
    the session, so no combination of settings leaves a class waiting minutes without
    having asked for it.
    """
    if seconds <= limit:
        return True
    approved = st.session_state.setdefault("approved_work", set())
    if token in approved:
        return True
    st.warning(warning)
    if st.button(button, type="primary", key=key):
        approved.add(token)
        return True
    return False


def within_budget(seconds: float, scenario: Scenario, what: str, task: str) -> bool:
    """`ask_before_long_work` for fits of ``scenario`` estimated at ``seconds`` (limit `budget.FIT_BUDGET_SECONDS`)."""
    return ask_before_long_work(
        seconds, budget.FIT_BUDGET_SECONDS, (what, scenario.to_json()),
        f"{task} would take {budget.describe(seconds)} on this server. Fewer tasks, features or training "
        "samples, or a fixed strength instead of auto, make it quicker.",
        "Run it anyway", f"run_{what}",
    )


def compare_fits_within_budget(scenario: Scenario) -> bool:
    """`within_budget` for the Compare page's fits (STL, pooled, the sidebar's MTL model), which the
    Models page needs too (its STL view comes with them); one approval serves both pages."""
    return within_budget(budget.compare_seconds(scenario), scenario, "compare",
                         f"Fitting STL, pooled and {scenario.mtl_name} on these settings")


def preset_banner(scenario: Scenario) -> None:
    p = matching_preset(scenario)
    if p is not None:
        st.info(f"**Preset: {p.label}.** {p.lesson}", icon=":material/school:")
