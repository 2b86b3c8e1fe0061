"""Figures of the Sweep page: gap heatmaps, learning curves, lambda path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from mtl_core import MODELS

from ..scenario import Scenario
from ..sweeps import MTL_LABEL, UNCLEAR, VERDICT_TEXT, SweepSpec, gap_verdict
from .raw import make_figure
from .style import DIVERGING, ROLE_COLORS, axis_name, axis_ref, base_layout, domain_title, grid_axes, legend_below_title, rgba

MODEL_ROLE = {"STL": "stl", "Pooled": "pooled", MTL_LABEL: "mtl"}
#: The ends of the λ path as its labels name them; the right end, mean-regularized MTL at large λ, is not the
#: pooled model (which shares the intercept too).
LEFT_END_LABEL = "← small λ: STL,<br>every task keeps its own weights"
RIGHT_END_LABEL = "large λ: one shared weight vector →<br>per-task intercepts (pooled: one intercept)"


def _subtitle(scenario: Scenario, spec: SweepSpec, extra: str) -> str:
    parts = [f"{scenario.n_tasks} tasks" + (f" ({scenario.n_unrelated} unrelated)" if scenario.n_unrelated else ""),
             f"{scenario.n_features} features" + (" (nonlinear)" if scenario.family == "nonlinear" else ""),
             f"label noise {scenario.label_noise:.0%}", f"{spec.repeats} task draws per cell from seed {scenario.seed}"]
    return " · ".join(parts) + (f"<br>{extra}" if extra else "")


def _lam_text(spec: SweepSpec) -> str:
    return f"λ {MODELS['mean_regularized'].auto_rule} in every draw" if spec.lam is None else f"λ fixed at {spec.lam:g}"


#: How much of the white the cells whose interval contains 0 are washed with, and their number's colour.
PALE = 0.7
PALE_TEXT = "#555"


def _pale(colorscale: list, amount: float = PALE) -> list:
    """``colorscale`` mixed with white by ``amount`` (0: unchanged, 1: white)."""
    out = []
    for stop, color in colorscale:
        h = color.lstrip("#")
        rgb = [int(h[i : i + 2], 16) for i in (0, 2, 4)]
        out.append([stop, "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)])
    return out


def _num(v: float) -> float | None:
    """``v`` as a JSON number, None (plotly.js: a gap) if not finite."""
    return float(v) if np.isfinite(v) else None


def _nullable(m: np.ndarray) -> list:
    """A matrix as nested lists with None for NaN."""
    return [[_num(v) for v in row] for row in m]


def gap_cells(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Text and verdict of every heatmap cell.

    Parameters
    ----------
    z, lo, hi : ndarray
        The gaps vs STL (points) and the bounds of their 95% intervals, one
        value per cell (NaN where unknown).

    Returns
    -------
    text : ndarray of str
        The gap with one decimal and a true minus ("0.0" unsigned; "" where unknown).
    verdict : ndarray of str
        `sweeps.gap_verdict` of the cell's interval ("" where the gap is unknown).
    """
    text = np.full(z.shape, "", dtype=object)
    verdict = np.full(z.shape, "", dtype=object)
    for idx in np.ndindex(z.shape):
        if np.isfinite(z[idx]):
            v = round(float(z[idx]), 1)
            text[idx] = "0.0" if v == 0 else f"{v:+.1f}".replace("-", "−")
            verdict[idx] = gap_verdict(lo[idx], hi[idx])
    return text, verdict


