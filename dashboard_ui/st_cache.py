"""Bounded Streamlit caches around the pure computations (the only Streamlit-aware compute module).

The scenario's frozen specs (`Scenario.task_spec()`, `Scenario.mtl_key()`)
travel unchanged into the cached functions; each cache is keyed on one string
made from them (Streamlit hashes a string much faster than nested objects) and
takes the spec itself as an unhashed ``_`` argument, so nothing is encoded and
decoded on the way.  Fits are cached one by one, so changing only the MTL model
refits only the MTL model, and changing only the learning rate re-runs only the
gradient-descent training.  The Models page takes the Compare page's fits of
the scenario's own models from the shared summary instead of fitting them again.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Callable

import pandas as pd
import streamlit as st

from mtl_core import TaskSet

from dashboard import compute, offload, sweeps, views
from dashboard.scenario import Scenario, TaskSpec

TTL = 60 * 60  # seconds
_BASELINE_KEY = None  # STL and pooled do not depend on the MTL choice


def _key(*parts: Any) -> str:
    """One string for a cache key: the frozen specs' repr (deterministic for their plain fields)."""
    return repr(parts)


@st.cache_data(max_entries=48, ttl=TTL, show_spinner=False)
def _taskset(key: str, _spec: TaskSpec) -> TaskSet:
    return compute.make_taskset(_spec)


def taskset(spec: TaskSpec) -> TaskSet:
    return _taskset(_key(spec), spec)


@st.cache_data(max_entries=160, ttl=TTL, show_spinner=False)
def _exact_fit(key: str, _spec: TaskSpec, role: str, _mtl_key: tuple | None) -> compute.FitOutcome:
    return compute.fit_exact(taskset(_spec), role, _mtl_key)


def exact_fit(spec: TaskSpec, role: str, mtl_key: tuple | None) -> compute.FitOutcome:
    return _exact_fit(_key(spec, role, mtl_key), spec, role, mtl_key)


@st.cache_data(max_entries=160, ttl=TTL, show_spinner=False)
def _gd_fit(key: str, _spec: TaskSpec, role: str, _mtl_key: tuple | None, strength: float, lr: float,
            epochs: int) -> compute.FitOutcome:
    return compute.fit_gd(taskset(_spec), role, _mtl_key, strength, lr, epochs)


def gd_fit(spec: TaskSpec, role: str, mtl_key: tuple | None, strength: float, lr: float, epochs: int) -> compute.FitOutcome:
    return _gd_fit(_key(spec, role, mtl_key), spec, role, mtl_key, float(strength), float(lr), int(epochs))


def _role_key(scenario: Scenario, role: str) -> tuple | None:
    return scenario.mtl_key() if role == "mtl" else _BASELINE_KEY


# ----------------------------------------------------------------------------- whole-page views
#
# Shared by every session: ``st.cache_resource`` hands out the same object without copying
# (``st.cache_data`` would unpickle the models, table and figures on every rerun).  Treat the
# returned objects as read-only.  A rerun with a scenario any student has already seen does no
# table, caption or figure building at all; only Streamlit's own serialization remains.
#
# A scenario nobody has seen yet is computed by `dashboard.views` in a worker process
# (`dashboard.offload`): the fits and figures then take another core while this process keeps
# serving the other sessions' reruns.
#
# Each view is keyed on the scenario fields it depends on: the summary and the figures drawn from
# the exact fits ignore the gradient-descent settings (learning rate, epochs), so moving those
# sliders refits nothing unless the training tab is open.

VIEW_ENTRIES = 64  # about 0.3 MB each for linear scenarios, a few MB for nonlinear ones


def _scenario_key(scenario: Scenario) -> str:
    return scenario.to_json()


#: Figures of the Compare page's first tab, built with the summary (one worker job per new scenario).
PREFETCH = ("boundaries", "accuracy")
_MISSING = object()


def _session_moved_on() -> bool:
    """Whether this script run has been asked to stop or rerun (a new slider value, another page, a closed tab)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    requests = getattr(ctx, "script_requests", None)
    # Streamlit has no public test for a pending request (it acts on one at the next st call);
    # its request state is the only sign. Without it, jobs are simply waited for.
    state = getattr(requests, "_state", None)
    return state is not None and getattr(state, "name", "CONTINUE") != "CONTINUE"


def _offloaded(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` in a worker process, dropped as soon as this session moves on or leaves."""
    return offload.shared().run(func, *args, cancelled=_session_moved_on)


def _give_way() -> None:
    """After `offload.JobCancelled`: let Streamlit act on the session's pending rerun or stop."""
    st.empty()  # any element: Streamlit raises its rerun (or stop) here
    raise RuntimeError("The computation was interrupted; change a setting to try again.")


@st.cache_resource(max_entries=VIEW_ENTRIES, ttl=TTL, show_spinner=False)
def _compare_summary(key: str, _scenario: Scenario) -> views.CompareSummary:
    return _offloaded(views.compare_summary, _scenario, PREFETCH)


def compare_summary(scenario: Scenario) -> views.CompareSummary:
    """The exact fits of the Compare page and everything derived from them, shared by all sessions."""
    try:
        return _compare_summary(_scenario_key(views.summary_key(scenario)), scenario)
    except offload.JobCancelled:
        _give_way()


