"""Structure views of the Models page: what each MTL formulation shares, on the current scenario."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import plotly.graph_objects as go

from mtl_core import TaskSet

from ..scenario import Scenario
from .geometry import VIEW, segment
from .raw import make_figure
from .style import DIVERGING, ROLE_COLORS, TRUTH_COLOR, base_layout, domain_title, grid_axes, legend_below_title

TASK_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                "#9c755f", "#bab0ac", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]


def _title(key_title: str) -> str:
    return f"Structure of {key_title}"


def _sub(scenario: Scenario, strength_text: str, what: str) -> str:
    return f"{scenario.summary()}<br>{strength_text}. {what}"


def _heat(z, x, y, xa, ya, showscale: bool, title: str, zmax: float | None = None, bar_x: float = 1.0, fmt: str = ".2f") -> dict:
    z = np.asarray(z, dtype=float)
    m = float(np.max(np.abs(z))) if zmax is None else zmax
    m = m if m > 1e-12 else 1.0
    small = z.size <= 80
    return dict(type="heatmap", z=z, x=x, y=y, xaxis=xa, yaxis=ya, colorscale=DIVERGING, zmin=-m, zmax=m,
                showscale=showscale, xgap=1, ygap=1,
                colorbar=dict(title=dict(text=title, side="right"), x=bar_x, xanchor="left", len=0.75, thickness=12, y=0.45),
                text=np.round(z, 2) if small else None, texttemplate=f"%{{text:{fmt}}}" if small else None,
                textfont=dict(size=11), hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>")


def mean_regularized_figure(model: Any, ts: TaskSet, scenario: Scenario, strength_text: str) -> go.Figure:
    """w0 and the task weights w_t = w0 + v_t (heatmap), and the offset sizes ||v_t|| (bars)."""
    w0 = np.asarray(model.shared_coef_)
    V = np.asarray(model.offsets_)
    W = w0[None, :] + V
    rows = ["w₀ (shared)"] + [f"task {t + 1}" + ("" if ts.related[t] else " (unrelated)") for t in range(ts.n_tasks)]
    axes, cells = grid_axes(1, 2, hspace=0.16, right=0.97)
    traces = [_heat(np.vstack([w0, W]), ts.feature_names, rows, "x", "y", True, "weight",
                    bar_x=axes["xaxis"]["domain"][1] + 0.005)]
    norms = np.linalg.norm(V, axis=1)
    colors = [ROLE_COLORS["mtl"] if ts.related[t] else "#999" for t in range(ts.n_tasks)]
    traces.append(dict(type="bar", x=[f"task {t + 1}" for t in range(ts.n_tasks)], y=norms, marker=dict(color=colors),
                       xaxis="x2", yaxis="y2", name="offset size ‖v_t‖ (grey: unrelated task)",
                       hovertemplate="%{x}: ‖v_t‖ = %{y:.3f}<extra></extra>"))
    n0 = float(np.linalg.norm(w0))
    traces.append(dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color="black", dash="dash"),
                       name=f"size of the shared part ‖w₀‖ = {n0:.2f}"))
    shapes = [dict(type="line", xref="x2 domain", x0=0, x1=1, yref="y2", y0=n0, y1=n0, line=dict(color="black", dash="dash"))]
    axes["xaxis"].update(title=dict(text="feature"), type="category")
    axes["yaxis"].update(autorange="reversed", type="category", automargin=True)
    axes["xaxis2"].update(title=dict(text="task"), type="category")
    axes["yaxis2"].update(title=dict(text="offset size ‖v_t‖"), gridcolor="#eee", rangemode="tozero")
    annotations = [domain_title(axes, 1, "<b>shared vector and task weights</b>"), domain_title(axes, 2, "<b>task offsets from the shared vector</b>")]
    layout = base_layout(_title("mean-regularized MTL"), _sub(scenario, strength_text, "Task weights are the shared vector plus an offset."),
                         height=max(420, 200 + 26 * (ts.n_tasks + 1)), annotations=annotations, shapes=shapes, **axes)
    layout["margin"]["t"] = 165
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


def low_rank_figure(model: Any, stl: Any, ts: TaskSet, scenario: Scenario, strength_text: str) -> go.Figure:
    """Singular values of W: low-rank MTL vs STL."""
    s_mtl = np.asarray(model.singular_values_)
    s_stl = np.linalg.svd(np.asarray(stl.coef_), compute_uv=False) if stl is not None else None
    x = [f"σ{i + 1}" for i in range(s_mtl.size)]
    traces = []
    if s_stl is not None:
        traces.append(dict(type="bar", x=x, y=s_stl, name="STL", marker=dict(color=ROLE_COLORS["stl"]),
                           hovertemplate="STL %{x} = %{y:.3f}<extra></extra>"))
    traces.append(dict(type="bar", x=x, y=s_mtl, name="MTL (low-rank)", marker=dict(color=ROLE_COLORS["mtl"]),
                       hovertemplate="MTL (low-rank) %{x} = %{y:.3f}<extra></extra>"))
    layout = base_layout(_title("low-rank MTL"),
                         _sub(scenario, strength_text, "Singular values of the task-weight matrix W (tasks × features)."),
                         height=440, barmode="group",
                         xaxis=dict(title=dict(text="singular value (largest first)"), type="category"),
                         yaxis=dict(title=dict(text="singular value of W"), gridcolor="#eee", rangemode="tozero"))
    layout["margin"]["t"] = 160
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


def joint_feature_figure(model: Any, stl: Any, ts: TaskSet, scenario: Scenario, strength_text: str) -> go.Figure:
    """Per-feature row norms ||W_j,:|| (MTL vs STL) and the weight matrix."""
    n_mtl = np.asarray(model.feature_norms_)
    axes, cells = grid_axes(1, 2, hspace=0.12, right=0.95)
    traces = []
    if stl is not None:
        traces.append(dict(type="bar", x=ts.feature_names, y=np.linalg.norm(np.asarray(stl.coef_), axis=0), name="STL",
                           marker=dict(color=ROLE_COLORS["stl"]), hovertemplate="STL %{x}: %{y:.3f}<extra></extra>"))
    traces.append(dict(type="bar", x=ts.feature_names, y=n_mtl, name="MTL (joint features)", marker=dict(color=ROLE_COLORS["mtl"]),
                       hovertemplate="MTL %{x}: %{y:.3f}<extra></extra>"))
    W = np.asarray(model.coef_)
    traces.append(_heat(W, ts.feature_names, [f"task {t + 1}" for t in range(ts.n_tasks)], "x2", "y2", True, "weight",
                        bar_x=axes["xaxis2"]["domain"][1] + 0.005))
    axes["xaxis"].update(title=dict(text="feature"), type="category")
    axes["yaxis"].update(title=dict(text="‖W_j,:‖ over all tasks"), gridcolor="#eee", rangemode="tozero")
    axes["xaxis2"].update(title=dict(text="feature"), type="category")
    axes["yaxis2"].update(autorange="reversed", type="category")
    annotations = [domain_title(axes, 1, "<b>use of each feature</b>"), domain_title(axes, 2, "<b>task weights (MTL)</b>")]
    layout = base_layout(_title("joint feature selection MTL"),
                         _sub(scenario, strength_text, "A feature whose row is zero is dropped by every task."),
                         height=max(440, 200 + 24 * ts.n_tasks), barmode="group", annotations=annotations, **axes)
    layout["margin"]["t"] = 165
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


def shared_subspace_figure(model: Any, ts: TaskSet, scenario: Scenario, strength_text: str) -> go.Figure:
    """The subspace P and the task coordinates; in 2-D also the task weights on the shared direction."""
    P = np.asarray(model.P_)
    A = np.asarray(model.task_coords_)
    k = P.shape[1]
    axes, cells = grid_axes(1, 2, hspace=0.14, right=0.95)
    traces, shapes = [], []
    if ts.n_features == 2:
        for j in range(k):
            xs, ys = segment(-P[1, j], P[0, j], 0.0, -1.3, 1.3)  # the line spanned by column j
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", line=dict(color=TRUTH_COLOR, width=2, dash="dash"),
                               name="shared subspace (span of P)" if j == 0 else None, showlegend=j == 0,
                               hoverinfo="skip"))
        W = np.asarray(model.coef_)
        scale = max(1e-12, float(np.max(np.linalg.norm(W, axis=1))))
        for t in range(ts.n_tasks):
            u = W[t] / scale
            color = TASK_PALETTE[t % len(TASK_PALETTE)]
            traces.append(dict(type="scatter", x=[0, float(u[0])], y=[0, float(u[1])], mode="lines+markers",
                               line=dict(color=color, width=3), marker=dict(symbol=["circle", "arrow"], size=[0, 14], angleref="previous", color=color),
                               name=f"task {t + 1} weights", hovertemplate=f"task {t + 1}<extra></extra>"))
        axes["xaxis"].update(range=[-1.3, 1.3], title=dict(text=f"weight on {ts.feature_names[0]}"), zeroline=True, zerolinecolor="#ddd", constrain="domain")
        axes["yaxis"].update(range=[-1.3, 1.3], title=dict(text=f"weight on {ts.feature_names[1]}"), scaleanchor="x", zeroline=True,
                             zerolinecolor="#ddd", constrain="domain")
        left_title = "<b>task weights lie in the shared subspace</b>"
    else:
        traces.append(_heat(P, [f"direction {j + 1}" for j in range(k)], ts.feature_names, "x", "y", True, "P",
                            bar_x=axes["xaxis"]["domain"][1] + 0.005))
        axes["xaxis"].update(type="category")
        axes["yaxis"].update(autorange="reversed", type="category", title=dict(text="feature"))
        left_title = "<b>the shared directions P</b>"
    for j in range(k):
        traces.append(dict(type="bar", x=[f"task {t + 1}" for t in range(ts.n_tasks)], y=A[:, j], xaxis="x2", yaxis="y2",
                           name=f"coordinate on direction {j + 1}", marker=dict(color=TASK_PALETTE[(j + 3) % len(TASK_PALETTE)]),
                           hovertemplate=f"%{{x}}: a = %{{y:.3f}} on direction {j + 1}<extra></extra>"))
    axes["xaxis2"].update(title=dict(text="task"), type="category")
    axes["yaxis2"].update(title=dict(text="task coordinate a_t"), gridcolor="#eee", zeroline=True, zerolinecolor="#999")
    annotations = [domain_title(axes, 1, left_title), domain_title(axes, 2, "<b>each task's coordinates</b>")]
    legend_rows = 1 + (ts.n_tasks + 2) // 5 if ts.n_features == 2 else 1
    layout = base_layout(_title(f"shared-subspace MTL (k = {k})"),
                         _sub(scenario, strength_text, "Every task's weights are w_t = P a_t."),
                         height=460 + 22 * legend_rows, barmode="group", annotations=annotations, shapes=shapes, **axes)
    layout["margin"]["t"] = 145 + 22 * legend_rows
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


def shared_hidden_figure(model: Any, ts: TaskSet, scenario: Scenario, strength_text: str) -> go.Figure:
    """Hidden units (switching lines in 2-D, or input weights) and the task heads' use of them."""
    V = np.asarray(model.hidden_weights_)  # (d, H)
    c = np.asarray(model.hidden_intercept_)
    U = np.asarray(model.head_coef_)  # (T, H)
    H = V.shape[1]
    units = [f"unit {h + 1}" for h in range(H)]
    axes, cells = grid_axes(1, 2, hspace=0.14, right=0.94)
    traces = []
    if ts.n_features == 2:
        X = np.vstack(ts.X_train)
        traces.append(dict(type="scatter", x=X[:, 0], y=X[:, 1], mode="markers", marker=dict(color="#bbb", size=5),
                           name="training points (all tasks)", hoverinfo="skip"))
        for h in range(H):
            xs, ys = segment(V[0, h], V[1, h], c[h])
            color = TASK_PALETTE[h % len(TASK_PALETTE)]
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", line=dict(color=color, width=2.5),
                               name=units[h], showlegend=False, hovertemplate=f"{units[h]} switches here<extra></extra>"))
            if xs:
                traces.append(dict(type="scatter", x=[xs[1]], y=[ys[1]], mode="text", text=[str(h + 1)], textposition="top center",
                                   textfont=dict(color=color, size=13), showlegend=False, hoverinfo="skip"))
        axes["xaxis"].update(range=[-VIEW, VIEW], title=dict(text=ts.feature_names[0]), constrain="domain", showgrid=False)
        axes["yaxis"].update(range=[-VIEW, VIEW], title=dict(text=ts.feature_names[1]), scaleanchor="x", constrain="domain", showgrid=False)
        left_title = "<b>where each hidden unit switches on</b>"
    else:
        traces.append(_heat(V, units, ts.feature_names, "x", "y", False, "weight"))
        axes["xaxis"].update(type="category")
        axes["yaxis"].update(type="category", autorange="reversed", title=dict(text="feature"))
        left_title = "<b>input weights of the hidden units</b>"
    traces.append(_heat(U, units, [f"task {t + 1}" for t in range(ts.n_tasks)], "x2", "y2", True, "head weight",
                        bar_x=axes["xaxis2"]["domain"][1] + 0.005))
    axes["xaxis2"].update(type="category", title=dict(text="hidden unit"))
    axes["yaxis2"].update(type="category", autorange="reversed")
    annotations = [domain_title(axes, 1, left_title), domain_title(axes, 2, "<b>how every task uses the units (u_t)</b>")]
    layout = base_layout(_title(f"shared-hidden-layer MTL ({H} units)"),
                         _sub(scenario, strength_text, "One hidden layer shared by all tasks; one logistic head per task."),
                         height=520, annotations=annotations, **axes)
    layout["margin"]["t"] = 165
    legend_below_title(layout, 100)
    return make_figure(traces, layout)


