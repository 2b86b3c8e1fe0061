"""Figures of the Compare page: boundaries, accuracy, loss, replay, weights, similarity (`compare_figures`).

Builders are pure: they take the fitted results (`dashboard.compute.CompareData`)
and return a read-only figure (`RawFigure`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go

from ..compute import STL_NAME, CompareData, cosine_matrix, cosine_to_truth
from .geometry import VIEW, Plane, segments
from .panels import class_points, is_linear_model, model_traces, plane_for, points_traces, truth_traces
from .raw import RawFigure, make_figure
from .style import (
    DIVERGING,
    ROLE_COLORS,
    TRUTH_COLOR,
    axis_name,
    axis_ref,
    base_layout,
    domain_title,
    grid_axes,
    legend_below_title,
    pct,
    rounded,
    row_title,
    scenario_subtitle,
)

MAX_TEST_POINTS = 150
MAX_BOUNDARY_TASKS = 6
MAX_REPLAY_TASKS = 4
#: The replay's animation: at most this many frames (first and last epoch always in), and a
#: coarser grid for the nonlinear models' moving contours (every frame carries a whole grid).
MAX_REPLAY_FRAMES = 21
REPLAY_GRID = 31


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
        points[t] = (class_points(ts.X_test[t][:n_test], ts.y_test[t][:n_test], plane),
                     class_points(ts.X_train[t], ts.y_train[t], plane))
    for idx, ri, ci in cells:
        role, t = roles[ri], tasks[ci]
        model = data.model(role)
        color = ROLE_COLORS[role]
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        first = idx == 1
        traces += points_traces(points[t][0], xa, ya, first, True)
        traces += model_traces(model, t, plane, color, f"{data.name(role)} boundary", xa, ya, ci == 0)
        traces += truth_traces(data, t, plane, xa, ya, first)
        traces += points_traces(points[t][1], xa, ya, first, False)
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
                 line=dict(color=color, width=1.8, dash="dash"), name=f"{name}: best possible training loss",
                 legendgroup=role, hovertemplate=f"{name}<br>exact optimum: training loss %{{y:.4f}}<extra></extra>")
        )
    layout = base_layout(
        "Gradient-descent training: loss per epoch",
        scenario_subtitle(
            sc,
            f"Full-batch gradient descent, learning rate {sc.learning_rate:g}, at the strength the exact fit chose. "
            "Solid: training loss; dotted: test loss; dashed: the lowest training loss the model can reach (its exact optimum).",
        ),
        height=540,
        xaxis=dict(title=dict(text="epoch"), range=[0, sc.n_epochs], gridcolor="#eee"),
        yaxis=dict(title=dict(text="average loss per sample (log-loss)"), gridcolor="#eee"),
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
        traces += points_traces(class_points(ts.X_train[t], ts.y_train[t], plane), xa, ya, ci == 0, False)
        traces += truth_traces(data, t, plane, xa, ya, ci == 0)
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
    axes[axis_name(loss_idx, "y")].update(title=dict(text="training loss (log-loss)"), gridcolor="#eee")

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
                moved = _snapshot_trace(model, s, t, plane, ROLE_COLORS[role], data.name(role), None, None, False,
                                        cache.get((role, t)))
                # A frame updates only what moves: its showlegend=False would drop the model's legend entry.
                moved.pop("showlegend", None)
                frame_data.append(moved)
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
                 colorbar=dict(title=dict(text="similarity (1 = same direction)", side="top"), orientation="h", len=min(0.5, bar_x * 0.7),
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
        axes[axis_name(idx, "y")].update(title=dict(text="agreement with the true weights (1 = same direction)"), range=[min(-0.05, min(lows) - 0.05), 1.05],
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