@st.cache_resource(max_entries=VIEW_ENTRIES, ttl=TTL, show_spinner=False)
def _trained_data(key: str, _scenario: Scenario) -> compute.CompareData:
    data = compare_summary(_scenario).data
    gd = {
        role: gd_fit(
            _scenario.task_spec(), role, _role_key(_scenario, role), compute.chosen_strength(data.exact[role].model),
            float(_scenario.learning_rate), int(_scenario.n_epochs),
        )
        for role in compute.ROLES
        if data.exact[role].ok
    }
    return replace(data, scenario=_scenario, gd=gd)


def view_data(scenario: Scenario, training: bool = False) -> compute.CompareData:
    """`compare_summary`'s data for drawing ``scenario``; with the gradient-descent runs if ``training``."""
    if training:
        keyed = views.without(scenario, views.VIEW_FIELDS)
        return replace(_trained_data(_scenario_key(keyed), keyed), scenario=scenario)
    return replace(compare_summary(scenario).data, scenario=scenario)


@st.cache_resource(max_entries=3 * VIEW_ENTRIES, ttl=TTL, show_spinner=False)
def _compare_figure(name: str, key: str, tasks: tuple[int, ...] | None, _scenario: Scenario) -> Any:
    from dashboard import figures

    if name in figures.TRAINING_FIGURES:
        return figures.COMPARE_FIGURES[name](view_data(_scenario, training=True), None if tasks is None else list(tasks))
    spec = compare_summary(_scenario).figure_specs.get((name, key, tasks), _MISSING)
    if spec is _MISSING:
        spec = _offloaded(views.figure_spec, name, _scenario, tasks)
    return None if spec is None else figures.RawFigure(spec)


def compare_figure(scenario: Scenario, name: str, tasks: list[int] | None = None) -> Any:
    """One figure of the Compare page (``figures.COMPARE_FIGURES[name]``; None if it does not apply).

    Built once per relevant scenario and task choice for all sessions; the figures
    drawn from the exact fits do not depend on the gradient-descent settings.
    """
    from dashboard import figures

    training = name in figures.TRAINING_FIGURES
    chosen = None if tasks is None or name not in figures.TASK_CHOICE_FIGURES else tuple(int(t) for t in tasks)
    if chosen is not None and not training:
        ts = compare_summary(scenario).data.taskset
        if list(chosen) == figures.default_tasks(ts.n_tasks, figures.MAX_BOUNDARY_TASKS, ts.related):
            chosen = None  # the default choice draws the same figure (and finds the prefetched one)
    key = _scenario_key(scenario) if training else views.figure_key(scenario)
    try:
        return _compare_figure(name, key, chosen, scenario)
    except offload.JobCancelled:
        _give_way()


def compare_figures(scenario: Scenario, tasks: list[int] | None = None) -> dict[str, Any]:
    """Every figure of the Compare page (for the report), None entries dropped."""
    from dashboard import figures

    figs = {name: compare_figure(scenario, name, tasks) for name in figures.COMPARE_FIGURES}
    return {k: v for k, v in figs.items() if v is not None}


def structure_fit(scenario: Scenario, model_key: str, strength: float | None) -> compute.FitOutcome:
    """Fit of one MTL formulation for the Models page: the scenario's own is the Compare page's fit."""
    if model_key == scenario.model and strength == scenario.strength:
        return compare_summary(scenario).data.exact["mtl"]
    return exact_fit(scenario.task_spec(), "mtl", scenario.replace(model=model_key, strength=strength).mtl_key())


def stl_fit(scenario: Scenario) -> compute.FitOutcome:
    """STL's fit on the scenario's tasks: the Compare page's."""
    return compare_summary(scenario).data.exact["stl"]


@st.cache_data(max_entries=12, ttl=TTL, show_spinner=False)
def sweep_summary(spec: sweeps.SweepSpec, _progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    return sweeps.run_sweep(spec, progress=_progress)


@st.cache_data(max_entries=12, ttl=TTL, show_spinner=False)
def _lambda_path(key: str, _spec: TaskSpec, repeats: int, _progress: Callable[[int, int], None] | None = None) -> Any:
    return sweeps.run_lambda_path(_spec, repeats=repeats, progress=_progress)


def lambda_path(spec: TaskSpec, repeats: int, _progress: Callable[[int, int], None] | None = None) -> Any:
    return _lambda_path(_key(spec), spec, repeats, _progress=_progress)


class ProgressCounter:
    """Progress reported by a computation running in a worker thread (read by the script thread)."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = int(done), int(total)


def with_progress(label: str, func: Callable[..., Any], *args: Any) -> Any:
    """Run the cached ``func(*args, _progress=counter)`` in a worker thread and show a progress bar.

    The bar is drawn by the script thread (never inside the cached function, so
    cache replay stays clean) and only when the function actually computes: a
    cache hit returns at once without any bar.
    """
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    counter = ProgressCounter()
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = func(*args, _progress=counter)
        except BaseException as exc:  # re-raised in the script thread
            result["error"] = exc

    worker = threading.Thread(target=target, name="mtl-progress", daemon=True)
    ctx = get_script_run_ctx()
    if ctx is not None:
        add_script_run_ctx(worker, ctx)
    worker.start()
    placeholder = st.empty()
    bar = None
    while worker.is_alive():
        worker.join(0.1)
        if counter.total and worker.is_alive():
            frac = min(1.0, counter.done / counter.total)
            text = f"{label}: {counter.done} of {counter.total} fits"
            if bar is None:
                bar = placeholder.progress(frac, text=text)
            else:
                bar.progress(frac, text=text)
    placeholder.empty()
    if "error" in result:
        raise result["error"]
    return result["value"]
