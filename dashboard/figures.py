"""Figure builders of the Compare page, and the style every figure of the app shares.

Every figure carries an explicit template (`TEMPLATE`), a title, axis titles
with units, a legend naming STL / the MTL variant / pooled, and the scenario in
its subtitle, so that a screenshot or an exported image explains itself.
Builders are pure: they take the fitted results (`dashboard.compute.CompareData`)
and return a ``plotly.graph_objects.Figure``.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go

from mtl_core import SharedHiddenMTL

from .compute import STL_NAME, CompareData, cosine_matrix, cosine_to_truth
from .scenario import Scenario

TEMPLATE = "plotly_white"
FONT = dict(family="Arial, Helvetica, sans-serif", size=14, color="#222")

#: One colour per role, used by every figure (colour-blind safe pair blue/orange, plus green).
ROLE_COLORS = {"stl": "#1f77b4", "mtl": "#e4570f", "pooled": "#2ca02c"}
TRUTH_COLOR = "#444444"
CLASS1_COLOR = "#222222"

#: Half-width of the square drawn around the data (features are standard normal).
VIEW = 3.0
GRID = 61
MAX_TEST_POINTS = 150
MAX_BOUNDARY_TASKS = 6
MAX_REPLAY_TASKS = 4
#: The replay's animation: at most this many frames (first and last epoch always in), and a
#: coarser grid for the nonlinear models' moving contours (every frame carries a whole grid).
MAX_REPLAY_FRAMES = 21
REPLAY_GRID = 31
#: Decimals sent to the browser for point coordinates and contour values: far below a
#: pixel at the figures' size, and about a third of the bytes of full float64 precision.
DECIMALS = 3

#: Diverging colours, negative red, zero white, positive blue (explicit: plotly.js and plotly.py
#: disagree on the direction of the named "RdBu").
DIVERGING = [[0.0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1.0, "#2166ac"]]


# ----------------------------------------------------------------------------- style helpers


def rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


_TEMPLATE_CACHE: dict = {}


def template_dict() -> dict:
    """The `TEMPLATE` as a plain dict.

    plotly.js only understands a template object (the name is resolved by
    plotly.py's validation, which `make_figure` skips), so every figure embeds
    it: exports then look exactly like the screen, whatever the default template.
    """
    if not _TEMPLATE_CACHE:
        import plotly.io as pio

        tpl = pio.templates[TEMPLATE].to_plotly_json()
        used = ("scatter", "bar", "heatmap", "contour")
        _TEMPLATE_CACHE.update(layout=tpl["layout"], data={k: v for k, v in tpl["data"].items() if k in used})
    return _TEMPLATE_CACHE  # shared, never modified


def wrap_lines(text: str, width: int = 125) -> str:
    """Break every ``<br>``-separated line of ``text`` at word boundaries (plotly never wraps titles)."""
    out = []
    for line in text.split("<br>"):
        words, current = line.split(" "), ""
        for w in words:
            if current and len(current) + 1 + len(w) > width:
                out.append(current)
                current = w
            else:
                current = f"{current} {w}" if current else w
        out.append(current)
    return "<br>".join(out)


def base_layout(title: str, subtitle: str, height: int, **extra: Any) -> dict:
    """Layout shared by all figures: template, fonts, title with subtitle, legend below the title."""
    subtitle = wrap_lines(subtitle)
    layout = dict(
        template=template_dict(),
        font=FONT,
        height=height,
        title=dict(
            text=f"<b>{title}</b>",
            subtitle=dict(text=subtitle, font=dict(size=13, color="#555")),
            x=0.01,
            xanchor="left",
            y=0.985,
            yanchor="top",
            yref="container",
            font=dict(size=19),
        ),
        margin=dict(t=125, l=70, r=40, b=70),
        legend=dict(
            orientation="h",
            x=0.0,
            xanchor="left",
            y=1.0,
            yanchor="bottom",
            yref="container",
            bgcolor="rgba(255,255,255,0)",
            font=dict(size=13),
        ),
        hoverlabel=dict(font_size=13),
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    layout.update(extra)
    return layout


def legend_below_title(layout: dict, y_px: int = 78) -> None:
    """Put the horizontal legend just below the (sub)title, ``y_px`` pixels from the top."""
    height = layout.get("height") or 500
    layout["legend"].update(yref="container", y=1 - y_px / height, yanchor="top")


def axis_name(index: int, kind: str) -> str:
    """Layout axis name of subplot ``index`` (1-based): "xaxis", "xaxis2", ..."""
    return f"{kind}axis" if index == 1 else f"{kind}axis{index}"


def axis_ref(index: int, kind: str) -> str:
    """Trace axis reference of subplot ``index``: "x", "x2", ..."""
    return kind if index == 1 else f"{kind}{index}"


class RawFigure(go.Figure):
    """A read-only plotly Figure kept as the plain dicts it was built from.

    plotly's figure objects validate and deep-copy every property, which costs
    tens of milliseconds per chart on every rerun (half a second for the
    replay's animation frames, which plotly validates even with
    ``_validate=False``).  The builders here write plain, valid dicts (the
    tests validate every figure with plotly and render them through plotly.js),
    so the figure keeps them and `to_dict` hands them out.  It subclasses
    ``go.Figure`` because Streamlit's ``st.plotly_chart`` and ``plotly.io``
    (``to_html`` / ``to_json`` / ``write_image``) take a Figure's `to_dict` as
    it is, but validate a plain dict again.

    It is read-only: the cached figures are shared by every session, and it
    never builds plotly's object tree, so plotly's own API (``update_layout``,
    ``add_trace``, ``.layout``, ``.data``, ...) raises a `TypeError` instead of
    acting on an empty figure.  Read it with `spec` or `to_dict`; edit a copy
    made by `validated`.
    """

    #: Instance attributes of plotly's figure state (set by its ``__init__``, which a
    #: RawFigure skips: about 1 ms per figure, for objects that nothing reads).
    _PLOTLY_STATE = frozenset(vars(go.Figure({"layout": {"template": {}}}, _validate=False)))

    def __init__(self, spec: dict):
        self._raw_spec = spec

    _READ_ONLY = (
        "RawFigure is read-only (its spec may be shared by every session): plotly's figure API "
        "(update_layout, add_trace, .layout, .data, fig[...], ...) is not available on it. Read it with "
        ".spec or .to_dict(); for an editable copy use .validated(), a regular plotly Figure."
    )

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes the instance lacks: plotly's state, which every
        # figure method other than `to_dict` reaches for.
        if name in RawFigure._PLOTLY_STATE:
            raise TypeError(RawFigure._READ_ONLY)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getitem__(self, prop: Any) -> Any:
        raise TypeError(RawFigure._READ_ONLY)  # plotly's would recast the error as a ValueError

    def __setitem__(self, prop: Any, value: Any) -> None:
        raise TypeError(RawFigure._READ_ONLY)

    def __reduce__(self) -> tuple:
        # plotly's version reads its grid state and adds it to the spec
        return (RawFigure, (self._raw_spec,))

    @property
    def spec(self) -> dict:
        """The plain ``data`` / ``layout`` / ``frames`` dict (the builder's own: do not modify it)."""
        return self._raw_spec

    def to_dict(self) -> dict:
        """A shallow copy of `spec` (what Streamlit and ``plotly.io`` read)."""
        return dict(self._raw_spec)

    def validated(self) -> go.Figure:
        """A regular, editable plotly Figure of the same spec (validates every property; raises if one is invalid)."""
        return go.Figure(copy.deepcopy(self._raw_spec))  # plotly reorders the keys of the traces it is given


def make_figure(data: list, layout: dict, frames: list | None = None) -> RawFigure:
    """The figure of plain ``data`` / ``layout`` / ``frames`` dicts (see `RawFigure`)."""
    spec = {"data": data, "layout": layout}
    if frames:
        spec["frames"] = frames
    return RawFigure(spec)


def grid_axes(
    rows: int,
    cols: int,
    hspace: float = 0.04,
    vspace: float = 0.06,
    row_heights: Sequence[float] | None = None,
    span_last_row: bool = False,
    right: float = 1.0,
) -> tuple[dict, list[tuple[int, int, int]]]:
    """Axes of a ``rows`` x ``cols`` grid (top-left first) as layout entries.

    Returns the layout dict (``xaxis``, ``yaxis2``, ...) and the cells as
    ``(index, row, col)`` with 1-based subplot ``index``.  With
    ``span_last_row`` the last row is one subplot spanning every column.
    """
    heights = np.asarray(row_heights if row_heights is not None else [1.0] * rows, dtype=float)
    heights = heights / heights.sum() * (1 - vspace * (rows - 1))
    width = (right - hspace * (cols - 1)) / cols
    layout: dict = {}
    cells = []
    top = 1.0
    idx = 0
    for r in range(rows):
        y1 = top
        y0 = top - heights[r]
        top = y0 - vspace
        ncols = 1 if (span_last_row and r == rows - 1) else cols
        for c in range(ncols):
            idx += 1
            if ncols == 1 and cols > 1:
                x0, x1 = 0.0, right
            else:
                x0 = c * (width + hspace)
                x1 = x0 + width
            layout[axis_name(idx, "x")] = dict(domain=[max(0.0, x0), min(1.0, x1)], anchor=axis_ref(idx, "y"))
            layout[axis_name(idx, "y")] = dict(domain=[max(0.0, y0), min(1.0, y1)], anchor=axis_ref(idx, "x"))
            cells.append((idx, r, c))
    return layout, cells


def domain_title(layout: dict, idx: int, text: str, size: int = 14, color: str = "#222") -> dict:
    """Annotation centred above subplot ``idx``."""
    xd = layout[axis_name(idx, "x")]["domain"]
    yd = layout[axis_name(idx, "y")]["domain"]
    return dict(text=text, x=(xd[0] + xd[1]) / 2, y=yd[1] + 0.005, xref="paper", yref="paper",
                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=size, color=color))


def row_title(layout: dict, idx: int, text: str, color: str) -> dict:
    """Rotated annotation to the right of subplot ``idx``."""
    xd = layout[axis_name(idx, "x")]["domain"]
    yd = layout[axis_name(idx, "y")]["domain"]
    return dict(text=f"<b>{text}</b>", x=xd[1] + 0.008, y=(yd[0] + yd[1]) / 2, xref="paper", yref="paper",
                xanchor="left", yanchor="middle", textangle=90, showarrow=False, font=dict(size=13, color=color))


def scenario_subtitle(scenario: Scenario, extra: str = "") -> str:
    text = scenario.summary()
    return f"{text}<br>{extra}" if extra else text


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# ----------------------------------------------------------------------------- geometry


def segment(a: float, b: float, c: float, lo: float = -VIEW, hi: float = VIEW) -> tuple[list, list]:
    """Part of the line ``a x + b y + c = 0`` inside the square [lo, hi]^2 (empty lists if none)."""
    pts: list[tuple[float, float]] = []
    eps = 1e-9 * (hi - lo)
    if abs(b) > 1e-12:
        for x in (lo, hi):
            y = -(a * x + c) / b
            if lo - eps <= y <= hi + eps:
                pts.append((x, min(max(y, lo), hi)))
    if abs(a) > 1e-12:
        for y in (lo, hi):
            x = -(b * y + c) / a
            if lo - eps <= x <= hi + eps:
                pts.append((min(max(x, lo), hi), y))
    if len(pts) < 2:
        return [], []
    best = max(
        ((p, q) for i, p in enumerate(pts) for q in pts[i + 1 :]),
        key=lambda pq: (pq[0][0] - pq[1][0]) ** 2 + (pq[0][1] - pq[1][1]) ** 2,
    )
    if best[0] == best[1]:
        return [], []
    return [best[0][0], best[1][0]], [best[0][1], best[1][1]]


def segments(a: np.ndarray, b: np.ndarray, c: np.ndarray, lo: float = -VIEW, hi: float = VIEW) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`segment` for many lines at once.

    Returns end points ``xs``, ``ys`` of shape (N, 2) and a mask of shape (N,)
    telling which lines cross the square.
    """
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
    eps = 1e-9 * (hi - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = np.array([lo, hi])
        # crossings with the vertical edges x = lo, hi and the horizontal edges y = lo, hi
        xv = np.broadcast_to(edge, a.shape + (2,))
        yv = -(a[:, None] * xv + c[:, None]) / b[:, None]
        yh = np.broadcast_to(edge, a.shape + (2,))
        xh = -(b[:, None] * yh + c[:, None]) / a[:, None]
    px = np.concatenate([xv, np.clip(xh, lo, hi)], axis=1)
    py = np.concatenate([np.clip(yv, lo, hi), yh], axis=1)
    ok = np.concatenate(
        [(np.abs(b) > 1e-12)[:, None] & (yv >= lo - eps) & (yv <= hi + eps),
         (np.abs(a) > 1e-12)[:, None] & (xh >= lo - eps) & (xh <= hi + eps)], axis=1)
    # the two valid crossings farthest apart along the line's direction (b, -a)
    t = px * b[:, None] - py * a[:, None]
    t_lo = np.where(ok, t, np.inf)
    t_hi = np.where(ok, t, -np.inf)
    i0, i1 = np.argmin(t_lo, axis=1), np.argmax(t_hi, axis=1)
    rows = np.arange(a.size)
    xs = np.stack([px[rows, i0], px[rows, i1]], axis=1)
    ys = np.stack([py[rows, i0], py[rows, i1]], axis=1)
    valid = (ok.sum(axis=1) >= 2) & (np.hypot(xs[:, 0] - xs[:, 1], ys[:, 0] - ys[:, 1]) > eps)
    return xs, ys, valid


def halfplane(a: float, b: float, c: float, lo: float = -VIEW, hi: float = VIEW) -> tuple[list, list]:
    """Polygon of the square [lo, hi]^2 where ``a x + b y + c > 0`` (closed; empty if none)."""
    square = [(lo, lo), (hi, lo), (hi, hi), (lo, hi)]
    f = lambda p: a * p[0] + b * p[1] + c  # noqa: E731
    out: list[tuple[float, float]] = []
    for i in range(4):
        p, q = square[i], square[(i + 1) % 4]
        fp, fq = f(p), f(q)
        if fp >= 0:
            out.append(p)
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    if len(out) < 3:
        return [], []
    xs = [p[0] for p in out] + [out[0][0]]
    ys = [p[1] for p in out] + [out[0][1]]
    return xs, ys


class Plane:
    """The 2-D plane of features ``i`` and ``j``; the other features fixed at ``center``."""

    def __init__(self, i: int, j: int, center: np.ndarray, names: Sequence[str]):
        self.i, self.j = int(i), int(j)
        self.center = np.asarray(center, dtype=float)
        self.d = self.center.size
        self.names = list(names)
        self.grid = np.linspace(-VIEW, VIEW, GRID)

    @property
    def is_full(self) -> bool:
        return self.d == 2

    def line(self, w: np.ndarray, b: float) -> tuple[float, float, float]:
        """Coefficients (a, b, c) of ``w . x + b`` restricted to the plane."""
        rest = [k for k in range(self.d) if k not in (self.i, self.j)]
        c = float(b) + float(np.dot(np.asarray(w)[rest], self.center[rest])) if rest else float(b)
        return float(w[self.i]), float(w[self.j]), c

    def lines(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`line` for many weight vectors: ``W`` of shape (N, d), ``b`` of shape (N,)."""
        W = np.asarray(W, dtype=float)
        rest = [k for k in range(self.d) if k not in (self.i, self.j)]
        c = np.asarray(b, dtype=float) + (W[:, rest] @ self.center[rest] if rest else 0.0)
        return W[:, self.i], W[:, self.j], c

    def points(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return X[:, self.i], X[:, self.j]

    def grid_of(self, n: int = GRID) -> np.ndarray:
        return self.grid if n == GRID else np.linspace(-VIEW, VIEW, n)

    def mesh(self, n: int = GRID) -> np.ndarray:
        grid = self.grid_of(n)
        xx, yy = np.meshgrid(grid, grid)
        X = np.tile(self.center, (xx.size, 1))
        X[:, self.i] = xx.ravel()
        X[:, self.j] = yy.ravel()
        return X

    def caption(self) -> str:
        if self.is_full:
            return ""
        return (
            f"Showing the plane of {self.names[self.i]} and {self.names[self.j]}; the other "
            f"{self.d - 2} feature{'s' if self.d > 3 else ''} fixed at {'their' if self.d > 3 else 'its'} mean; "
            "points are projected onto the plane."
        )


def plane_for(data: CompareData) -> Plane:
    ts = data.taskset
    center = np.mean(np.vstack(ts.X_train), axis=0)
    return Plane(data.scenario.x_feature, data.scenario.y_feature, center, ts.feature_names)


def is_linear_model(model: Any) -> bool:
    return not isinstance(model, SharedHiddenMTL)


def shown_tasks(data: CompareData, tasks: Sequence[int] | None, limit: int) -> list[int]:
    """0-based indices of the tasks to draw (at most ``limit``; default the first ones)."""
    T = data.taskset.n_tasks
    out = [int(t) for t in tasks if 0 <= int(t) < T] if tasks else []
    if out:
        return out[:limit]
    return default_tasks(T, limit, data.taskset.related)


def default_tasks(n_tasks: int, limit: int, related: Sequence[bool] | None = None) -> list[int]:
    """The first tasks; when not all fit and some are unrelated, the last slot shows an unrelated one."""
    if n_tasks <= limit:
        return list(range(n_tasks))
    if related is not None and not all(bool(r) for r in related):
        return list(range(limit - 1)) + [n_tasks - 1]
    return list(range(limit))


# ----------------------------------------------------------------------------- traces


def _line_trace(xs, ys, color, width, dash, name, group, showlegend, xa, ya, hover, rank=500) -> dict:
    return dict(
        type="scatter", x=xs, y=ys, mode="lines", line=dict(color=color, width=width, dash=dash),
        name=name, legendgroup=group, showlegend=showlegend, xaxis=xa, yaxis=ya, legendrank=rank,
        hovertemplate=hover + "<extra></extra>",
    )


def rounded(a: Any, decimals: int = DECIMALS) -> np.ndarray:
    """``a`` as floats rounded for display (see `DECIMALS`)."""
    return np.round(np.asarray(a, dtype=float), decimals)


def _contour_trace(z, grid, color, width, dash, name, group, showlegend, xa, ya, fill: bool, rank: int = 500) -> list[dict]:
    traces = []
    z = rounded(z)
    if fill:
        traces.append(
            dict(
                type="heatmap", x=grid, y=grid, z=(np.asarray(z) > 0).astype(float),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, rgba(color, 0.12)]], showscale=False,
                hoverinfo="skip", xaxis=xa, yaxis=ya, zmin=0, zmax=1,
            )
        )
    traces.append(
        dict(
            type="contour", x=grid, y=grid, z=z, showscale=False, hoverinfo="skip",
            contours=dict(start=0, end=0, size=1, coloring="lines"),
            line=dict(color=color, width=width, dash=dash, smoothing=0.8),
            colorscale=[[0, color], [1, color]], name=name, legendgroup=group, showlegend=showlegend,
            xaxis=xa, yaxis=ya, legendrank=rank,
        )
    )
    return traces


