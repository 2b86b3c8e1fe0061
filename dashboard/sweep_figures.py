"""Figures of the Sweep page: gap heatmaps, learning curves, lambda path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import DIVERGING, ROLE_COLORS, axis_name, axis_ref, base_layout, domain_title, grid_axes, legend_below_title, make_figure, rgba
from .scenario import Scenario
from .sweeps import MTL_LABEL, SweepSpec

MODEL_ROLE = {"STL": "stl", "Pooled": "pooled", MTL_LABEL: "mtl"}


def _subtitle(scenario: Scenario, spec: SweepSpec, extra: str) -> str:
    parts = [f"{scenario.n_tasks} tasks" + (f" ({scenario.n_unrelated} unrelated)" if scenario.n_unrelated else ""),
             f"{scenario.n_features} features" + (" (nonlinear)" if scenario.family == "nonlinear" else ""),
             f"label noise {scenario.label_noise:.0%}", f"{spec.repeats} task draws per cell from seed {scenario.seed}"]
    return " · ".join(parts) + (f"<br>{extra}" if extra else "")


def _lam_text(spec: SweepSpec) -> str:
    return "λ chosen by cross-validation in every draw" if spec.lam is None else f"λ fixed at {spec.lam:g}"


def gap_heatmap_figure(summary: pd.DataFrame, scenario: Scenario, spec: SweepSpec) -> go.Figure:
    """Mean test-accuracy gap vs STL (points) over relatedness x training samples: MTL and pooled side by side.

    Diverging colours centred at 0: blue where sharing helps, red where it hurts
    (negative transfer); the value is written in each cell; the scenario's own
    cell is outlined.
    """
    models = [m for m in (MTL_LABEL, "Pooled") if m in set(summary["model"])]
    rel = sorted(summary["relatedness"].unique())
    ns = sorted(summary["n_train"].unique())
    xlab = [f"{r:.2f}" for r in rel]
    ylab = [str(int(n)) for n in ns]
    mats = {}
    for m in models:
        sub = summary[summary["model"] == m]
        mats[m] = (
            sub.pivot(index="n_train", columns="relatedness", values="gap_mean").reindex(index=ns, columns=rel).to_numpy() * 100,
            sub.pivot(index="n_train", columns="relatedness", values="gap_low").reindex(index=ns, columns=rel).to_numpy() * 100,
            sub.pivot(index="n_train", columns="relatedness", values="gap_high").reindex(index=ns, columns=rel).to_numpy() * 100,
        )
    vmax = max(5.0, float(np.nanmax([np.nanmax(np.abs(v[0])) for v in mats.values()])) if mats else 5.0)
    axes, cells = grid_axes(1, len(models), hspace=0.09, right=0.9)
    traces, annotations, shapes = [], [], []
    ri = int(np.argmin(np.abs(np.asarray(rel) - scenario.relatedness)))
    ni = int(np.argmin(np.abs(np.asarray(ns) - scenario.n_train)))
    for idx, _, ci in cells:
        m = models[ci]
        z, lo, hi = mats[m]
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        text = np.vectorize(lambda v: "" if not np.isfinite(v) else f"{v:+.1f}".replace("-", "−"))(z)
        custom = np.dstack([lo, hi])
        traces.append(
            dict(type="heatmap", z=z, x=xlab, y=ylab, xaxis=xa, yaxis=ya, colorscale=DIVERGING, zmin=-vmax, zmax=vmax,
                 text=text, texttemplate="%{text}", textfont=dict(size=13), customdata=custom, showscale=ci == 0,
                 xgap=1, ygap=1,
                 colorbar=dict(title=dict(text="points vs STL", side="right"), x=0.915, xanchor="left", len=0.8, thickness=14,
                               y=0.45),
                 hovertemplate=f"{m} − STL<br>relatedness %{{x}}, %{{y}} training samples/task<br>"
                               "gap %{z:+.1f} points (95% CI %{customdata[0]:+.1f} to %{customdata[1]:+.1f})<extra></extra>")
        )
        axes[axis_name(idx, "x")].update(title=dict(text="relatedness of the tasks"),
                                          type="category", tickfont=dict(size=12))
        axes[axis_name(idx, "y")].update(title=dict(text="training samples per task" if ci == 0 else ""), type="category",
                                          tickfont=dict(size=12))
        annotations.append(domain_title(axes, idx, f"<b>{m} − STL</b>", size=15))
        shapes.append(dict(type="rect", xref=xa, yref=ya, x0=ri - 0.5, x1=ri + 0.5, y0=ni - 0.5, y1=ni + 0.5,
                           line=dict(color="black", width=3)))
    layout = base_layout(
        "Where does sharing help? Test-accuracy gap vs STL",
        _subtitle(scenario, spec, f"Mean over task draws, in accuracy points; blue: better than STL, red: worse (negative transfer). "
                  "Relatedness: expected cosine similarity of the tasks' true weights. "
                  f"MTL: mean-regularized, {_lam_text(spec)}. Outlined: the current scenario's settings (averaged over fresh "
                  "task draws, so it can differ from the Compare page's single draw)."),
        height=540, annotations=annotations, shapes=shapes, **axes,
    )
    layout["margin"].update(t=150, r=90)
    return make_figure(traces, layout)


def learning_curve_figure(curve: pd.DataFrame, scenario: Scenario, spec: SweepSpec) -> go.Figure:
    """Test accuracy against training samples per task for STL, pooled and MTL, with 95% bands."""
    traces = []
    for model in [m for m in ("STL", MTL_LABEL, "Pooled") if m in set(curve["model"])]:
        sub = curve[curve["model"] == model].sort_values("n_train")
        color = ROLE_COLORS[MODEL_ROLE[model]]
        x = sub["n_train"].astype(float).tolist()
        lo = (sub["accuracy_low"] * 100).tolist()
        hi = (sub["accuracy_high"] * 100).tolist()
        if np.all(np.isfinite(lo)):
            traces.append(
                dict(type="scatter", mode="lines", x=x + x[::-1], y=hi + lo[::-1], fill="toself", fillcolor=rgba(color, 0.15),
                     line=dict(width=0), hoverinfo="skip", showlegend=False, legendgroup=model)
            )
        traces.append(
            dict(type="scatter", x=x, y=(sub["mean_accuracy"] * 100).tolist(), mode="lines+markers", name=model,
                 line=dict(color=color, width=3), marker=dict(size=8), legendgroup=model,
                 customdata=np.column_stack([lo, hi]),
                 hovertemplate=f"{model}<br>%{{x}} samples/task: %{{y:.1f}}% (95% CI %{{customdata[0]:.1f}}–%{{customdata[1]:.1f}})<extra></extra>")
        )
    bayes = float(curve["bayes_accuracy"].iloc[0]) * 100 if len(curve) else float("nan")
    shapes = []
    if np.isfinite(bayes):
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=bayes, y1=bayes, line=dict(color="black", dash="dash", width=2)))
        traces.append(dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color="black", dash="dash", width=2),
                           name=f"Bayes ceiling ({bayes:.0f}%)"))
    shapes.append(dict(type="line", xref="x", yref="paper", x0=scenario.n_train, x1=scenario.n_train, y0=0, y1=1,
                       line=dict(color="#888", dash="dot", width=1.5)))
    rel = float(curve["relatedness"].iloc[0]) if len(curve) else scenario.relatedness
    layout = base_layout(
        "Learning curves: test accuracy vs training samples per task",
        _subtitle(scenario, spec, f"Relatedness {rel:.2f}. Lines: mean over task draws; bands: 95% confidence intervals. "
                  f"MTL: mean-regularized, {_lam_text(spec)}. Dotted: the current scenario's size."),
        height=520, shapes=shapes,
        xaxis=dict(title=dict(text="training samples per task (log scale)"), type="log", gridcolor="#eee",
                   tickvals=sorted(set(curve["n_train"].astype(int))) if len(curve) else None),
        yaxis=dict(title=dict(text="mean test accuracy (%)"), gridcolor="#eee", ticksuffix="%"),
    )
    layout["margin"]["t"] = 155
    legend_below_title(layout, 98)
    return make_figure(traces, layout)


def lambda_path_figure(lp, scenario: Scenario, repeats: int) -> go.Figure:
    """Accuracy of mean-regularized MTL along λ, from the STL end to the pooled end, with the CV choice."""
    path = lp.path
    x = path["lam"].tolist()
    m = (path["mean_accuracy"] * 100).tolist()
    lo = (path["accuracy_low"] * 100).tolist()
    hi = (path["accuracy_high"] * 100).tolist()
    color = ROLE_COLORS["mtl"]
    traces = []
    if np.all(np.isfinite(lo)):
        traces.append(dict(type="scatter", mode="lines", x=x + x[::-1], y=hi + lo[::-1], fill="toself", fillcolor=rgba(color, 0.15),
                           line=dict(width=0), hoverinfo="skip", showlegend=False))
    traces.append(dict(type="scatter", x=x, y=m, mode="lines+markers", name="MTL (mean-regularized) at fixed λ",
                       line=dict(color=color, width=3), marker=dict(size=7),
                       hovertemplate="λ = %{x:.3g}<br>mean test accuracy %{y:.1f}%<extra></extra>"))
    shapes, annotations = [], []
    refs = lp.references.set_index("model")
    for name, role in (("STL", "stl"), ("Pooled", "pooled")):
        if name in refs.index:
            v = float(refs.loc[name, "mean_accuracy"]) * 100
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=v, y1=v,
                               line=dict(color=ROLE_COLORS[role], width=2, dash="dashdot")))
            traces.append(dict(type="scatter", x=[None], y=[None], mode="lines",
                               line=dict(color=ROLE_COLORS[role], width=2, dash="dashdot"), name=f"{name} ({v:.1f}%)"))
    cv = np.asarray(lp.cv_lam, dtype=float)
    cm, clo, chi = lp.cv_accuracy
    if cv.size:
        med = float(np.median(cv))
        shapes.append(dict(type="line", xref="x", yref="paper", x0=med, x1=med, y0=0, y1=1,
                           line=dict(color="#6a3d9a", width=2, dash="dot")))
        traces.append(dict(type="scatter", x=[med], y=[cm * 100], mode="markers", name=f"cross-validated λ (median {med:.2g}): {cm * 100:.1f}%",
                           marker=dict(symbol="diamond", size=14, color="#6a3d9a", line=dict(color="white", width=1.5)),
                           error_y=dict(type="data", symmetric=False, array=[(chi - cm) * 100], arrayminus=[(cm - clo) * 100],
                                        color="#6a3d9a") if np.isfinite(clo) else None,
                           hovertemplate="CV choice<br>λ median %{x:.3g}<br>accuracy %{y:.1f}%<extra></extra>"))
        traces.append(dict(type="scatter", x=cv.tolist(), y=[0] * cv.size, mode="markers", yaxis="y2",
                           marker=dict(symbol="line-ns", size=14, line=dict(color="#6a3d9a", width=2)),
                           name="λ chosen in each draw", hovertemplate="λ = %{x:.3g}<extra>CV choice</extra>"))
    bayes = float(lp.bayes_accuracy) * 100
    if np.isfinite(bayes):
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=bayes, y1=bayes, line=dict(color="black", dash="dash", width=2)))
        traces.append(dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color="black", dash="dash", width=2),
                           name=f"Bayes ceiling ({bayes:.0f}%)"))
    annotations += [
        dict(xref="paper", yref="paper", x=0.0, y=-0.2, xanchor="left", showarrow=False,
             text="← STL end: every task keeps its own weights", font=dict(size=13, color=ROLE_COLORS["stl"])),
        dict(xref="paper", yref="paper", x=1.0, y=-0.2, xanchor="right", showarrow=False,
             text="pooled end: one shared weight vector →", font=dict(size=13, color=ROLE_COLORS["pooled"])),
    ]
    layout = base_layout(
        "Sharing strength λ: from STL to pooling",
        f"{scenario.summary()}<br>Mean-regularized MTL at fixed λ (band: 95% CI over {repeats} task draws); STL and pooled "
        "with ridge α = 0.01; diamond: λ chosen by cross-validation.",
        height=540, shapes=shapes, annotations=annotations,
        xaxis=dict(title=dict(text="sharing strength λ (log scale)", standoff=8), type="log", gridcolor="#eee", exponentformat="power"),
        yaxis=dict(title=dict(text="mean test accuracy (%)"), gridcolor="#eee", ticksuffix="%", domain=[0.0, 0.92]),
        yaxis2=dict(domain=[0.93, 1.0], anchor="x", range=[-1, 1], showticklabels=False, showgrid=False, zeroline=False, fixedrange=True),
    )
    layout["margin"].update(t=170, b=95)
    legend_below_title(layout, 98)
    return make_figure(traces, layout)