def gap_heatmap_figure(summary: pd.DataFrame, scenario: Scenario, spec: SweepSpec) -> go.Figure:
    """Mean test-accuracy gap vs STL (points) over relatedness x training samples: MTL and pooled side by side.

    Diverging colours centred at 0: blue where sharing helps, red where it hurts.
    Only cells whose 95% interval excludes 0 get the full colour and a bold
    number (a red one is negative transfer); cells whose interval contains 0
    are pale with a plain grey number: no clear difference.  Every cell's
    hover names its interval and verdict; the scenario's own cell is outlined.
    """
    models = [m for m in (MTL_LABEL, "Pooled") if m in set(summary["model"])]
    rel = sorted(summary["relatedness"].unique())
    ns = sorted(summary["n_train"].unique())
    xlab = [f"{r:.2f}" for r in rel]
    ylab = [str(int(n)) for n in ns]
    mats = {}
    for m in models:
        sub = summary[summary["model"] == m]
        mats[m] = tuple(
            sub.pivot(index="n_train", columns="relatedness", values=col).reindex(index=ns, columns=rel).to_numpy() * 100
            for col in ("gap_mean", "gap_low", "gap_high")
        )
    vmax = max(5.0, float(np.nanmax([np.nanmax(np.abs(v[0])) for v in mats.values()])) if mats else 5.0)
    axes, cells = grid_axes(1, len(models), hspace=0.09, right=0.9)
    traces, annotations, shapes = [], [], []
    ri = int(np.argmin(np.abs(np.asarray(rel) - scenario.relatedness)))
    ni = int(np.argmin(np.abs(np.asarray(ns) - scenario.n_train)))
    for idx, _, ci in cells:
        m = models[ci]
        z, lo, hi = mats[m]
        text, verdict = gap_cells(z, lo, hi)
        xa, ya = axis_ref(idx, "x"), axis_ref(idx, "y")
        custom = [[[_num(lo[i, j]), _num(hi[i, j]), VERDICT_TEXT.get(verdict[i, j], "")] for j in range(z.shape[1])]
                  for i in range(z.shape[0])]
        unclear = verdict == UNCLEAR
        common = dict(type="heatmap", x=xlab, y=ylab, xaxis=xa, yaxis=ya, zmin=-vmax, zmax=vmax, customdata=custom,
                      xgap=1, ygap=1, hoverongaps=False,
                      hovertemplate=f"{m} − STL<br>relatedness %{{x}}, %{{y}} training samples/task<br>"
                                    "gap %{z:+.1f} points (95% CI %{customdata[0]:+.1f} to %{customdata[1]:+.1f})<br>"
                                    "%{customdata[2]}<extra></extra>")
        # cells whose interval excludes 0: full colour, bold number (colour contrasting with the cell)
        traces.append(dict(
            common, z=_nullable(np.where(unclear, np.nan, z)), text=np.where(unclear, "", text).tolist(),
            texttemplate="<b>%{text}</b>", textfont=dict(size=13), colorscale=DIVERGING, showscale=ci == 0,
            colorbar=dict(title=dict(text="points vs STL", side="right"), x=0.915, xanchor="left", len=0.8, thickness=14,
                          y=0.45),
        ))
        # cells whose interval contains 0: pale, plain grey number
        if unclear.any():
            traces.append(dict(
                common, z=_nullable(np.where(unclear, z, np.nan)), text=np.where(unclear, text, "").tolist(),
                texttemplate="%{text}", textfont=dict(size=13, color=PALE_TEXT), colorscale=_pale(DIVERGING),
                showscale=False,
            ))
        axes[axis_name(idx, "x")].update(title=dict(text="relatedness of the tasks"),
                                          type="category", tickfont=dict(size=12))
        axes[axis_name(idx, "y")].update(title=dict(text="training samples per task" if ci == 0 else ""), type="category",
                                          tickfont=dict(size=12))
        annotations.append(domain_title(axes, idx, f"<b>{m} − STL</b>", size=15))
        shapes.append(dict(type="rect", xref=xa, yref=ya, x0=ri - 0.5, x1=ri + 0.5, y0=ni - 0.5, y1=ni + 0.5,
                           line=dict(color="black", width=3)))
    layout = base_layout(
        "Where does sharing help? Test-accuracy gap vs STL",
        _subtitle(scenario, spec, "Mean over task draws, in accuracy points. <b>Bold</b> on full colour: the 95% interval "
                  "excludes 0 (blue: better than STL; red: worse, negative transfer). Pale, plain number: the interval "
                  "contains 0, no clear difference. "
                  "Relatedness: how alike the tasks' true weights are (1 = the same direction; the expected cosine similarity). "
                  f"MTL: mean-regularized, {_lam_text(spec)}. Outlined: the current scenario's settings (averaged over fresh "
                  "task draws, so it can differ from the Compare page's single draw)."),
        height=560, annotations=annotations, shapes=shapes, **axes,
    )
    layout["margin"].update(t=165, r=90)
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
    """Accuracy of mean-regularized MTL along λ, from the STL end towards pooling, with the automatic choice.

    The right end (large λ) is labelled as what it is: one shared weight vector
    with per-task intercepts, which is not the pooled model (one intercept for
    all tasks); `sweeps.lambda_path_caption` says why the two differ when they do.
    """
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
        traces.append(dict(type="scatter", x=[med], y=[cm * 100], mode="markers", name=f"automatic λ (median {med:.2g}): {cm * 100:.1f}%",
                           marker=dict(symbol="diamond", size=14, color="#6a3d9a", line=dict(color="white", width=1.5)),
                           error_y=dict(type="data", symmetric=False, array=[(chi - cm) * 100], arrayminus=[(cm - clo) * 100],
                                        color="#6a3d9a") if np.isfinite(clo) else None,
                           hovertemplate="automatic choice<br>λ median %{x:.3g}<br>accuracy %{y:.1f}%<extra></extra>"))
        traces.append(dict(type="scatter", x=cv.tolist(), y=[0] * cv.size, mode="markers", yaxis="y2",
                           marker=dict(symbol="line-ns", size=14, line=dict(color="#6a3d9a", width=2)),
                           name="λ chosen in each draw", hovertemplate="λ = %{x:.3g}<extra>automatic choice</extra>"))
    bayes = float(lp.bayes_accuracy) * 100
    if np.isfinite(bayes):
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=bayes, y1=bayes, line=dict(color="black", dash="dash", width=2)))
        traces.append(dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color="black", dash="dash", width=2),
                           name=f"Bayes ceiling ({bayes:.0f}%)"))
    # the two ends, two short lines each, below the axis title (they do not meet even on a narrow screen)
    height, top, bottom = 560, 170, 108
    end_y = -60 / (height - top - bottom)  # 60 px below the plot area
    annotations += [
        dict(xref="paper", yref="paper", x=0.0, y=end_y, xanchor="left", yanchor="top", align="left", showarrow=False,
             text=LEFT_END_LABEL, font=dict(size=13, color=ROLE_COLORS["stl"])),
        dict(xref="paper", yref="paper", x=1.0, y=end_y, xanchor="right", yanchor="top", align="right", showarrow=False,
             text=RIGHT_END_LABEL, font=dict(size=13, color=ROLE_COLORS["mtl"])),
    ]
    layout = base_layout(
        "Sharing strength λ: from STL towards pooling",
        f"{scenario.summary()}<br>Mean-regularized MTL at fixed λ (band: 95% CI over {repeats} task draws); STL and pooled "
        f"with ridge α = 0.01; diamond: λ {MODELS['mean_regularized'].auto_rule}.",
        height=height, shapes=shapes, annotations=annotations,
        xaxis=dict(title=dict(text="sharing strength λ (log scale)", standoff=8), type="log", gridcolor="#eee", exponentformat="power"),
        yaxis=dict(title=dict(text="mean test accuracy (%)"), gridcolor="#eee", ticksuffix="%", domain=[0.0, 0.92]),
        yaxis2=dict(domain=[0.93, 1.0], anchor="x", range=[-1, 1], showticklabels=False, showgrid=False, zeroline=False, fixedrange=True),
    )
    layout["margin"].update(t=top, b=bottom)
    legend_below_title(layout, 98)
    return make_figure(traces, layout)