def _class_points(X, y, plane: Plane) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Rounded plane coordinates of the class-1 and the class-0 points."""
    px, py = plane.points(X)
    return tuple((rounded(px[y == cls]), rounded(py[y == cls])) for cls in (1, 0))


def _points_traces(points, xa, ya, show_legend: bool, test: bool) -> list[dict]:
    """Class 1 as filled dark circles, class 0 as open circles; test points small and faint.

    ``points`` is `_class_points` (computed once per task: the task's panels share it).
    """
    out = []
    for (x_cls, y_cls), cls, symbol, label in zip(points, (1, 0), ("circle", "circle-open"), ("class 1", "class 0")):
        out.append(
            dict(
                type="scatter", x=x_cls, y=y_cls, mode="markers", xaxis=xa, yaxis=ya,
                marker=dict(
                    symbol=symbol, color=CLASS1_COLOR, size=4 if test else 8, opacity=0.22 if test else 0.95,
                    line=dict(width=1 if test else 1.6, color=CLASS1_COLOR),
                ),
                name=("test points, " if test else "training points, ") + label,
                legendgroup=("test" if test else "train") + str(cls), showlegend=show_legend,
                legendrank=(300 if test else 100) + (0 if cls == 1 else 1),
                hoverinfo="skip" if test else None,
                hovertemplate=None if test else f"{label}<br>%{{x:.2f}}, %{{y:.2f}}<extra>training</extra>",
            )
        )
    return out


def _truth_traces(data: CompareData, t: int, plane: Plane, xa, ya, showlegend: bool) -> list[dict]:
    ts = data.taskset
    if ts.true_coef is None:
        return []
    name = "true boundary"
    if data.scenario.family == "linear":
        xs, ys = segment(*plane.line(ts.true_coef[t], ts.true_intercept[t]))
        return [_line_trace(xs, ys, TRUTH_COLOR, 2.2, "dash", name, "truth", showlegend, xa, ya, name, rank=200)]
    z = ts.true_score(plane.mesh(), t).reshape(GRID, GRID)
    return _contour_trace(z, plane.grid, TRUTH_COLOR, 2.2, "dash", name, "truth", showlegend, xa, ya, fill=False, rank=200)


def _model_traces(model, t, plane, color, name, xa, ya, showlegend, params=None, fill=True) -> list[dict]:
    """Boundary (and shaded class-1 side) of ``model`` for task ``t`` in the plane."""
    if is_linear_model(model):
        if params is None:
            w, b = model.coef_[t], model.intercept_[t]
        else:
            w, b = params
        a, bb, c = plane.line(w, b)
        out = []
        if fill:
            hx, hy = halfplane(a, bb, c)
            out.append(
                dict(
                    type="scatter", x=hx, y=hy, mode="lines", fill="toself", fillcolor=rgba(color, 0.10),
                    line=dict(width=0), hoverinfo="skip", showlegend=False, xaxis=xa, yaxis=ya,
                )
            )
        xs, ys = segment(a, bb, c)
        out.append(_line_trace(xs, ys, color, 3, "solid", name, name, showlegend, xa, ya, name))
        return out
    z = model.decision_function(plane.mesh(), t, params=params).reshape(GRID, GRID)
    return _contour_trace(z, plane.grid, color, 3, "solid", name, name, showlegend, xa, ya, fill=fill)


# ----------------------------------------------------------------------------- Compare figures

_PANEL_AXIS = dict(showgrid=False, zeroline=False, ticks="outside", dtick=1, mirror=True, showline=True,
                   linecolor="#999", range=[-VIEW, VIEW], constrain="domain", tickfont=dict(size=12))


def boundary_figure(data: CompareData, tasks: Sequence[int] | None = None) -> go.Figure:
    """Decision boundaries per task (columns) and model (rows) over the data.

    Training points filled/open by class, test points faint, the true boundary
    dashed, each panel's test accuracy (on all test points of the task) written in it.
    """
    sc = data.scenario
    roles = data.roles
    tasks = shown_tasks(data, tasks, MAX_BOUNDARY_TASKS)
    ts = data.taskset
    plane = plane_for(data)
    R, C = len(roles), len(tasks)
    row_of = {task: i for i, task in enumerate(data.accuracy.index)}
    axes, cells = grid_axes(R, C, hspace=0.02 if C > 3 else 0.04, vspace=0.035, right=0.975)
    traces: list[dict] = []
    annotations = []
    points = {}  # task -> its test and training points, shared by the task's panels
    for t in tasks:
        n_test = min(MAX_TEST_POINTS, len(ts.y_test[t]))
        points[t] = (_class_points(ts.X_test[t][:n_test], ts.y_test[t][:n_test], plane),
                     _class_points(ts.X_train[t], ts.y_train[t], plane))
    for idx, ri, ci in cells:
        role, t = roles[ri], tasks[ci]
        model = data.model(role)
        color = ROLE_COLORS[role]
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        first = idx == 1
        traces += _points_traces(points[t][0], xa, ya, first, True)
        traces += _model_traces(model, t, plane, color, f"{data.name(role)} boundary", xa, ya, ci == 0)
        traces += _truth_traces(data, t, plane, xa, ya, first)
        traces += _points_traces(points[t][1], xa, ya, first, False)
        a = float(data.accuracy_of(data.name(role))[row_of[t + 1]])
        annotations.append(
            dict(
                text=f"<b>{pct(a)}</b>", xref=f"{xa} domain", yref=f"{ya} domain", x=0.03, y=0.97,
                xanchor="left", yanchor="top", showarrow=False, font=dict(size=14, color=color),
                bgcolor="rgba(255,255,255,0.85)", bordercolor=color, borderwidth=1, borderpad=2,
            )
        )
        axes[axis_name(idx, "x")].update(_PANEL_AXIS, showticklabels=ri == R - 1)
        axes[axis_name(idx, "y")].update(_PANEL_AXIS, showticklabels=ci == 0, scaleanchor=xa)
        if ri == R - 1:
            axes[axis_name(idx, "x")]["title"] = dict(text=f"{ts.feature_names[plane.i]} (standard units)", font=dict(size=13))
        if ci == 0:
            axes[axis_name(idx, "y")]["title"] = dict(text=ts.feature_names[plane.j], font=dict(size=13))
        if ri == 0:
            annotations.append(domain_title(axes, idx, f"<b>{ts.task_names[t]}</b>"))
        if ci == C - 1:
            annotations.append(row_title(axes, idx, data.name(role), color))
    extra = "Boxed number: the panel's test accuracy (all test points). Shaded: where the model predicts class 1."
    if not plane.is_full:
        extra = plane.caption() + "<br>" + extra
    layout = base_layout(
        f"Decision boundaries: {' vs '.join(data.name(r) for r in roles)}",
        scenario_subtitle(sc, extra),
        height=int(175 + (230 if C > 3 else 290) * R) + (20 if not plane.is_full else 0),
        annotations=annotations,
        **axes,
    )
    layout["margin"] = dict(t=165 + (20 if not plane.is_full else 0), b=60, l=60, r=30)
    legend_below_title(layout, 100 + (20 if not plane.is_full else 0))
    return make_figure(traces, layout)


def accuracy_figure(data: CompareData) -> go.Figure:
    """Grouped bars of test accuracy per task and model, the MTL − STL gap above, the Bayes ceiling."""
    sc = data.scenario
    roles = data.roles
    ts = data.taskset
    names = list(data.accuracy.columns)
    acc = {name: 100 * data.accuracy_of(name) for name in names}
    labels = [
        f"task {t}" + ("" if ts.related[t - 1] else "<br>(unrelated)") + (f"<br>n={ts.n_train[t - 1]}" if sc.poor_task_n else "")
        for t in data.accuracy.index
    ]
    labels.append("<b>mean</b>")
    T = len(data.accuracy.index)
    show_text = T <= 8
    traces = []
    for role in roles:
        name = data.name(role)
        vals = [float(v) for v in acc[name]] + [float(acc[name].mean())]
        traces.append(
            dict(
                type="bar", x=labels, y=vals, name=name, marker=dict(color=ROLE_COLORS[role]),
                text=[f"{v:.0f}" for v in vals] if show_text else None, textposition="inside",
                insidetextanchor="end", textfont=dict(color="white", size=12),
                hovertemplate=f"{name}<br>%{{x}}: %{{y:.1f}}%<extra></extra>",
            )
        )
    bayes = data.bayes() * 100
    lo = max(0.0, min(50.0, float(np.nanmin(np.concatenate(list(acc.values())))) - 5))
    top = 108.0
    shapes, annotations = [], []
    if np.all(np.isfinite(bayes)):
        b = float(np.mean(bayes))
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=b, y1=b, line=dict(color="black", dash="dash", width=2)))
        traces.append(
            dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color="black", dash="dash", width=2),
                 name=f"Bayes ceiling ({b:.0f}%: best possible)")
        )
    mtl = data.name("mtl")
    if mtl in acc:
        diff = acc[mtl] - acc[STL_NAME]
        gaps = [float(g) for g in diff] + [float(diff.mean())]
        for x, g in zip(labels, gaps):
            color = "#1a7f37" if g > 0.05 else "#c62828" if g < -0.05 else "#555"
            annotations.append(
                dict(x=x, y=103.5, text=f"<b>{g:+.1f}</b>".replace("-", "−"), showarrow=False,
                     font=dict(color=color, size=14 if T <= 8 else 11))
            )
        annotations.append(
            dict(xref="paper", x=1.0, y=top, yanchor="top", xanchor="right", showarrow=False,
                 text=f"numbers on top: {mtl} − STL, in accuracy points", font=dict(size=12, color="#555"))
        )
    layout = base_layout(
        "Test accuracy per task",
        scenario_subtitle(sc, sc.model_summary() + "; STL and pooled: ridge strength chosen by cross-validation."),
        height=520, barmode="group", bargap=0.25, bargroupgap=0.05, shapes=shapes, annotations=annotations,
        yaxis=dict(title=dict(text="test accuracy (%)"), range=[lo, top], gridcolor="#eee", ticksuffix="%"),
        xaxis=dict(tickfont=dict(size=13), type="category"),
    )
    layout["margin"]["t"] = 150
    legend_below_title(layout, 98)
    return make_figure(traces, layout)


def _history_loss_at(model, epoch: int) -> float:
    h = model.history_
    k = int(np.searchsorted(np.asarray(h["iteration"]), epoch))
    return float(np.asarray(h["train_loss"])[min(k, len(h["train_loss"]) - 1)])


def loss_figure(data: CompareData) -> go.Figure:
    """Training and test loss per gradient-descent epoch, with the exact solver's optimum dashed."""
    sc = data.scenario
    traces = []
    for role in data.roles:
        color = ROLE_COLORS[role]
        name = data.name(role)
        outcome = data.gd.get(role)
        if outcome is not None and outcome.ok:
            h = outcome.model.history_
            traces.append(
                dict(type="scatter", x=h["iteration"], y=h["train_loss"], mode="lines", line=dict(color=color, width=3),
                     name=f"{name}: training loss", legendgroup=role,
                     hovertemplate=f"{name}<br>epoch %{{x}}<br>training loss %{{y:.4f}}<extra></extra>")
            )
            if "test_loss" in h:
                traces.append(
                    dict(type="scatter", x=h["iteration"], y=h["test_loss"], mode="lines",
                         line=dict(color=color, width=2, dash="dot"), name=f"{name}: test loss", legendgroup=role,
                         hovertemplate=f"{name}<br>epoch %{{x}}<br>test loss %{{y:.4f}}<extra></extra>")
                )
        level = float(np.asarray(data.exact[role].model.history_["train_loss"])[-1])
        traces.append(
            dict(type="scatter", x=[0, sc.n_epochs], y=[level, level], mode="lines",
                 line=dict(color=color, width=1.8, dash="dash"), name=f"{name}: exact solver's optimum",
                 legendgroup=role, hovertemplate=f"{name}<br>exact optimum: training loss %{{y:.4f}}<extra></extra>")
        )
    layout = base_layout(
        "Gradient-descent training: loss per epoch",
        scenario_subtitle(
            sc,
            f"Full-batch gradient descent, learning rate {sc.learning_rate:g}, at the strength the exact fit chose. "
            "Solid: training loss; dotted: test loss; dashed: the exact solver's training loss at its optimum.",
        ),
        height=540,
        xaxis=dict(title=dict(text="epoch"), range=[0, sc.n_epochs], gridcolor="#eee"),
        yaxis=dict(title=dict(text="mean log-loss per sample (nats)"), gridcolor="#eee"),
    )
    layout["margin"]["t"] = 185
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


def _snapshot_trace(model, s: int, t: int, plane: Plane, color: str, name: str, xa, ya, showlegend: bool,
                    lines: tuple | None = None) -> dict:
    """The boundary of task ``t`` at snapshot ``s`` as one trace (line, or contour for nonlinear models).

    ``lines`` are the precomputed `segments` of every snapshot of task ``t`` (linear models).
    """
    h = model.history_
    if is_linear_model(model):
        if lines is None:
            lines = _snapshot_lines(model, t, plane)
        xs, ys, ok = lines
        tr = dict(type="scatter", x=xs[s].tolist() if ok[s] else [], y=ys[s].tolist() if ok[s] else [], mode="lines",
                  line=dict(color=color, width=3), name=f"{name} boundary", legendgroup=name, showlegend=showlegend,
                  hoverinfo="skip")
    else:
        z = model.decision_function(plane.mesh(REPLAY_GRID), t, params=h["params"][s]).reshape(REPLAY_GRID, REPLAY_GRID)
        grid = plane.grid_of(REPLAY_GRID)
        tr = dict(type="contour", x=grid, y=grid, z=rounded(z), showscale=False, hoverinfo="skip",
                  contours=dict(start=0, end=0, size=1, coloring="lines"), line=dict(color=color, width=3),
                  colorscale=[[0, color], [1, color]], name=f"{name} boundary", legendgroup=name, showlegend=showlegend)
    if xa is not None:
        tr["xaxis"], tr["yaxis"] = xa, ya
    return tr


def _snapshot_lines(model, t: int, plane: Plane) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h = model.history_
    return segments(*plane.lines(np.asarray(h["coef"])[:, t, :], np.asarray(h["intercept"])[:, t]))


def replay_figure(data: CompareData, tasks: Sequence[int] | None = None) -> go.Figure | None:
    """Animated replay of gradient-descent training: boundaries per task and the loss markers move together.

    Returns None when no gradient-descent run succeeded.
    """
    sc = data.scenario
    roles = [r for r in data.roles if r in data.gd and data.gd[r].ok]
    if not roles:
        return None
    tasks = shown_tasks(data, tasks, MAX_REPLAY_TASKS)
    ts = data.taskset
    plane = plane_for(data)
    C = len(tasks)
    axes, cells = grid_axes(2, C, hspace=0.04, vspace=0.13, row_heights=[0.58, 0.42], span_last_row=True)
    loss_idx = C + 1
    traces: list[dict] = []
    annotations = []
    dynamic: list[tuple[int, str, int]] = []  # (trace index, role, task; -1 for the loss marker)
    all_epochs = [int(e) for e in np.asarray(data.gd[roles[0]].model.history_["epoch"])]
    # snapshot indices shown as frames: evenly spread, the first and the last always in
    shown = sorted({int(round(x)) for x in np.linspace(0, len(all_epochs) - 1, min(len(all_epochs), MAX_REPLAY_FRAMES))})
    epochs = [all_epochs[s] for s in shown]
    last = len(all_epochs) - 1  # the figure opens on the final epoch; Play replays from epoch 0
    cache: dict[tuple[str, int], tuple] = {}
    for ci, t in enumerate(tasks):
        idx = ci + 1
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        traces += _points_traces(_class_points(ts.X_train[t], ts.y_train[t], plane), xa, ya, ci == 0, False)
        traces += _truth_traces(data, t, plane, xa, ya, ci == 0)
        for role in roles:
            model = data.gd[role].model
            if is_linear_model(model):
                cache[(role, t)] = _snapshot_lines(model, t, plane)
            dynamic.append((len(traces), role, t))
            traces.append(_snapshot_trace(model, last, t, plane, ROLE_COLORS[role], data.name(role), xa, ya, ci == 0,
                                          cache.get((role, t))))
        axes[axis_name(idx, "x")].update(_PANEL_AXIS, title=dict(text=ts.feature_names[plane.i], font=dict(size=12)))
        axes[axis_name(idx, "y")].update(_PANEL_AXIS, scaleanchor=xa, showticklabels=ci == 0,
                                          title=dict(text=ts.feature_names[plane.j] if ci == 0 else "", font=dict(size=12)))
        annotations.append(domain_title(axes, idx, f"<b>{ts.task_names[t]}</b>"))
    lx, ly = axis_ref(loss_idx, "x"), axis_ref(loss_idx, "y")
    for role in roles:
        h = data.gd[role].model.history_
        color = ROLE_COLORS[role]
        traces.append(
            dict(type="scatter", x=h["iteration"], y=h["train_loss"], mode="lines", line=dict(color=color, width=2.5),
                 name=f"{data.name(role)} training loss", showlegend=False, xaxis=lx, yaxis=ly,
                 hovertemplate="epoch %{x}<br>training loss %{y:.4f}<extra></extra>")
        )
        level = float(np.asarray(data.exact[role].model.history_["train_loss"])[-1])
        traces.append(
            dict(type="scatter", x=[0, sc.n_epochs], y=[level, level], mode="lines",
                 line=dict(color=color, width=1.5, dash="dash"), showlegend=False, xaxis=lx, yaxis=ly, hoverinfo="skip")
        )
    for role in roles:
        model = data.gd[role].model
        dynamic.append((len(traces), role, -1))
        traces.append(
            dict(type="scatter", x=[all_epochs[last]], y=[_history_loss_at(model, all_epochs[last])], mode="markers",
                 marker=dict(color=ROLE_COLORS[role], size=13, line=dict(color="white", width=2)),
                 showlegend=False, xaxis=lx, yaxis=ly, hovertemplate="epoch %{x}<br>training loss %{y:.4f}<extra></extra>")
        )
    axes[axis_name(loss_idx, "x")].update(title=dict(text="epoch", standoff=4), range=[0, sc.n_epochs], gridcolor="#eee")
    axes[axis_name(loss_idx, "y")].update(title=dict(text="training loss (nats)"), gridcolor="#eee")

    losses = {}
    for role in roles:
        h = data.gd[role].model.history_
        it = np.asarray(h["iteration"])
        k = np.minimum(np.searchsorted(it, epochs), len(it) - 1)
        losses[role] = np.asarray(h["train_loss"])[k]
    frames = []
    for fi, (s, epoch) in enumerate(zip(shown, epochs)):
        frame_data, frame_idx = [], []
        for ti, role, t in dynamic:
            model = data.gd[role].model
            if t >= 0:
                frame_data.append(_snapshot_trace(model, s, t, plane, ROLE_COLORS[role], data.name(role), None, None, False,
                                                  cache.get((role, t))))
            else:
                frame_data.append(dict(type="scatter", x=[epoch], y=[float(losses[role][fi])]))
            frame_idx.append(ti)
        frames.append(dict(data=frame_data, traces=frame_idx, name=str(epoch)))
    steps = [
        dict(method="animate", label=str(e),
             args=[[str(e)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))])
        for e in epochs
    ]
    layout = base_layout(
        "Replay of gradient-descent training",
        scenario_subtitle(sc, ("" if plane.is_full else plane.caption() + "<br>")
                          + "Shown: the last epoch. Press ▶ Play or drag the epoch slider: the boundaries and the loss markers move together."),
        height=760,
        annotations=annotations,
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, xanchor="left", y=-0.085, yanchor="top", pad=dict(t=0, r=10),
            showactive=False,
            buttons=[
                dict(label="▶ Play", method="animate",
                     args=[None, dict(frame=dict(duration=150, redraw=True), transition=dict(duration=0),
                                      fromcurrent=False, mode="immediate")]),
                dict(label="❚❚ Pause", method="animate",
                     args=[[None], dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")]),
            ],
        )],
        sliders=[dict(
            active=len(steps) - 1, steps=steps, x=0.2, len=0.8, y=-0.07, yanchor="top", pad=dict(t=0, b=0),
            currentvalue=dict(prefix="epoch ", font=dict(size=14, color="#222"), xanchor="left"), transition=dict(duration=0),
            ticklen=0, font=dict(size=1, color="rgba(0,0,0,0)"),
        )],
        **axes,
    )
    extra = 0 if plane.is_full else 20
    layout["margin"].update(t=150 + extra, b=120)
    legend_below_title(layout, 100 + extra)
    return make_figure(traces, layout, frames)


