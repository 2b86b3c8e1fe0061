"""The Compare page's views of a scenario (its summary and its exact-fit figures), from the scenario alone.

Pure functions of a `Scenario` (no Streamlit), so that `dashboard.offload` can
run them in a worker process: with a class on one server, the fits and figure
building for a scenario nobody has seen yet then take another core, and the
server's own core (where every session's rerun holds the GIL) keeps answering.

Results are picklable: a `CompareSummary` (fits, table, captions, metrics,
and the first tab's figures as plain specs, `figures.RawFigure.spec`; its CSV
is made from the table where it is first asked for).
Each worker keeps small LRU caches of its task sets, fits and summaries, so
that changing only the MTL model refits only the MTL model; the server caches
the summaries and figures themselves for every session (`dashboard_ui.st_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import NamedTuple

from mtl_core import TaskSet

from . import compute, export
from .scenario import Scenario, TaskSpec

#: Scenario fields that only the gradient-descent training depends on.
TRAINING_FIELDS = ("learning_rate", "n_epochs")
#: Scenario fields that only change what the figures show.
VIEW_FIELDS = ("x_feature", "y_feature", "sweep_repeats")
_DEFAULTS = Scenario()


def without(scenario: Scenario, names: tuple[str, ...]) -> Scenario:
    """``scenario`` with ``names`` reset to their defaults (a cache key that ignores them)."""
    return scenario.replace(**{name: getattr(_DEFAULTS, name) for name in names})


def summary_key(scenario: Scenario) -> Scenario:
    """The scenario the summary depends on (training and view fields ignored)."""
    return without(scenario, TRAINING_FIELDS + VIEW_FIELDS)


def figure_key(scenario: Scenario) -> str:
    """Cache key of the figures drawn from the exact fits (training fields ignored)."""
    return without(scenario, TRAINING_FIELDS).to_json()


class Metric(NamedTuple):
    """One ``st.metric`` of the Compare page: ``st.metric(**metric._asdict())``."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"
    delta_arrow: str = "auto"


def delta_vs_stl(points: float) -> tuple[str, str, str]:
    """An accuracy difference vs STL, as ``st.metric``'s ``delta``, ``delta_color`` and ``delta_arrow``.

    Streamlit colours and points any string delta by its first character, so a
    difference that rounds to 0.0 would show a green up-arrow ("+0.0") or a red
    down-arrow ("-0.0"): it is written "±0.0", grey, without an arrow.

    Parameters
    ----------
    points : float
        The difference in accuracy points.

    Returns
    -------
    tuple of str
        ``(delta, delta_color, delta_arrow)``.
    """
    value = round(float(points), 1)
    if value == 0:
        return "±0.0 points vs STL", "off", "off"
    return f"{value:+.1f} points vs STL", "normal", "auto"


@dataclass(frozen=True)
class CompareSummary:
    """The Compare page above the charts: exact fits, captions, metrics, the CSV."""

    data: compute.CompareData  # without gradient-descent runs; its scenario is `summary_key(...)`
    sentences: tuple[str, ...]
    metrics: tuple[Metric, ...]
    bayes: str
    #: Figures built with the summary: ``(name, figure_key(scenario), tasks) -> spec`` (None: does not apply).
    figure_specs: dict = field(default_factory=dict)

    @cached_property
    def csv(self) -> str:
        """The results table as CSV ("" without results), made when first asked: only the export tab shows it."""
        return export.csv_text(self.data.table) if not self.data.table.empty else ""


@lru_cache(maxsize=8)
def taskset(spec: TaskSpec) -> TaskSet:
    return compute.make_taskset(spec)


@lru_cache(maxsize=48)
def exact_fit(spec: TaskSpec, role: str, mtl_key: tuple | None) -> compute.FitOutcome:
    return compute.fit_exact(taskset(spec), role, mtl_key)


def summarize(data: compute.CompareData) -> CompareSummary:
    """Captions and metrics of the exact fits in ``data`` (the CSV follows when asked)."""
    sentences = tuple(compute.notice(data)) if data.exact["stl"].ok and data.exact["mtl"].ok else ()
    metrics: list[Metric] = []
    bayes_text = "unknown"
    if data.accuracy is not None:
        names = data.accuracy.columns
        stl_mean = 100 * float(data.accuracy_of(compute.STL_NAME).mean()) if compute.STL_NAME in names else float("nan")
        for role in data.roles:
            name = data.name(role)
            mean = 100 * float(data.accuracy_of(name).mean())
            if name == compute.STL_NAME or stl_mean != stl_mean:
                metrics.append(Metric(name, f"{mean:.1f}%"))
            else:
                metrics.append(Metric(name, f"{mean:.1f}%", *delta_vs_stl(mean - stl_mean)))
        bayes = data.bayes()[0]
        bayes_text = f"{100 * bayes:.0f}%" if bayes == bayes else "unknown"
    return CompareSummary(data, sentences, tuple(metrics), bayes_text)


@lru_cache(maxsize=8)
def _summary(neutral: Scenario) -> CompareSummary:
    spec = neutral.task_spec()
    exact = {role: exact_fit(spec, role, neutral.mtl_key() if role == "mtl" else None) for role in compute.ROLES}
    return summarize(compute.assemble(neutral, taskset(spec), exact, {}))


def compare_summary(scenario: Scenario, prefetch: tuple[str, ...] = ()) -> CompareSummary:
    """The exact fits of the Compare page for ``scenario`` and everything derived from them.

    ``prefetch`` names figures (see `figure_spec`) to build in the same call, for
    ``scenario``'s view and the default tasks, into ``figure_specs``: the page draws
    them right after the summary, and in a worker process this spares a second job
    that, with a class queueing behind it, would find the fits evicted from this
    worker's caches. Raises the engine's ValueError for settings it refuses.
    """
    summary = _summary(summary_key(scenario))
    if not prefetch:
        return summary
    key = figure_key(scenario)
    return replace(summary, figure_specs={(name, key, None): figure_spec(name, scenario) for name in prefetch})


def figure_spec(name: str, scenario: Scenario, tasks: tuple[int, ...] | None = None) -> dict | None:
    """The spec of Compare figure ``name`` drawn from the exact fits (None if it does not apply).

    ``name`` is a key of `figures.COMPARE_FIGURES` outside `figures.TRAINING_FIGURES`.
    """
    from . import figures

    if name in figures.TRAINING_FIGURES:
        raise ValueError(f"{name!r} needs the gradient-descent runs; build it where they are.")
    scenario = without(scenario, TRAINING_FIELDS)  # as its cache key: the figure ignores them
    data = replace(compare_summary(scenario).data, scenario=scenario)
    fig = figures.COMPARE_FIGURES[name](data, None if tasks is None else list(tasks))
    return None if fig is None else fig.spec