def clustered_figure(model: Any, ts: TaskSet, scenario: Scenario, strength_text: str) -> go.Figure:
    """The learned task similarity, tasks ordered by learned group, next to the true grouping (same order)."""
    labels = np.asarray(model.cluster_labels_)
    order = np.argsort(labels, kind="stable")
    truth = np.asarray(ts.task_cluster)
    names = [f"task {t + 1} (learned {labels[t] + 1}, true " + (f"{truth[t] + 1})" if truth[t] >= 0 else "none)")
             for t in order]
    learned = np.asarray(model.task_similarity_)[np.ix_(order, order)]
    same = (truth[:, None] == truth[None, :]) & (truth[:, None] >= 0)
    true_same = np.where(same | np.eye(ts.n_tasks, dtype=bool), 1.0, 0.0)[np.ix_(order, order)]
    axes, cells = grid_axes(1, 2, hspace=0.22, right=0.97)
    traces = [_heat(learned, names, names, "x", "y", True, "similarity", zmax=1.0, bar_x=axes["xaxis2"]["domain"][1] + 0.005),
              _heat(true_same, names, names, "x2", "y2", False, "", zmax=1.0)]
    for xa, ya in (("xaxis", "yaxis"), ("xaxis2", "yaxis2")):
        axes[xa].update(title=dict(text="task"), type="category", showticklabels=False)
        axes[ya].update(title=dict(text="task"), autorange="reversed", type="category", automargin=True)
    axes["yaxis2"].update(showticklabels=False)
    annotations = [domain_title(axes, 1, "<b>learned task similarity</b>"),
                   domain_title(axes, 2, "<b>true grouping (1: same group)</b>")]
    layout = base_layout(_title("clustered MTL"),
                         _sub(scenario, strength_text, "Tasks ordered by the groups the model found."),
                         height=max(460, 220 + 30 * ts.n_tasks), annotations=annotations, **axes)
    layout["margin"]["t"] = 165
    return make_figure(traces, layout)


#: The structure view of every MTL model of `mtl_core.MODELS`: ``(model, stl, ts, scenario, strength_text) -> figure``.
STRUCTURE_VIEWS: dict[str, Callable[..., go.Figure]] = {
    "mean_regularized": lambda model, stl, ts, sc, text: mean_regularized_figure(model, ts, sc, text),
    "low_rank": low_rank_figure,
    "joint_feature": joint_feature_figure,
    "shared_subspace": lambda model, stl, ts, sc, text: shared_subspace_figure(model, ts, sc, text),
    "shared_hidden": lambda model, stl, ts, sc, text: shared_hidden_figure(model, ts, sc, text),
    "clustered": lambda model, stl, ts, sc, text: clustered_figure(model, ts, sc, text),
}


def structure_figure(key: str, model: Any, stl: Any, ts: TaskSet, scenario: Scenario, strength_text: str) -> go.Figure:
    """What model ``key`` shares, drawn from its fit ``model`` (beside STL's fit ``stl`` where that helps)."""
    return STRUCTURE_VIEWS[key](model, stl, ts, scenario, strength_text)