def weights_arrow_figure(data: CompareData, tasks: Sequence[int] | None = None) -> go.Figure | None:
    """True vs learned weight directions as arrows, one panel per task (linear family).

    With 2 features each arrow is the weight vector scaled to length 1; with more,
    it is the part of the weight vector on the two plotted features, scaled by the
    whole vector's length (a short arrow: the weights lie mostly off this plane).
    """
    ts = data.taskset
    sc = data.scenario
    if sc.family != "linear" or ts.true_coef is None:
        return None
    fx, fy = (0, 1) if ts.n_features == 2 else (int(sc.x_feature), int(sc.y_feature))
    planar = ts.n_features == 2
    tasks = shown_tasks(data, tasks, MAX_BOUNDARY_TASKS)
    C = len(tasks)
    axes, cells = grid_axes(1, C, hspace=0.03)
    series = [(data.name(r), ROLE_COLORS[r], data.model(r).coef_) for r in data.roles if is_linear_model(data.model(r))]
    series.append(("true", TRUTH_COLOR, ts.true_coef))
    traces, annotations = [], []
    for idx, _, ci in cells:
        t = tasks[ci]
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        for si, (name, color, W) in enumerate(series):
            w = np.asarray(W[t], dtype=float)
            n = float(np.linalg.norm(w))
            u = w[[fx, fy]] / n if n > 1e-12 else np.zeros(2)
            traces.append(
                dict(type="scatter", x=[0.0, float(u[0])], y=[0.0, float(u[1])], mode="lines+markers", xaxis=xa, yaxis=ya,
                     line=dict(color=color, width=3, dash="dash" if name == "true" else "solid"),
                     marker=dict(symbol=["circle", "arrow"], size=[0, 16], angleref="previous", color=color),
                     name=f"{name} weights", legendgroup=name, showlegend=ci == 0,
                     hovertemplate=f"{name}<br>direction (%{{x:.2f}}, %{{y:.2f}})<br>length before scaling {n:.2f}<extra></extra>")
            )
        common = dict(range=[-1.15, 1.15], zeroline=True, zerolinecolor="#ccc", showgrid=False, constrain="domain",
                      dtick=0.5, tickfont=dict(size=11))
        axes[axis_name(idx, "x")].update(common, title=dict(text=f"weight on {ts.feature_names[fx]}", font=dict(size=12)))
        axes[axis_name(idx, "y")].update(common, scaleanchor=xa, showticklabels=ci == 0,
                                          title=dict(text=f"weight on {ts.feature_names[fy]}" if ci == 0 else "", font=dict(size=12)))
        annotations.append(domain_title(axes, idx, f"<b>{ts.task_names[t]}</b>"))
    layout = base_layout(
        "Task weights: true vs learned directions",
        scenario_subtitle(sc, "Each arrow is a task's weight vector scaled to length 1 (the task's boundary is perpendicular to it)."
                          if planar else
                          f"Each arrow is a task's weights on {ts.feature_names[fx]} and {ts.feature_names[fy]}, divided by the "
                          f"length of all {ts.n_features} weights: a short arrow points mostly into the other features."),
        height=470, annotations=annotations, **axes,
    )
    layout["margin"]["t"] = 165
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


