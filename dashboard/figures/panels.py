"""Traces drawn in the plane of two features: the training and test points, the true and the learned boundaries.

Linear models draw a line (and a shaded half-plane), nonlinear ones a contour of
their decision function over the plane's grid.  Shared by the Compare page's
boundary and replay figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mtl_core import SharedHiddenMTL

from ..compute import CompareData
from .geometry import GRID, Plane, halfplane, segment
from .style import CLASS1_COLOR, TRUTH_COLOR, rgba, rounded


def plane_for(data: CompareData) -> Plane:
    ts = data.taskset
    center = np.mean(np.vstack(ts.X_train), axis=0)
    return Plane(data.scenario.x_feature, data.scenario.y_feature, center, ts.feature_names)


def is_linear_model(model: Any) -> bool:
    return not isinstance(model, SharedHiddenMTL)


def line_trace(xs, ys, color, width, dash, name, group, showlegend, xa, ya, hover, rank=500) -> dict:
    return dict(
        type="scatter", x=xs, y=ys, mode="lines", line=dict(color=color, width=width, dash=dash),
        name=name, legendgroup=group, showlegend=showlegend, xaxis=xa, yaxis=ya, legendrank=rank,
        hovertemplate=hover + "<extra></extra>",
    )


def contour_traces(z, grid, color, width, dash, name, group, showlegend, xa, ya, fill: bool, rank: int = 500) -> list[dict]:
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


def class_points(X, y, plane: Plane) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Rounded plane coordinates of the class-1 and the class-0 points."""
    px, py = plane.points(X)
    return tuple((rounded(px[y == cls]), rounded(py[y == cls])) for cls in (1, 0))


def points_traces(points, xa, ya, show_legend: bool, test: bool) -> list[dict]:
    """Class 1 as filled dark circles, class 0 as open circles; test points small and faint.

    ``points`` is `class_points` (computed once per task: the task's panels share it).
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


def truth_traces(data: CompareData, t: int, plane: Plane, xa, ya, showlegend: bool) -> list[dict]:
    ts = data.taskset
    if ts.true_coef is None:
        return []
    name = "true boundary"
    if data.scenario.family == "linear":
        xs, ys = segment(*plane.line(ts.true_coef[t], ts.true_intercept[t]))
        return [line_trace(xs, ys, TRUTH_COLOR, 2.2, "dash", name, "truth", showlegend, xa, ya, name, rank=200)]
    z = ts.true_score(plane.mesh(), t).reshape(GRID, GRID)
    return contour_traces(z, plane.grid, TRUTH_COLOR, 2.2, "dash", name, "truth", showlegend, xa, ya, fill=False, rank=200)


def model_traces(model, t, plane, color, name, xa, ya, showlegend, params=None, fill=True) -> list[dict]:
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
        out.append(line_trace(xs, ys, color, 3, "solid", name, name, showlegend, xa, ya, name))
        return out
    z = model.decision_function(plane.mesh(), t, params=params).reshape(GRID, GRID)
    return contour_traces(z, plane.grid, color, 3, "solid", name, name, showlegend, xa, ya, fill=fill)