def cosine_figure(data: CompareData) -> go.Figure:
    """Cosine similarity between the tasks' weight vectors: true, STL, MTL; and learned-vs-true per task."""
    ts = data.taskset
    sc = data.scenario
    T = ts.n_tasks
    mats = []
    if ts.true_coef is not None:
        mats.append(("true weights", cosine_matrix(ts.true_coef)))
    roles = [r for r in data.roles if r != "pooled"]
    for r in roles:
        mats.append((data.name(r), cosine_matrix(data.model(r).coef_)))
    recovery = sc.family == "linear" and ts.true_coef is not None
    cols = len(mats) + (1 if recovery else 0)
    axes, cells = grid_axes(1, cols, hspace=0.07, right=0.97)
    ticks = [str(t + 1) for t in range(T)]
    show_text = T <= 8
    traces, annotations = [], []
    last_heat = len(mats)
    bar_x = axes[axis_name(last_heat, "x")]["domain"][1]
    for ci, (name, M) in enumerate(mats):
        idx = ci + 1
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        traces.append(
            dict(type="heatmap", z=M, x=ticks, y=ticks, zmin=-1, zmax=1, colorscale=DIVERGING, xaxis=xa, yaxis=ya,
                 showscale=ci == 0,
                 colorbar=dict(title=dict(text="cosine similarity", side="top"), orientation="h", len=min(0.5, bar_x * 0.7),
                               x=bar_x / 2, xanchor="center", y=-0.3, yanchor="top", thickness=12),
                 text=np.round(M, 2) if show_text else None, texttemplate="%{text:.2f}" if show_text else None,
                 textfont=dict(size=11), hovertemplate=f"{name}<br>task %{{y}} vs task %{{x}}: %{{z:.2f}}<extra></extra>")
        )
        axes[axis_name(idx, "x")].update(title=dict(text="task"), tickfont=dict(size=11), constrain="domain", type="category")
        axes[axis_name(idx, "y")].update(title=dict(text="task" if ci == 0 else ""), autorange="reversed", scaleanchor=xa,
                                          constrain="domain", tickfont=dict(size=11), type="category")
        annotations.append(domain_title(axes, idx, f"<b>{name}</b>"))
    if recovery:
        idx = cols
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        lows = []
        for r in roles:
            cos = cosine_to_truth(data.model(r).coef_, ts.true_coef)
            lows.append(float(np.min(cos)))
            traces.append(
                dict(type="bar", x=ticks, y=cos, name=f"{data.name(r)}: learned vs true", marker=dict(color=ROLE_COLORS[r]),
                     xaxis=xa, yaxis=ya, hovertemplate=f"{data.name(r)}<br>task %{{x}}: cosine %{{y:.3f}}<extra></extra>")
            )
        dom = axes[axis_name(idx, "x")]["domain"]
        axes[axis_name(idx, "x")].update(title=dict(text="task"), type="category", domain=[bar_x + 0.08, dom[1]])
        axes[axis_name(idx, "y")].update(title=dict(text="cosine(learned, true)"), range=[min(-0.05, min(lows) - 0.05), 1.05],
                                          gridcolor="#eee")
        annotations.append(domain_title(axes, idx, "<b>learned vs true, per task</b>"))
    layout = base_layout(
        "How similar are the tasks' weight vectors?",
        scenario_subtitle(
            sc,
            "Cosine similarity between every pair of tasks (1: same direction, 0: unrelated, −1: opposite)."
            + (" The nonlinear family's true weights act on the shared hidden features." if sc.family == "nonlinear" else ""),
        ),
        height=540, barmode="group", annotations=annotations, **axes,
    )
    layout["margin"].update(t=170, b=130)
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


#: Figures of the Compare page by file-name-friendly key, in page order: ``builder(data, tasks)``
#: (None when the figure does not apply, e.g. weight arrows with more than 2 features).
COMPARE_FIGURES: dict[str, Any] = {
    "boundaries": boundary_figure,
    "accuracy": lambda data, tasks=None: accuracy_figure(data),
    "loss": lambda data, tasks=None: loss_figure(data),
    "replay": replay_figure,
    "weights": weights_arrow_figure,
    "similarity": lambda data, tasks=None: cosine_figure(data),
}
#: The figures drawn from the gradient-descent runs (``data.gd``); the others need only the exact fits.
TRAINING_FIGURES = ("loss", "replay")
#: The figures that draw a choice of tasks (the others ignore ``tasks``).
TASK_CHOICE_FIGURES = ("boundaries", "replay", "weights")


def compare_figures(data: CompareData, tasks: Sequence[int] | None = None, replay: bool = True) -> dict[str, RawFigure]:
    """All figures of the Compare page, by a file-name-friendly key (None entries dropped)."""
    figs = {name: build(data, tasks) for name, build in COMPARE_FIGURES.items() if replay or name != "replay"}
    return {k: v for k, v in figs.items() if v is not None}
